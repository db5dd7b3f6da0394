"""Outcomes as data: what each autograded exercise of one notebook came to, as JSON.

In the kernel, every ``q1.check()`` adds a display output of type
:data:`~campaign_lab.checks.core.OUTCOME_MIME` beside the message the trainee
sees (:func:`campaign_lab.checks.core.outcome_record`). The executed notebook
carries those records out of the sandbox. After nbgrader has scored it,
:func:`write_outcomes` reads them from the test cells (by grade id), adds
nbgrader's points and writes ``<notebook>.outcomes.json`` next to the
autograded notebook. The cohort report reads that file; it never parses
printed text. docs/grading.md documents the schema.

The records come from the trainee's own kernel, so a determined trainee could
forge one. For a course notebook the grader judges every answer outside the
kernel (:mod:`.judge`): that verdict is the ``status`` written here and the
score nbgrader records, and the kernel's record is kept as ``kernel_status``,
so the report can list notebooks whose own checks passed where the grade did not.

Examples
--------
>>> cell = {"cell_type": "code", "metadata": {"nbgrader": {"grade": True, "grade_id": "t1"}},
...         "outputs": [{"output_type": "error", "ename": "NotRun", "evalue": "", "traceback": []}]}
>>> exercise_outcomes({"cells": [cell]})["t1"]["status"]
'did_not_run'
"""

from __future__ import annotations

import json
from pathlib import Path

from campaign_lab.checks.core import OUTCOME_MIME, OUTCOME_VERSION

SCHEMA = "campaign-lab/outcomes"
VERSION = 2
READABLE_VERSIONS = (1, 2)  # version 1 files have no kernel_status
SUFFIX = ".outcomes.json"

# What a test cell can come to. The first three are a check's own words.
CORRECT, INCORRECT, NOT_ATTEMPTED = "correct", "incorrect", "not_attempted"
DID_NOT_RUN, ERROR, PASSED = "did_not_run", "error", "passed"
STATUSES = (CORRECT, INCORRECT, NOT_ATTEMPTED, DID_NOT_RUN, ERROR, PASSED)
_CHECK_STATUSES = {CORRECT, INCORRECT, NOT_ATTEMPTED}

_DID_NOT_RUN_ERRORS = {"NotRun", "CellTimeoutError", "DeadKernelError"}
_NOT_ATTEMPTED_ERRORS = {"NotImplementedError"}
MAX_MESSAGE = 600  # characters of a message kept: a record comes from the trainee's kernel


def path_for(notebook: Path) -> Path:
    """Where the outcomes of ``notebook`` are written: beside it, ``<name>.outcomes.json``."""
    return notebook.with_name(notebook.stem + SUFFIX)


def exercise_outcomes(notebook: dict) -> dict[str, dict]:
    """``{grade_id: outcome}`` for every autograded test cell of an executed notebook (as JSON)."""
    return {grade_id: cell_outcome(outputs) for grade_id, outputs in _test_outputs(notebook)}


def _test_outputs(notebook: dict):
    for cell in notebook.get("cells", []):
        grading = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and grading.get("grade") and not grading.get("solution"):
            yield str(grading.get("grade_id", "")), cell.get("outputs", [])


def kernel_status(outputs: list[dict]) -> str:
    """What the notebook's own check said in a cell (``correct``...), or ``""`` if it said nothing."""
    records = [record for record in map(_check_record, outputs) if record is not None]
    wrong = [record for record in records if record["status"] != CORRECT]
    return (wrong or records[-1:] or [{"status": ""}])[0]["status"]


def cell_outcome(outputs: list[dict]) -> dict:
    """One test cell's outcome: a check's record if it says what went wrong, else what its error says."""
    records = [record for record in map(_check_record, outputs) if record is not None]
    errors = [output for output in outputs if output.get("output_type") == "error"]
    wrong = [record for record in records if record["status"] != CORRECT]
    if wrong:
        return wrong[0]
    if errors:
        return _error_outcome(errors[0])
    if records:
        return records[-1]
    return {"exercise": "", "status": PASSED, "message": "", "hints_shown": 0}


def _check_record(output: dict) -> dict | None:
    """The record of a check's display output, or None if it is not one or is malformed."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return None
    record = output.get("data", {}).get(OUTCOME_MIME)
    if not isinstance(record, dict) or record.get("version") != OUTCOME_VERSION:
        return None
    status, hints = record.get("status"), record.get("hints_shown", 0)
    if status not in _CHECK_STATUSES or not isinstance(hints, int) or isinstance(hints, bool):
        return None
    return {"exercise": str(record.get("exercise", ""))[:100], "status": status,
            "message": _one_line(record.get("message", "")), "hints_shown": max(0, min(hints, 1000))}


def _error_outcome(error: dict) -> dict:
    name = str(error.get("ename", "")) or "Error"
    value = str(error.get("evalue", "")).strip()
    if name in _DID_NOT_RUN_ERRORS:
        status = DID_NOT_RUN
    elif name in _NOT_ATTEMPTED_ERRORS:
        status = NOT_ATTEMPTED
    else:
        status = ERROR
    message = _one_line(f"{name}: {value}" if value else name)
    return {"exercise": "", "status": status, "message": message, "hints_shown": 0}


def _one_line(text) -> str:
    return " ".join(str(text).split())[:MAX_MESSAGE]


def write_outcomes(autograded: Path, *, student: str, assignment: str, status: str,
                   points: dict[str, tuple[float, float]], verdicts: dict | None = None) -> Path | None:
    """Write the outcomes of one autograded notebook beside it; return the file (None if unreadable).

    ``points`` is nbgrader's ``{grade_id: (score, max_score)}``; ``status`` the notebook's grading
    status; ``verdicts`` the grader's own :class:`~.judge.Verdict` per grade id, when it judged them.
    """
    try:
        notebook = json.loads(autograded.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    exercises = []
    for grade_id, outputs in _test_outputs(notebook):
        score, max_score = points.get(grade_id, (0.0, 0.0))
        outcome = {**cell_outcome(outputs), "kernel_status": kernel_status(outputs)}
        verdict = (verdicts or {}).get(grade_id)
        if verdict is not None and outcome["status"] != DID_NOT_RUN:
            outcome.update(exercise=verdict.exercise, status=verdict.status, message=_one_line(verdict.message))
        exercises.append({"grade_id": grade_id, **outcome, "points": score, "max_points": max_score})
    record = {"schema": SCHEMA, "version": VERSION, "student": student, "assignment": assignment,
              "notebook": autograded.stem, "notebook_status": status, "exercises": exercises}
    target = path_for(autograded)
    target.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return target


def read_outcomes(path: Path) -> dict[str, dict] | None:
    """``{grade_id: outcome}`` from an outcomes file; None if it is missing or not this schema's version."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("schema") != SCHEMA or record.get("version") not in READABLE_VERSIONS:
        return None
    return {str(item.get("grade_id", "")): item for item in record.get("exercises", [])
            if isinstance(item, dict) and item.get("status") in STATUSES}
