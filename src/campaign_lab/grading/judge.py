"""Grades out of the trainee's reach: each answer judged by a Python the trainee's code never touched.

The checks in a trainee's notebook give fast feedback, but they run in the
trainee's kernel after the trainee's code, which can replace a method, shadow a
built-in or edit ``sys.modules``. So the grade is decided here, in the grader's
own process:

1. The box exports each exercise's answer as plain data (:mod:`.answers`).
2. :class:`CourseJudge` builds the notebook's exercises from the grading
   profile (``campaign_lab.checks.mNN.exercises``), once per grading run.
3. A function answer is called in a fresh box kernel on every input its
   exercise lists (:meth:`~campaign_lab.checks.core.FunctionExercise.calls`),
   on the grading profile and on a second profile
   (:mod:`.function_runner`); :class:`Replay` hands what it returned to the
   exercise's own judgement here.
4. Every other answer is judged by the exercise's ``judge`` directly. One
   worked out by a line of pandas (an exercise that lists what it ``reads``)
   and right on the grading profile is judged again on the second profile:
   its answer cell, taken from the submitted notebook, runs in a fresh box
   process on that profile's tables, and the value it sets is judged by that
   profile's exercise. A number typed in, or copied from a neighbour, fails there.

The :class:`Verdict` of each test cell is what nbgrader scores (see
``autograde.UseSandboxOutputs``) and what the outcome files record.
"""

from __future__ import annotations

import ast
import base64
import importlib
import importlib.util
import io
import pickle
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from traitlets import Bool, Unicode
from traitlets.config import Configurable

from campaign_lab.checks.core import Exercise, FunctionExercise, Outcome
from campaign_lab.grading.answers import FunctionAnswer, Refused, decode
from campaign_lab.grading.function_runner import FILE_BYTES

CLASSROOM, SECOND = "classroom", "second"
CORRECT, INCORRECT, NOT_ATTEMPTED, ERROR = "correct", "incorrect", "not_attempted", "error"
_CHECK_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\.check\(\s*\)", re.MULTILINE)


class JudgeSettings(Configurable):
    """Where and on which profiles the grade is computed (``c.JudgeSettings`` in ``nbgrader_config.py``)."""

    out_of_kernel = Bool(
        True, help="Judge course notebooks' answers outside the trainee's kernel. False scores the hidden "
        "tests in the kernel, as plain nbgrader does: a little faster, and a trainee's code can forge it.",
    ).tag(config=True)

    profile = Unicode("default", help="The profile whose data every answer is judged against.").tag(config=True)
    second_profile = Unicode(
        "kenya-county",
        help="A second profile on which answers that are code (functions) are judged too, so that a "
        "function that only fits the classroom data, or copies its numbers, earns nothing; '' to skip.",
    ).tag(config=True)


@dataclass(frozen=True)
class Verdict:
    """The grader's judgement of one test cell."""

    exercise: str
    status: str  # correct, incorrect, not_attempted or error
    message: str

    @property
    def correct(self) -> bool:
        return self.status == CORRECT

    def to_json(self) -> dict:
        return {"exercise": self.exercise, "status": self.status, "message": self.message}

    @classmethod
    def from_json(cls, record: dict) -> Verdict:
        return cls(str(record["exercise"]), str(record["status"]), str(record["message"]))


def exercise_in_cell(source: str) -> str | None:
    """The exercise a test cell checks (``q1`` in ``q1.check()``), or None.

    Examples
    --------
    >>> exercise_in_cell("q3.check()\\n### BEGIN HIDDEN TESTS")
    'q3'
    """
    found = _CHECK_CALL.findall(source)
    return found[0] if len(found) == 1 else None


class _CallsPickler(pickle.Pickler):
    """Pickles the exercises' inputs; signing keys (notebook 12), which do not pickle, go as their bytes."""

    def reducer_override(self, obj):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519

        if isinstance(obj, ed25519.Ed25519PublicKey):
            raw = obj.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return ed25519.Ed25519PublicKey.from_public_bytes, (raw,)
        if isinstance(obj, ed25519.Ed25519PrivateKey):
            raw = obj.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
            return ed25519.Ed25519PrivateKey.from_private_bytes, (raw,)
        return NotImplemented


def checks_module(notebook: str) -> str | None:
    """The checks module of a course notebook (``04-targeting`` -> ``campaign_lab.checks.m04``), or None."""
    match = re.match(r"(\d\d)-", notebook)
    if not match:
        return None
    name = f"campaign_lab.checks.m{match.group(1)}"
    return name if importlib.util.find_spec(name) is not None else None


class CourseJudge:
    """The course's exercises for each notebook, built once per run, and the judging of answers."""

    def __init__(self, profile: str = "default", second_profile: str = "", out_of_kernel: bool = True):
        self.out_of_kernel = out_of_kernel
        self.profiles = {CLASSROOM: profile, **({SECOND: second_profile} if second_profile else {})}
        self._built: dict[tuple[str, str], dict[str, Exercise]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config) -> CourseJudge:
        settings = JudgeSettings(config=config)
        return cls(settings.profile, settings.second_profile, settings.out_of_kernel)

    def exercises(self, notebook: str, plan: str = CLASSROOM) -> dict[str, Exercise]:
        """``{exercise name: exercise}`` of a course notebook on one profile (empty if it has none)."""
        key = (notebook, plan)
        with self._lock:
            if key not in self._built:
                self._built[key] = self._build(notebook, self.profiles[plan])
            return self._built[key]

    @staticmethod
    def _build(notebook: str, profile: str) -> dict[str, Exercise]:
        from campaign_lab.profiles import load_profile

        module = checks_module(notebook)
        if module is None:
            return {}
        built = importlib.import_module(module).exercises(load_profile(profile))
        return {exercise.name: exercise for exercise in built}

    def answer_names(self, notebook: str) -> list[str]:
        return [exercise.answer_name for exercise in self.exercises(notebook).values()]

    def calls(self, notebook: str) -> bytes:
        """The pickled inputs of every function exercise and answer line, for :mod:`.function_runner`."""
        functions: dict[str, dict[str, list[tuple]]] = {}
        for name, exercise in self.exercises(notebook).items():
            if isinstance(exercise, FunctionExercise):
                for plan in self.profiles:
                    other = self.exercises(notebook, plan).get(name)
                    functions.setdefault(exercise.answer_name, {})[plan] = other.calls() if other else []
        lines = {exercise.answer_name: {SECOND: dict(self.exercises(notebook, SECOND)[exercise.name].reads)}
                 for exercise in self.line_exercises(notebook)}
        buffer = io.BytesIO()
        _CallsPickler(buffer).dump({"functions": functions, "lines": lines})
        return buffer.getvalue()

    def line_exercises(self, notebook: str) -> list[Exercise]:
        """The exercises whose answer cell is rerun on the second profile (none without one)."""
        return [exercise for exercise in self.exercises(notebook).values() if self._reruns(exercise)]

    def _reruns(self, exercise: Exercise) -> bool:
        return bool(exercise.reads) and SECOND in self.profiles and not isinstance(exercise, FunctionExercise)

    def needs_calls(self, notebook: str, answers: dict[str, Any]) -> bool:
        """True if an answer is a function to call, or a line right here to rerun on the second profile."""
        exercises = self.exercises(notebook).values()
        return (any(isinstance(exercise, FunctionExercise) and _written(answers.get(exercise.answer_name))
                    for exercise in exercises)
                or any(self._right_here(exercise, answers) for exercise in self.line_exercises(notebook)))

    @staticmethod
    def _right_here(exercise: Exercise, answers: dict[str, Any]) -> bool:
        value = answers.get(exercise.answer_name, _MISSING)
        return value is not _MISSING and not isinstance(value, Refused) and exercise.judge(value).correct

    def judge(self, notebook: str, cells: dict[str, str | None], answers: dict[str, Any],
              results: dict) -> dict[str, Verdict]:
        """``{grade_id: Verdict}`` for the test cells ``{grade_id: exercise name}`` of one submission."""
        return {grade_id: self._judge_cell(notebook, name, answers, results) for grade_id, name in cells.items()}

    def _judge_cell(self, notebook: str, name: str | None, answers: dict, results: dict) -> Verdict:
        exercise = self.exercises(notebook).get(name or "")
        if exercise is None:
            return Verdict(name or "", ERROR, "this test cell checks no exercise the grader knows, so it scores zero")
        try:
            return self._judge_answer(notebook, exercise, answers, results)
        except BaseException as error:  # a course bug, never the trainee's doing: say so, score zero
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            return Verdict(exercise.name, ERROR, f"the grader could not judge this answer ({type(error).__name__}: {error})")

    def _judge_answer(self, notebook: str, exercise: Exercise, answers: dict, results: dict) -> Verdict:
        if exercise.answer_name not in answers:
            return _verdict(exercise, exercise.judge_namespace({}))
        value = answers[exercise.answer_name]
        if isinstance(value, Refused):
            return Verdict(exercise.name, INCORRECT, _refused_message(exercise, value))
        if isinstance(value, FunctionAnswer) and isinstance(exercise, FunctionExercise):
            if not _written(value):  # still the starter: judged as one that raises NotImplementedError
                return _verdict(exercise, exercise.judge(Replay(exercise.calls(), [_EMPTY] * len(exercise.calls()))))
            return self._judge_function(notebook, exercise, results.get(exercise.answer_name, {}))
        first = _verdict(exercise, exercise.judge(value))
        if first.correct and self._reruns(exercise):
            return self._judge_line(notebook, first, results.get(exercise.answer_name, {}).get(SECOND))
        return first

    def _judge_line(self, notebook: str, first: Verdict, outcomes) -> Verdict:
        """Judge, with the second profile's exercise, what the answer cell set when rerun on that profile."""
        other = self.exercises(notebook, SECOND)[first.exercise]
        where = f"another profile's data ({self.profiles[SECOND]})"
        outcome = outcomes[0] if isinstance(outcomes, list) and outcomes else None
        if not isinstance(outcome, dict):
            return Verdict(first.exercise, INCORRECT, f"the grader could not rerun your answer cell on {where}, "
                           "so it cannot tell your working from a number typed in")
        if "error" in outcome:
            return Verdict(first.exercise, INCORRECT, _line_error_message(other, where, outcome))
        try:
            second = _verdict(other, other.judge(decode(outcome.get("returned"))))
        except Exception:
            second = Verdict(first.exercise, INCORRECT, "the grader cannot read the value your cell set there.")
        if second.correct:
            return first
        return Verdict(first.exercise, INCORRECT,
                       f"it is right on the classroom data but not on {where}: {second.message} "
                       f"Work it out in the answer cell from {_names(other)}, rather than typing in a value.")

    def _judge_function(self, notebook: str, exercise: FunctionExercise, results: dict) -> Verdict:
        first = _verdict(exercise, exercise.judge(Replay(exercise.calls(), results.get(CLASSROOM, []))))
        if not first.correct or SECOND not in self.profiles:
            return first
        other = self.exercises(notebook, SECOND)[exercise.name]
        second = _verdict(other, other.judge(Replay(other.calls(), results.get(SECOND, []))))
        if second.correct:
            return first
        return Verdict(exercise.name, INCORRECT,
                       f"it works on the classroom data but not on another profile's data "
                       f"({self.profiles[SECOND]}): {second.message}")


_EMPTY = {"error": "NotImplementedError", "message": "the function is still empty"}
_MISSING = object()


def _names(exercise: Exercise) -> str:
    """``wards`` or ``clean and voted_latest``: the names an answer line may read, for messages."""
    names = [f"`{name}`" for name in exercise.reads]
    return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]


def _line_error_message(exercise: Exercise, where: str, outcome: dict) -> str:
    error, message = str(outcome.get("error", "Error"))[:80], str(outcome.get("message", ""))[:300]
    if error == "NameError":
        return (f"rerun on {where}, your answer cell stopped: {message}. The grader reruns only this cell, with "
                f"{_names(exercise)} (and `pd`, `np` and your own functions) given, so work the answer out here from those, in this cell.")
    return f"rerun on {where}, your answer cell stopped with an error: {error}: {message}"


def _written(answer: Any) -> bool:
    """True for a function answer whose body is more than a docstring, ``pass`` or ``...`` (read, not run)."""
    if not isinstance(answer, FunctionAnswer):
        return False
    tree = ast.parse(answer.source)
    functions = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if len(functions) != 1 or len(tree.body) != 1:
        return True
    return not all(isinstance(node, ast.Pass) or isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                   for node in functions[0].body)


def _verdict(exercise: Exercise, result) -> Verdict:
    status = {Outcome.CORRECT: CORRECT, Outcome.INCORRECT: INCORRECT,
              Outcome.NOT_ATTEMPTED: NOT_ATTEMPTED}[result.outcome]
    return Verdict(exercise.name, status, result.message)


def _refused_message(exercise: Exercise, value: Refused) -> str:
    return (f"`{exercise.answer_name}` is a {value.type_name}, which the grader does not take as an answer: "
            "give a plain value (a number, a text, a list, a table) or a function made with `def`.")


# --------------------------------------------------------------------------
# Replaying a function's calls


class UnlistedCall(BaseException):
    """The judgement called a function with inputs its exercise's ``calls()`` does not list (a course bug)."""


class DidNotFinish(Exception):
    """The box stopped before this call was made (the function ran too long, or the box was stopped)."""


class Replay:
    """Stands in for a trainee's function in the grader: gives back what it returned in the box.

    ``calls`` are the exercise's argument tuples, ``outcomes`` what each call
    came to in the box (``{"returned": data}`` or ``{"error": name, "message": ...}``),
    in the same order. Nothing the trainee wrote runs here.
    """

    def __init__(self, calls: list[tuple], outcomes: list):
        self._calls, self._outcomes = list(calls), list(outcomes) if isinstance(outcomes, list) else []
        self._used: set[int] = set()
        self.__name__ = self.__qualname__ = "replayed_function"

    def __call__(self, *args):
        index = self._index(args)
        if index >= len(self._outcomes):
            raise DidNotFinish("the grader's run of your function stopped before this call "
                               "(it ran too long, or stopped the Python running it)")
        outcome = self._outcomes[index]
        if not isinstance(outcome, dict):
            raise DidNotFinish("the grader could not read what your function returned")
        _restore_files(args, outcome.get("files"))
        if "error" in outcome:
            raise _error_class(str(outcome.get("error")))(str(outcome.get("message", ""))[:300])
        try:
            return decode(outcome.get("returned"))
        except Exception:
            raise DidNotFinish("your function returned something the grader cannot read as data") from None

    def _index(self, args: tuple) -> int:
        matching = [i for i, listed in enumerate(self._calls) if _same_args(args, listed)]
        if not matching:
            raise UnlistedCall("the exercise called the function with inputs its calls() does not list")
        unused = [i for i in matching if i not in self._used]
        index = unused[0] if unused else matching[-1]
        self._used.add(index)
        return index


def _restore_files(args: tuple, files) -> None:
    """Put back the files the function wrote in the box, at the grader's own path arguments only."""
    for path in (arg for arg in args if isinstance(arg, Path)):
        path.unlink(missing_ok=True)
        written = files.get(str(path)) if isinstance(files, dict) else None
        if isinstance(written, str):
            path.write_bytes(base64.b64decode(written, validate=True)[:FILE_BYTES])


def _same_args(args: tuple, listed: tuple) -> bool:
    return len(args) == len(listed) and all(a is b or _same_plain(a, b) for a, b in zip(args, listed))


def _same_plain(a: Any, b: Any) -> bool:
    plain = (str, int, float, bool, type(None))
    return type(a) is type(b) and type(a) in plain and a == b


_ERROR_CLASSES: dict[str, type] = {"NotImplementedError": NotImplementedError}


def _error_class(name: str) -> type:
    """An exception class named as the trainee's error was, so messages read the same as in the notebook."""
    if not name.isidentifier():
        name = "Error"
    if name not in _ERROR_CLASSES:
        _ERROR_CLASSES[name] = type(name, (Exception,), {})
    return _ERROR_CLASSES[name]
