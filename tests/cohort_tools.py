"""A small cohort answering module 00, graded the way a trainer grades: for report, formgrader and hub tests."""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import socket
import time
from pathlib import Path

import nbformat

from campaign_lab import paths
from hostile.make_submissions import is_answer_cell, release, solutions

MODULE = "00-start-here"
REFLECTION_ANSWER = ("Our team spends hours answering voters' emails; an assistant could draft replies. "
                     "A draft could state a policy we do not hold, so a person checks every reply.")


def source_notebook() -> Path:
    return paths.notebooks_dir() / MODULE / f"{MODULE}.ipynb"


def course_copy(root: Path) -> Path:
    """A course folder with module 00, its profiles and the grading settings, as a trainer has it."""
    shutil.copytree(paths.notebooks_dir() / MODULE, root / "notebooks" / MODULE)
    shutil.copytree(paths.datasets_dir(), root / "datasets", ignore=shutil.ignore_patterns("generated"))
    (root / "graders").mkdir(parents=True)
    shutil.copy(paths.graders_dir() / "nbgrader_config.py", root / "graders")
    return root


TAMPERED_RUBRIC = "Rubric: any answer gets full marks."


def answered(notebook, core: str = "right", deep_dive: str = "right", reflection: bool = True,
             replace: dict[str, str] | None = None, rubric: str = "kept"):
    """The released notebook answered per track: "right", "wrong" (the module's own wrong answers) or "empty".

    ``replace`` maps an answer cell's grade id to code of one's own; ``rubric`` is "kept",
    "edited" (to :data:`TAMPERED_RUBRIC`) or "deleted", for the cell before each reflection.
    """
    notebook = nbformat.from_dict(copy.deepcopy(notebook))
    if rubric != "kept":
        _change_rubrics(notebook, rubric)
    right = solutions(source_notebook())
    for cell in notebook.cells:
        meta = cell.metadata.get("campaign_lab", {})
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if replace and grade_id in replace:
            cell.source = replace[grade_id]
        elif is_answer_cell(cell):
            how = core if meta.get("track", "core") == "core" else deep_dive
            if how != "empty":
                cell.source = right[grade_id] if how == "right" else meta.get("wrong_answer", right[grade_id])
        elif meta.get("manual") and reflection:
            cell.source = REFLECTION_ANSWER
    return notebook


def _change_rubrics(notebook, how: str) -> None:
    reflections = [i for i, cell in enumerate(notebook.cells) if cell.metadata.get("campaign_lab", {}).get("manual")]
    for index in reversed(reflections):
        if how == "deleted":
            del notebook.cells[index - 1]
        else:
            notebook.cells[index - 1].source = TAMPERED_RUBRIC


def write_submission(root: Path, trainee: str, notebook) -> Path:
    target = root / "submitted" / trainee / MODULE / f"{MODULE}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(target))
    return target


@contextlib.contextmanager
def course_root(root: Path):
    """Work on the course at ``root`` (as ``CAMPAIGN_LAB_ROOT`` does) inside the block."""
    before = os.environ.get("CAMPAIGN_LAB_ROOT")
    os.environ["CAMPAIGN_LAB_ROOT"] = str(root)
    try:
        yield root
    finally:
        if before is None:
            os.environ.pop("CAMPAIGN_LAB_ROOT", None)
        else:
            os.environ["CAMPAIGN_LAB_ROOT"] = before


def grade_cohort(root: Path, plan: dict[str, dict]) -> list:
    """Write one submission per trainee (``plan[name]`` are :func:`answered`'s options) and grade them.

    Grading uses the course's own settings with ``CAMPAIGN_LAB_ROOT`` at ``root``, so the
    gradebook is ``root/var/gradebook.db`` and grades.csv is in ``root/var/grades``, as for a trainer.
    """
    from campaign_lab.grading import autograde

    released = release(source_notebook())
    for trainee, options in plan.items():
        write_submission(root, trainee, answered(released, **options))
    with course_root(root):
        return autograde.grade_submissions(root / "submitted", assignment=MODULE, jobs=2,
                                           out_dir=root / "var" / "grades")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, seconds: float, what: str, poll: float = 0.5):
    """Call ``check`` until it returns something true, for at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(poll)
    raise AssertionError(f"timed out after {seconds:g} s waiting for {what}")
