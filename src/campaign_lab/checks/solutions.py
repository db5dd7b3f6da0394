"""The solution ``q1.solution()`` shows, read from the exercise's notebook.

Each exercise has one source of truth: the solution region of its answer cell
in the source notebook (``### BEGIN SOLUTION`` ... ``### END SOLUTION``), the
cell whose nbgrader ``grade_id`` is ``<exercise>-answer`` (``q1-answer``). The
check modules hold no copy of it, and the tests read the same cells.

A released notebook has no solution region, and on a hub trainees may not
read the course's source notebooks. So when nbgrader generates a release
(:class:`campaign_lab.checks.release.RecordSolutions`), it writes the same
text, extracted by :func:`notebook_solutions`, into a small JSON file beside
the released notebook (:func:`released_file_name`). Nothing is typed twice:
the file is made from the very notebook being released, each time it is
released, so it cannot drift from the solution cells. A notebook's kernel
runs in the notebook's folder: ``solution()`` reads the file found there
and falls back to the source notebook (a trainer's or developer's copy).
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path
from typing import Callable

from campaign_lab import paths

__all__ = [
    "FORMAT", "SolutionMissing", "answer_id", "shown_solution", "notebook_solutions", "read_notebook",
    "released_file_name", "released_file_text", "module_solutions", "exercise_solution", "from_notebook",
]

FORMAT = 1
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_STARTER = re.compile(r"^\s*\w+\s*=\s*____\s*$")  # `n_wards = ____`, the blank a learner fills in
_CHECK_MODULE = re.compile(r"\.m(\d\d)$")


class SolutionMissing(LookupError):
    """No solution could be found for an exercise (shown to the learner as one line)."""


# -- reading a notebook ------------------------------------------------------------------------
def answer_id(exercise: str) -> str:
    """The nbgrader ``grade_id`` of an exercise's answer cell: ``q1`` -> ``q1-answer``."""
    return f"{exercise}-answer"


def shown_solution(cell_source: str) -> str:
    """The solution as a learner would type it: the answer cell without the markers and the ``____`` starter.

    Lines after the last ``### END SOLUTION`` (a call that shows the result) are left out.

    Examples
    --------
    >>> print(shown_solution("n_wards = ____\\n### BEGIN SOLUTION\\nn_wards = len(wards)\\n### END SOLUTION\\nn_wards"))
    n_wards = len(wards)
    """
    lines = cell_source.splitlines()
    ends = [i for i, line in enumerate(lines) if line.strip() == END]
    kept = []
    for line in lines[: ends[-1] if ends else len(lines)]:
        if line.strip() in (BEGIN, END) or _STARTER.match(line):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip("\n")


def _cells(notebook: dict) -> list:
    return notebook.get("cells", [])


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def notebook_solutions(notebook: dict) -> dict[str, str]:
    """``{exercise: shown solution}`` for every autograded answer cell of a notebook (a JSON dict)."""
    found = {}
    for cell in _cells(notebook):
        grading = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = grading.get("grade_id", "")
        if cell.get("cell_type") == "code" and grading.get("solution") and grade_id.endswith("-answer"):
            found[grade_id[: -len("-answer")]] = shown_solution(_source(cell))
    return found


def read_notebook(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


# -- the file beside a released notebook ------------------------------------------------------
def released_file_name(notebook_name: str) -> str:
    """``04-targeting-and-outreach`` -> ``.04-targeting-and-outreach.solutions.json`` (hidden in Jupyter's file list)."""
    return f".{notebook_name}.solutions.json"


def released_file_text(notebook: dict, notebook_name: str) -> str:
    """The JSON written beside a released notebook."""
    record = {"format": FORMAT, "notebook": notebook_name, "solutions": notebook_solutions(notebook)}
    return json.dumps(record, indent=1, ensure_ascii=False) + "\n"


def _read_released(path: Path) -> dict[str, str]:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        solutions = record["solutions"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise SolutionMissing(f"{path.name} cannot be read ({type(error).__name__})") from error
    if record.get("format") != FORMAT or not isinstance(solutions, dict):
        raise SolutionMissing(f"{path.name} is not a solutions file this version can read")
    return {str(name): str(text) for name, text in solutions.items()}


# -- finding the solutions of a module --------------------------------------------------------
def module_solutions(number: str, folder: Path | None = None) -> dict[str, str]:
    """The solutions of module ``number`` (``"04"``): from the released file in ``folder``, else the source notebook.

    ``folder`` is the notebook's own folder, the working directory of its kernel by default.

    Raises
    ------
    SolutionMissing
        If neither is there or readable.
    """
    for released in sorted(_notebook_folder(folder).glob(released_file_name(f"{number}-*"))):
        return _read_released(released)
    for source in sorted(paths.notebooks_dir().glob(f"{number}-*/{number}-*.ipynb")):
        if source.stem == source.parent.name:
            try:
                return notebook_solutions(read_notebook(source))
            except (OSError, ValueError) as error:
                raise SolutionMissing(f"{source.name} cannot be read ({type(error).__name__})") from error
    raise SolutionMissing("this notebook's solutions file is not in its folder; ask your trainer for a fresh copy")


def _notebook_folder(folder: Path | None) -> Path:
    if folder is not None:
        return Path(folder)
    try:
        return Path(os.getcwd())
    except OSError:  # the kernel's folder was deleted or moved: only the source is left
        return Path(os.devnull)


def exercise_solution(number: str, exercise: str, folder: Path | None = None) -> str:
    """The shown solution of one exercise (raises :class:`SolutionMissing`)."""
    if not number:
        raise SolutionMissing(f"{exercise} is not tied to a notebook")
    solutions = module_solutions(number, folder)
    if exercise not in solutions:
        raise SolutionMissing(f"the notebook has no answer cell for {exercise}")
    return solutions[exercise]


def from_notebook(make_exercises: Callable) -> Callable:
    """Tie the exercises a check module makes to its notebook's solution cells.

    Decorates ``exercises(campaign)`` in ``campaign_lab.checks.mNN``: each exercise
    it returns gets ``notebook = "NN"``, which ``solution()`` reads from.
    """
    match = _CHECK_MODULE.search(make_exercises.__module__)
    if not match:
        raise ValueError(f"{make_exercises.__module__} is not a check module named mNN")

    @functools.wraps(make_exercises)
    def exercises(*args, **kwargs):
        made = make_exercises(*args, **kwargs)
        for exercise in made:
            exercise.notebook = match.group(1)
        return made
    return exercises
