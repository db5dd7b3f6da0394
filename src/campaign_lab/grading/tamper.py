"""Did a trainee change the tests? Compare a submission with the gradebook's source cells.

nbgrader quietly puts the original test cells back before grading (its
``OverwriteCells`` step) and only logs a warning. A trainer wants to know, so
this module lists every change to a locked or test cell, and every test cell
that is missing, in plain words.
"""

from __future__ import annotations

from pathlib import Path

import nbformat


def visible_source(source: str) -> str:
    """A test cell's source as the trainee received it: hidden tests removed."""
    from nbgrader.preprocessors import ClearHiddenTests

    cell = nbformat.v4.new_code_cell(source)
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return _normalise(cell.source)


def _normalise(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _nbgrader(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def grade_id(cell) -> str | None:
    """A cell's nbgrader ``grade_id``, or None (none, or not a text)."""
    found = _nbgrader(cell).get("grade_id")
    return found if isinstance(found, str) else None


def protected_cells(gradebook, notebook_id: str, assignment: str) -> dict[str, dict]:
    """The cells a trainee must not change, by ``grade_id``, as released.

    Returns ``{grade_id: {"source": ..., "points": float | None, "test": bool}}``
    for every locked cell and every autograded test cell.
    """
    notebook = gradebook.find_notebook(notebook_id, assignment)
    points = {cell.name: cell.max_score for cell in notebook.grade_cells}
    solutions = {cell.name for cell in notebook.solution_cells}
    protected = {}
    for cell in notebook.source_cells:
        is_test = cell.name in points and cell.name not in solutions
        if cell.locked or is_test:
            protected[cell.name] = {
                "source": visible_source(cell.source),
                "points": points.get(cell.name),
                "test": is_test,
            }
    return protected


def find_tampering(submitted: Path, protected: dict[str, dict]) -> list[str]:
    """Describe each change to a protected cell in ``submitted``; empty when untouched.

    Examples
    --------
    >>> find_tampering(Path("ada.ipynb"), {"q1-check": {"source": "q1.check()",
    ...     "points": 1.0, "test": True}})  # doctest: +SKIP
    ['test cell q1-check was deleted']
    """
    notebook = nbformat.read(str(submitted), as_version=4)
    seen: dict[str, int] = {}
    problems = []
    for cell in notebook.cells:
        grade_id = _nbgrader(cell).get("grade_id")
        if grade_id in protected:
            seen[grade_id] = seen.get(grade_id, 0) + 1
            problems += _cell_changes(grade_id, cell, protected[grade_id])
    for grade_id, expected in protected.items():
        if grade_id not in seen:
            problems.append(f"{'test' if expected['test'] else 'locked'} cell {grade_id} was deleted")
        elif seen[grade_id] > 1:
            problems.append(f"cell {grade_id} appears {seen[grade_id]} times")
    return problems


def _cell_changes(grade_id: str, cell, expected: dict) -> list[str]:
    changes = []
    if _normalise(cell.source) != expected["source"]:
        changes.append(f"the code of {'test' if expected['test'] else 'locked'} cell {grade_id} was changed")
    points = _nbgrader(cell).get("points")
    if expected["points"] is not None and points is not None and float(points) != float(expected["points"]):
        changes.append(f"the points of cell {grade_id} were changed from {expected['points']:g} to {points}")
    if expected["test"] and not _nbgrader(cell).get("grade", False):
        changes.append(f"cell {grade_id} was unmarked as a test")
    return changes


def hidden_test_lines(gradebook, notebook_id: str, assignment: str) -> list[str]:
    """Every non-empty line of hidden test code in a notebook, for leak checks."""
    notebook = gradebook.find_notebook(notebook_id, assignment)
    lines = []
    for cell in notebook.source_cells:
        visible = set(visible_source(cell.source).splitlines())
        lines += [
            line.strip() for line in cell.source.splitlines()
            if line.strip() and line.rstrip() not in visible and "HIDDEN TESTS" not in line
        ]
    return lines
