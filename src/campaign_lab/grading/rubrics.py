"""The course's rubric above every reflection, even when a trainee changed theirs.

In a source notebook the Markdown cell just before a manually graded answer
holds the question and its rubric ("How this is graded (rubric, 2 points)").
The released notebook has it too, so the formgrader shows it above the
trainee's answer. But it is an ordinary cell: a trainee can edit or delete it.
:class:`RestoreRubrics` runs when ``campaign-lab grade`` autogrades a notebook:
where the cell before a reflection is not the course's rubric, it puts the
course's rubric back just above the answer (the trainee's own cell stays), so
the trainer always grades against the real one.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

RESTORED_NOTE = "*Rubric from the course (this trainee's copy of it was changed or removed):*\n\n"


def _is_manual_answer(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("grade") and meta.get("solution"))


def rubrics(notebook) -> dict[str, str]:
    """Map each manually graded answer's grade id to the rubric cell just before it.

    Examples
    --------
    >>> from nbformat.v4 import new_markdown_cell, new_notebook
    >>> answer = new_markdown_cell("YOUR ANSWER HERE", metadata={"nbgrader": {
    ...     "grade": True, "solution": True, "grade_id": "reflection", "points": 2}})
    >>> rubrics(new_notebook(cells=[new_markdown_cell("Rubric: 2 points"), answer]))
    {'reflection': 'Rubric: 2 points'}
    """
    found = {}
    for before, cell in zip(notebook.cells, notebook.cells[1:]):
        if _is_manual_answer(cell) and before.cell_type == "markdown" and "rubric" in before.source.lower():
            found[cell.metadata["nbgrader"]["grade_id"]] = before.source
    return found


class RestoreRubrics(NbGraderPreprocessor):
    """nbgrader step: put the source notebook's rubric back above each reflection that lost it."""

    source_directory = Unicode("", help="The course's source folder: <assignment>/<notebook>.ipynb").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources.get("nbgrader", {})
        source = Path(self.source_directory) / info.get("assignment", "") / f"{info.get('notebook', '')}.ipynb"
        if not self.source_directory or not source.is_file():
            return nb, resources
        wanted = rubrics(nbformat.read(str(source), as_version=4))
        for index in reversed(range(len(nb.cells))):
            grade_id = nb.cells[index].get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if not _is_manual_answer(nb.cells[index]) or grade_id not in wanted:
                continue
            before = nb.cells[index - 1] if index > 0 else None
            if before is None or before.cell_type != "markdown" or before.source != wanted[grade_id]:
                nb.cells.insert(index, nbformat.v4.new_markdown_cell(
                    RESTORED_NOTE + wanted[grade_id], metadata={"campaign_lab": {"rubric_restored": True}}))
        return nb, resources
