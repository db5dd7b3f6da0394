"""A tiny nbgrader course for grading tests: two questions, solutions and hidden tests."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ASSIGNMENT = "ps1"
HIDDEN_MARKER = "HIDDEN-TEST-7f3a"
SOLUTION_MARKER = "SOLUTION-9c1e"
POINTS = 3  # 1 for the first question, 2 for the second


def _cell(source: str, grade_id: str, *, solution=False, grade=False, points=0):
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution,
            "schema_version": 3, "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return new_code_cell(source, metadata={"nbgrader": meta})


def source_notebook():
    """Set ``answer`` to 42 (1 point), write ``double`` (2 points); each test has a hidden part."""
    return new_notebook(
        cells=[
            new_markdown_cell("Set `answer` to 42, then write `double`."),
            _cell(f"### BEGIN SOLUTION\nanswer = 42  # {SOLUTION_MARKER}\n### END SOLUTION",
                  "answer", solution=True),
            _cell("assert answer == 42, 'answer should be 42'\n### BEGIN HIDDEN TESTS\n"
                  f"assert isinstance(answer, int), 'answer is a whole number'  # {HIDDEN_MARKER}\n"
                  "### END HIDDEN TESTS",
                  "test_answer", grade=True, points=1),
            _cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
                  "double", solution=True),
            _cell("assert double(2) == 4, 'double(2) should be 4'\n### BEGIN HIDDEN TESTS\n"
                  f"assert double(-3) == -6, 'try a negative number'  # {HIDDEN_MARKER}\n"
                  "### END HIDDEN TESTS",
                  "test_double", grade=True, points=2),
        ],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                  "language_info": {"name": "python"}},
    )


def write_source(folder: Path) -> Path:
    """Write the source notebook to ``folder/<ASSIGNMENT>/<ASSIGNMENT>.ipynb`` and return its path."""
    path = folder / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(source_notebook(), str(path))
    return path
