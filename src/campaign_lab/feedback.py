"""Feedback that never reveals hidden tests.

nbgrader's feedback shows the autograded notebook as is, hidden tests
included (nbgrader issues #917, #1363). This preprocessor removes the hidden
regions from test cells and cuts a failing test cell's traceback down to its
last line, so a hidden assert's source cannot leak through the traceback.
"""

from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests
from nbgrader.utils import is_grade

_ANSI_FREE_LIMIT = 500


class HideHiddenTests(ClearHiddenTests):
    """Clear hidden tests and shorten tracebacks in graded cells."""

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type == "code" and is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [_one_line(output)]
        return cell, resources


def _one_line(output) -> str:
    """The error's name and message only: what a check says, never test code."""
    message = f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip()
    return message[:_ANSI_FREE_LIMIT]
