"""Helpers for tests that open, change and execute the course notebooks."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from campaign_lab import course
from campaign_lab.checks import solutions

SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION\n.*?^[ \t]*### END SOLUTION[ \t]*$", re.S | re.M)
ANSWER_NAME = re.compile(r"^(?:def (\w+)\(|(\w+) = ____$)", re.M)


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


def answer_name(cell) -> str | None:
    """The name an answer cell asks for: ``n_wards`` in ``n_wards = ____``, ``f`` in ``def f(...):``."""
    match = ANSWER_NAME.search(cell.source)
    return match and (match.group(1) or match.group(2))


def with_wrong_answer(cell_source: str, wrong: str, markers: bool = False) -> str:
    """The cell with its solution region replaced by ``wrong`` (indented like the region)."""
    def replace(match):
        lines = ([solutions.BEGIN] if markers else []) + wrong.splitlines() + ([solutions.END] if markers else [])
        return "\n".join(match.group(1) + line for line in lines)

    return SOLUTION.sub(replace, cell_source)


def with_wrong_answers(notebook):
    """A copy of the notebook with each solution region replaced by its recorded wrong answer."""
    changed = nbformat.from_dict(notebook)
    for cell in answer_cells(changed):
        cell.source = with_wrong_answer(cell.source, meta(cell)["wrong_answer"])
    return changed


# -- one exercise's answers, as the source notebook has them -------------------------------------
def answer_cell(module: str, exercise: str):
    """The answer cell of ``exercise`` (``"q1"``) in a module's source notebook (by its nbgrader grade_id)."""
    notebook = read(course.source_notebook(module))
    [cell] = [c for c in answer_cells(notebook) if nbgrader_meta(c).get("grade_id") == solutions.answer_id(exercise)]
    return cell


def solved(module: str, exercise: str, wrong: bool = False, **names):
    """Run the notebook's solution of ``exercise`` (or its recorded wrong answer) and return the answer it makes.

    ``names`` are the notebook variables and imports the solution uses, e.g.
    ``solved("04-targeting-and-outreach", "q1", targets=table)``.
    """
    cell = answer_cell(module, exercise)
    source = with_wrong_answer(cell.source, meta(cell)["wrong_answer"], markers=True) if wrong else cell.source
    namespace = dict(names)
    exec(compile(solutions.shown_solution(source), f"<{module} {exercise}>", "exec"), namespace)
    return namespace[answer_name(cell)]


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


def has_parameter(notebook, name: str) -> bool:
    """True if the notebook's parameters cell sets ``name``."""
    return any("parameters" in c.get("metadata", {}).get("tags", []) and re.search(rf"^{name} = ", c.source, re.M)
               for c in notebook.cells)


def errors(cell) -> list:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def text_of(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", "") if isinstance(output.get("text", ""), str) else "".join(output["text"]))
        parts.append(output.get("evalue", ""))
    return "\n".join(parts)


def shown_text(cell) -> str:
    """Everything a code cell's outputs show a reader: printed text, errors, and tables (plain and HTML)."""
    data = [output.get("data", {}) for output in cell.get("outputs", [])]
    shown = [_joined(item.get(kind, "")) for item in data for kind in ("text/plain", "text/html", "text/markdown")]
    return "\n".join([text_of(cell), *shown])


def _joined(text) -> str:
    return text if isinstance(text, str) else "".join(text)


# -- a core-only run that also asks whether each check and its hidden tests agree ------------------
RELEASED_STUB = "# YOUR CODE HERE"  # what nbgrader's release puts in place of a solution (graders/nbgrader_config.py)
HIDDEN = re.compile(r"^### BEGIN HIDDEN TESTS\n(.*?)^### END HIDDEN TESTS", re.S | re.M)


def released(cell_source: str) -> str:
    """The answer cell as a release has it: the solution region replaced by nbgrader's stub."""
    return with_wrong_answer(cell_source, RELEASED_STUB)


def hidden_tests(cell_source: str) -> str:
    match = HIDDEN.search(cell_source)
    return match.group(1) if match else ""


def core_only_with_probes(notebook):
    """A copy with core answers solved, deep-dive answers blank, no hidden tests, and a probe before each answer.

    The probe (tests/answer_probe.py) tries the blank, the solution and variants of it against
    the hidden tests of the check cell that follows; its findings are read by :func:`probes`.
    """
    changed = nbformat.from_dict(notebook)
    cells = []
    for index, cell in enumerate(changed.cells):
        if cell in answer_cells(changed):
            cells.append(_probe_cell(cell, changed.cells[index + 1]))
            if meta(cell)["track"] != "core":
                cell.source = released(cell.source)
        if cell in test_cells(changed):  # the probe runs them; a blank deep dive would fail them here
            cell.source = HIDDEN.sub("", cell.source)
        cells.append(cell)
    changed.cells = cells
    return changed


def _probe_cell(answer, check):
    call = (f"__import__('sys').path.insert(0, {str(Path(__file__).parent)!r})\n"
            f"__import__('answer_probe').probe(globals(), {meta(answer)['exercise']!r}, {answer_name(answer)!r}, "
            f"{released(answer.source)!r}, {solutions.shown_solution(answer.source)!r}, {hidden_tests(check.source)!r})")
    return nbformat.v4.new_code_cell(call, metadata={"campaign_lab": {"probe": True}})


def probes(executed) -> list[dict]:
    """What each probe found, in notebook order."""
    import json

    found = []
    for cell in executed.cells:
        if meta(cell).get("probe"):
            lines = [line for line in text_of(cell).splitlines() if line.startswith("PROBE ")]
            assert lines, f"a probe did not report: {text_of(cell)[-500:]}"
            found.append(json.loads(lines[-1].removeprefix("PROBE ")))
    return found
