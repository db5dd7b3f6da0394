"""Load: read what a grading run left behind into a :class:`Cohort`.

* the nbgrader **gradebook**: the points of every graded cell, the trainer's
  reflection grades included;
* the **outcomes** of each autograded notebook (``<notebook>.outcomes.json``
  beside it, written by ``campaign-lab grade``, see :mod:`..outcomes`): what
  each check found and said; for a notebook graded another way, the same
  records are read from the check outputs of its autograded notebook;
* ``grades.csv`` from ``campaign-lab grade`` (notebooks that timed out,
  crashed or were tampered with), if there is one.

Exercise names and tracks (core or deep-dive) come from the ``campaign_lab``
metadata of the source notebooks' test cells.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from campaign_lab.errors import BadInput
from campaign_lab.grading import outcomes

CORE, DEEP_DIVE = "core", "deep-dive"
TRACKS = (CORE, DEEP_DIVE)
HELP_THRESHOLD = 0.5  # below half of the core points: the trainer should follow up

# What happened to one answer, worst news last within each group.
CORRECT, PART_MARKS, WRONG = "correct", "part marks", "wrong"
NOT_ATTEMPTED, DID_NOT_RUN, AWAITING = "not attempted", "did not run", "awaiting grading"
OUTCOMES = (CORRECT, PART_MARKS, WRONG, NOT_ATTEMPTED, DID_NOT_RUN, AWAITING)

UNKNOWN = object()  # no autograded notebooks at all: outcomes from points only
# What each outcome a check or an error recorded (outcomes.STATUSES) means in the report.
_FROM_RECORD = {outcomes.NOT_ATTEMPTED: NOT_ATTEMPTED, outcomes.DID_NOT_RUN: DID_NOT_RUN,
                outcomes.INCORRECT: WRONG, outcomes.ERROR: WRONG}


# --------------------------------------------------------------------------
# What the report is made of


@dataclass(frozen=True)
class ExerciseInfo:
    """One graded exercise of a module, as the source notebook describes it."""

    module: str
    name: str
    title: str
    track: str
    by_trainer: bool

    @property
    def label(self) -> str:
        """``"00 q1: how many wards?"``: module number, exercise, and its heading."""
        number = self.module.split("-")[0]
        if not self.title or self.title.lower() == self.name.lower():
            return f"{number} {self.name}"
        return f"{number} {self.name}: {self.title}"


@dataclass
class Answer:
    """One trainee's answer to one exercise: points and what the checks said."""

    student: str
    exercise: ExerciseInfo
    score: float
    max_score: float
    outcome: str
    messages: list[str] = field(default_factory=list)
    #: The notebook's own check said "Correct" but the grader's judgement did not: a likely sign of tampering.
    checks_disagree: bool = False


@dataclass
class Cohort:
    """Everything the report shows, read once from the grading files."""

    answers: list[Answer]
    students: list[str]
    modules: list[str]
    submitted: set[tuple[str, str]]  # (student, module)
    problems: dict[tuple[str, str], str]  # (student, module) -> status from grades.csv
    notes: list[str] = field(default_factory=list)



# --------------------------------------------------------------------------
# Reading the grading files


def load_cohort(
    gradebook: Path,
    *,
    autograded: Path | None = None,
    source: Path | None = None,
    grades_csv: Path | None = None,
    course_id: str = "campaign-ai-lab",
) -> Cohort:
    """Read the gradebook, the autograded notebooks and ``grades.csv`` into a :class:`Cohort`.

    Parameters
    ----------
    gradebook
        nbgrader's ``gradebook.db``.
    autograded
        nbgrader's ``autograded`` folder (``<trainee>/<module>/<notebook>.ipynb``).
    source
        The course's source notebooks (``<module>/<module>.ipynb``), for exercise names and tracks.
    grades_csv
        ``grades.csv`` from ``campaign-lab grade``, for notebooks that did not run to the end.
    course_id
        The nbgrader course id the gradebook was written with.

    Raises
    ------
    BadInput
        If the gradebook is missing or unreadable, or nothing has been graded yet.
    """
    rows, roster = _read_gradebook(gradebook, course_id)
    if not rows:
        raise BadInput(f"Nothing has been graded yet in {gradebook}; grade the submissions first "
                       "with `campaign-lab grade SUBMITTED`.")
    notes: list[str] = []
    have_notebooks = autograded is not None and autograded.is_dir()
    if not have_notebooks:
        notes.append(f"No autograded notebooks were found in {autograded}, so the report cannot show "
                     "what the wrong answers were.")
    described: dict[tuple[str, str], dict] = {}
    answers = []
    for row in rows:
        key = (row["module"], row["notebook"])
        if key not in described:
            described[key] = _describe_notebook(source, autograded, row)
        recorded = _recorded_outcomes(autograded, row) if have_notebooks else UNKNOWN
        answers.extend(_answers(row, described[key], recorded))
    return Cohort(
        answers=_merge_cells_of_one_exercise(answers),
        students=sorted({row["student"] for row in rows} | set(roster)),
        modules=sorted({row["module"] for row in rows}),
        submitted={(row["student"], row["module"]) for row in rows},
        problems=_grading_problems(grades_csv),
        notes=notes,
    )


def _read_only_url(gradebook: Path) -> str:
    return f"sqlite:///file:{gradebook.resolve()}?mode=ro&uri=true"


def _open_gradebook(gradebook: Path, course_id: str):
    from nbgrader.api import Gradebook

    if not gradebook.is_file():
        raise BadInput(f"There is no gradebook at {gradebook}; grade some submissions first with "
                       "`campaign-lab grade SUBMITTED`, or give the right file with --gradebook.")
    try:
        return Gradebook(_read_only_url(gradebook), course_id)
    except Exception as error:  # not SQLite, not nbgrader's tables, another course
        raise BadInput(f"{gradebook} could not be read as this course's nbgrader gradebook "
                       f"({type(error).__name__}); give the gradebook.db that grading wrote.") from None


def _read_gradebook(gradebook: Path, course_id: str) -> tuple[list[dict], list[str]]:
    """One dict per submitted notebook with the scores of each graded cell, and the roster."""
    import warnings

    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy chatter from nbgrader's models
        with _open_gradebook(gradebook, course_id) as book:
            for assignment in book.assignments:
                for submission in assignment.submissions:
                    for notebook in submission.notebooks:
                        rows.append({
                            "student": submission.student.id, "module": assignment.name,
                            "notebook": notebook.name, "cells": [_cell_grade(g) for g in notebook.grades],
                        })
            roster = [student.id for student in book.students]
    return rows, roster


def _cell_grade(grade) -> dict:
    return {
        "grade_id": grade.name, "cell_type": grade.cell.cell_type, "max_score": float(grade.max_score or 0),
        "auto_score": grade.auto_score, "manual_score": grade.manual_score,
        "needs_manual_grade": bool(grade.needs_manual_grade),
    }


def _read_notebook(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _describe_notebook(source: Path | None, autograded: Path | None, row: dict) -> dict:
    """``{grade_id: ExerciseInfo}`` from the source notebook (or, failing that, a submission)."""
    candidates = []
    if source is not None:
        candidates.append(source / row["module"] / f"{row['notebook']}.ipynb")
    if autograded is not None:
        candidates.append(autograded / row["student"] / row["module"] / f"{row['notebook']}.ipynb")
    for path in candidates:
        notebook = _read_notebook(path)
        if notebook is not None:
            return _exercise_infos(row["module"], notebook.get("cells", []))
    return {}


def _exercise_infos(module: str, cells: list[dict]) -> dict[str, ExerciseInfo]:
    infos, heading = {}, ""
    for cell in cells:
        meta = cell.get("metadata", {})
        grading = meta.get("nbgrader", {})
        if cell.get("cell_type") == "markdown" and not grading.get("grade"):
            heading = _heading(_text(cell.get("source"))) or heading
        if not grading.get("grade"):
            continue
        ours = meta.get("campaign_lab", {})
        infos[grading.get("grade_id", "")] = ExerciseInfo(
            module=module,
            name=str(ours.get("exercise") or grading.get("grade_id", "")),
            title=heading,
            track=ours.get("track") if ours.get("track") in TRACKS else CORE,
            by_trainer=bool(grading.get("solution")) or cell.get("cell_type") == "markdown",
        )
    return infos


def _heading(text: str) -> str:
    """What the first Markdown heading of a cell asks, without marks or "Exercise 1 (core, 1 point):".

    Examples
    --------
    >>> _heading("## Exercise 1 (core, 1 point): how many wards?")
    'how many wards?'
    >>> _heading("## Reflection (core, 2 points, graded by your trainer)")
    'Reflection'
    """
    for line in text.splitlines():
        if line.startswith("#"):
            words = re.sub(r"\s*\([^)]*\)", "", line.lstrip("#")).strip()
            return words.split(":", 1)[1].strip() if ":" in words else words
    return ""


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source or "")


def _recorded_outcomes(autograded: Path, row: dict) -> dict[str, dict] | None:
    """``{grade_id: outcome}`` of one autograded notebook (see :mod:`..outcomes`); None if it is absent.

    From ``<notebook>.outcomes.json``; failing that, from the check records in the notebook's outputs.
    """
    notebook = autograded / row["student"] / row["module"] / f"{row['notebook']}.ipynb"
    recorded = outcomes.read_outcomes(outcomes.path_for(notebook))
    if recorded is not None:
        return recorded
    executed = _read_notebook(notebook)
    return None if executed is None else outcomes.exercise_outcomes(executed)


def _answers(row: dict, infos: dict[str, ExerciseInfo], recorded) -> list[Answer]:
    """Outcomes of one submitted notebook; ``recorded`` is None if its notebook is missing, or UNKNOWN."""
    answers = []
    for cell in row["cells"]:
        info = infos.get(cell["grade_id"]) or ExerciseInfo(
            row["module"], cell["grade_id"], "", CORE, cell["cell_type"] == "markdown")
        if info.by_trainer:
            outcome, score, messages = _trainer_outcome(cell)
        else:
            record = recorded if recorded is None or recorded is UNKNOWN else recorded.get(cell["grade_id"], {})
            outcome, score, messages = _check_outcome(cell, record)
        disagree = (not info.by_trainer and isinstance(record, dict) and record.get("kernel_status") == "correct"
                    and record.get("status") != "correct")
        answers.append(Answer(row["student"], info, score, cell["max_score"], outcome, messages, disagree))
    return answers


def _trainer_outcome(cell: dict) -> tuple[str, float, list[str]]:
    """Outcome of a reflection: the trainer's grade, or still waiting for one."""
    if cell["manual_score"] is not None:
        return _by_points(float(cell["manual_score"]), cell["max_score"]), float(cell["manual_score"]), []
    if cell["needs_manual_grade"] or cell["auto_score"] is None:
        return AWAITING, 0.0, []
    return NOT_ATTEMPTED, float(cell["auto_score"]), []  # nbgrader scores an untouched answer zero


def _check_outcome(cell: dict, record) -> tuple[str, float, list[str]]:
    """Outcome of an autograded test cell, from nbgrader's points and the outcome recorded for it.

    The points decide whether it was right; the record only says what went wrong, and never
    makes a wrong answer right (it comes from the trainee's kernel).
    """
    score = float(cell["manual_score"] if cell["manual_score"] is not None else cell["auto_score"] or 0)
    if record is UNKNOWN:
        return _by_points(score, cell["max_score"]), score, []
    if record is None:  # no autograded notebook: it never ran
        return (_by_points(score, cell["max_score"]) if score else DID_NOT_RUN), score, []
    outcome = _FROM_RECORD.get(record.get("status"))
    if outcome is None or score >= cell["max_score"]:
        return _by_points(score, cell["max_score"]), score, []
    message = str(record.get("message", ""))
    return outcome, score, [message] if message else []


def _by_points(score: float, max_score: float) -> str:
    if max_score and score >= max_score:
        return CORRECT
    return PART_MARKS if score > 0 else WRONG


def _merge_cells_of_one_exercise(answers: list[Answer]) -> list[Answer]:
    """One answer per trainee and exercise, when an exercise has several graded cells."""
    merged: dict[tuple, Answer] = {}
    for answer in answers:
        key = (answer.student, answer.exercise.module, answer.exercise.name)
        if key not in merged:
            merged[key] = answer
            continue
        first = merged[key]
        outcomes = {first.outcome, answer.outcome}
        first.score += answer.score
        first.max_score += answer.max_score
        first.messages += answer.messages
        if len(outcomes) > 1:
            first.outcome = AWAITING if AWAITING in outcomes else _by_points(first.score, first.max_score)
    return list(merged.values())


def _grading_problems(grades_csv: Path | None) -> dict[tuple[str, str], str]:
    """``(student, module) -> status`` for notebooks ``campaign-lab grade`` could not grade normally."""
    if grades_csv is None or not grades_csv.is_file():
        return {}
    problems = {}
    with grades_csv.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            status = row.get("status", "")
            if status and status != "graded":
                problems[(row.get("student", ""), row.get("assignment", ""))] = status.replace("_", " ")
    return problems

