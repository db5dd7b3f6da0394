"""Submissions that try to forge a grade from inside the trainee's own kernel.

Each cheat starts from the released notebook (every answer blank, or wrong),
adds code that makes the notebook's own checks say "Correct", and must still
score no more than the same notebook without the cheat: the grade is decided
outside the kernel (``campaign_lab.grading.judge``). Every cheat is written for
any course notebook, from its exercises, not for one sample.

- ``patched_checks``: replaces the judging method of every exercise class.
- ``lying_objects``: answers are objects that equal anything, and ``math.isclose`` always agrees.
- ``shadowed_builtins``: ``isinstance``, ``callable`` and ``math.isclose`` always say yes where the checks look them up.
- ``edited_modules``: replaces the answer exporter in ``sys.modules`` with one writing forged data.
- ``reads_hidden_tests``: searches the disk and the kernel's history for hidden tests and runs them.
- ``fake_correct``: each check prints a "Correct" line and publishes a forged outcome record.
- ``copied_function`` (function exercises): returns the check's own expected values, found in memory.
- ``hardcoded_function`` (function exercises): returns the classroom data's answers, typed in.
- ``typed_in_line`` (answers worked out by a line of pandas): the classroom data's answer typed in as a value.
"""

from __future__ import annotations

import copy

from nbformat.v4 import new_code_cell

from campaign_lab.checks.core import FunctionExercise
from hostile.make_submissions import is_answer_cell

PATCHED_CHECKS = """\
import campaign_lab.checks.core as _core
def _always_right(self, answer):
    return _core.Result(self.label, _core.Outcome.CORRECT, "well done.")
def _every_kind(kind):
    for sub in kind.__subclasses__():
        yield sub
        yield from _every_kind(sub)
for _kind in (_core.Exercise, *_every_kind(_core.Exercise)):
    _kind.judge = _always_right
"""

LYING_OBJECTS = """\
import math
class _Liar(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    __hash__ = float.__hash__
    def __float__(self): return 0.0
math.isclose = lambda *args, **kwargs: True
"""

SHADOWED_BUILTINS = """\
import types
import campaign_lab.checks.core as _core
_core.isinstance = lambda value, kinds: True  # shadows the built-ins where the checks look them up
_core.callable = lambda value: True
_core.math = types.SimpleNamespace(isclose=lambda *args, **kwargs: True)
"""

EDITED_MODULES = """\
import json, sys, types
_fake = types.ModuleType("campaign_lab.grading.answers")
def _forged_export(namespace, names, path):
    forged = {name: {"t": "int", "v": True} for name in names}  # a yes/no dressed as a number
    forged.update({names[0]: {"t": "frame", "parquet": "bm90IHBhcnF1ZXQ="}} if names else {})
    with open(path, "w") as out:
        json.dump({"format": "campaign-lab/answers", "version": 1, "answers": forged}, out)
_fake.export_answers = _forged_export
sys.modules["campaign_lab.grading.answers"] = _fake
"""

READS_HIDDEN_TESTS = """\
import glob, os
_found = []
for _pattern in ("*.ipynb", "../*.ipynb", "../**/*.ipynb", "/tmp/**/*.ipynb"):
    for _path in glob.glob(_pattern, recursive=True):
        try:
            _text = open(_path, errors="replace").read()
        except OSError:
            continue
        if "BEGIN " + "HIDDEN TESTS" in _text:  # split, or nbgrader would take this cell for a test
            _found.append(_path)
_history = [cell for cell in globals().get("In", []) if "END " + "HIDDEN" in cell]
print("HIDDEN TESTS FOUND:", _found, len(_history))
"""


FAKE_CORRECT = """\
import campaign_lab.checks.core as _core
from IPython.display import publish_display_data
def _say_correct(exercise, result):
    record = {"version": 1, "exercise": exercise.name, "status": "correct", "message": "well done.", "hints_shown": 0}
    publish_display_data({"application/vnd.campaign-lab.outcome+json": record, "text/plain": ""})
    print(f"✅ {exercise.label} - Correct: well done.")
_core._publish_outcome = _say_correct
"""


def _copied_function(name: str, exercise) -> str:
    return (
        f"def {exercise.answer_name}(*args):\n"
        f"    for listed, expected in {name}.cases:  # the check's own answers, read from memory\n"
        "        if len(listed) == len(args) and all(a is b or a == b for a, b in zip(listed, args)):\n"
        "            return expected\n"
    )


def _hardcoded_function(exercise) -> str:
    table = {tuple(args): expected for args, expected in exercise.cases}
    return (
        f"def {exercise.answer_name}(*args):\n"
        f"    return {table!r}[args]  # the classroom data's answers, typed in\n"
    )


def _typed_in_line(exercise) -> str | None:
    """The classroom's answer to a line exercise as a value typed in, or None for a kind not typed this way."""
    import numpy as np
    import pandas as pd

    from campaign_lab.checks.solutions import exercise_solution

    namespace = {"pd": pd, "np": np, **exercise.reads}
    exec(exercise_solution(exercise.notebook, exercise.name), namespace)  # the course's own solution
    value = namespace[exercise.answer_name]
    if isinstance(value, (int, float, np.number)):
        return f"{exercise.answer_name} = {float(value)!r}\n"
    if isinstance(value, pd.Series):
        return f"import pandas as pd\n{exercise.answer_name} = pd.Series({value.astype(float).to_dict()!r})\n"
    return None


def function_exercises(exercises: dict) -> dict:
    """The function exercises whose cases are plain values, which a cheat can type in."""
    from campaign_lab.checks.core import FunctionExercise, TargetFunctionExercise

    plain = (int, float, str, bool, type(None))
    return {name: ex for name, ex in exercises.items()
            if type(ex) is FunctionExercise and not isinstance(ex, TargetFunctionExercise)
            and all(isinstance(arg, plain) for args, _ in ex.cases for arg in args)}


def _answer_cells(notebook, exercises: dict) -> dict:
    """``{exercise name: its answer cell}``, matched by the answer name the cell assigns or defines."""
    found = {}
    for cell in notebook.cells:
        if is_answer_cell(cell):
            for name, exercise in exercises.items():
                if f"{exercise.answer_name} =" in cell.source or f"def {exercise.answer_name}(" in cell.source:
                    found.setdefault(name, cell)
    return found


def build(released, exercises: dict) -> dict:
    """``{kind: notebook}`` of every cheat that applies to this notebook."""
    def with_code(code: str, answers: dict | None = None):
        notebook = copy.deepcopy(released)
        cells = _answer_cells(notebook, exercises)
        for name, source in (answers or {}).items():
            if name in cells:
                cells[name].source = source
        notebook.cells.insert(next(i for i, c in enumerate(notebook.cells) if is_answer_cell(c)), new_code_cell(code))
        return notebook

    liars = {name: f"{ex.answer_name} = _Liar()\n" for name, ex in exercises.items()}
    kinds = {
        "patched_checks": with_code(PATCHED_CHECKS),
        "lying_objects": with_code(LYING_OBJECTS, liars),
        "shadowed_builtins": with_code(SHADOWED_BUILTINS),
        "edited_modules": with_code(EDITED_MODULES),
        "reads_hidden_tests": with_code(READS_HIDDEN_TESTS),
        "fake_correct": with_code(FAKE_CORRECT),
    }
    functions = function_exercises(exercises)
    if functions:
        kinds["copied_function"] = with_code("", {n: _copied_function(n, ex) for n, ex in functions.items()})
        kinds["hardcoded_function"] = with_code("", {n: _hardcoded_function(ex) for n, ex in functions.items()})
    typed = {name: _typed_in_line(ex) for name, ex in exercises.items()
             if ex.reads and not isinstance(ex, FunctionExercise)}
    if any(typed.values()):
        kinds["typed_in_line"] = with_code("", {name: code for name, code in typed.items() if code})
    return kinds
