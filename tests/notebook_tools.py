"""Helpers for tests that open, change and execute the course notebooks."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION[ \t]*$", re.S | re.M)


def read(path: Path):
    return nbformat.read(str(path), as_version=4)


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("campaign_lab", {})


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def answer_cells(notebook) -> list:
    """Autograded answer cells: code cells holding a solution region."""
    return [c for c in notebook.cells if c.cell_type == "code" and nbgrader_meta(c).get("solution")]


def test_cells(notebook) -> list:
    """Autograder test cells: locked code cells worth points."""
    return [c for c in notebook.cells if c.cell_type == "code" and nbgrader_meta(c).get("grade")]


def with_wrong_answers(notebook):
    """A copy of the notebook with each solution region replaced by its recorded wrong answer."""
    changed = nbformat.from_dict(notebook)
    for cell in answer_cells(changed):
        wrong = meta(cell)["wrong_answer"]
        cell.source = SOLUTION.sub(lambda m: "\n".join(m.group(1) + line for line in wrong.splitlines()), cell.source)
    return changed


def execute(notebook, folder: Path, parameters: dict | None = None, timeout: int = 300):
    """Run every cell (going on after errors) with ``folder`` as the working directory."""
    notebook = nbformat.from_dict(notebook)
    if parameters:
        cell = next(c for c in notebook.cells if "parameters" in c.get("metadata", {}).get("tags", []))
        cell.source += "\n" + "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    client.execute()
    return notebook


def errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def text_of(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", "") if isinstance(output.get("text", ""), str) else "".join(output["text"]))
        parts.append(output.get("evalue", ""))
    return "\n".join(parts)
