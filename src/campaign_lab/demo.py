"""A facilitator's live demo: a module's notebook with its opening cells already run once.

``campaign-lab demo NN`` shows the room the notebook the trainees have (the
released version, in ``demo/<module>/``, apart from anyone's answers). Before
the facilitator opens it, the command starts its kernel and runs its opening
cells, everything before the first exercise, once out of sight: the libraries
are imported, the data read from disk and the AI model has answered once. When
the facilitator runs those cells in front of the room they answer at once,
because what is slow the first time (imports, loading, the model paging in)
has been done.

``--reset`` puts the demo copies back as released, between two sessions.

Examples
--------
>>> import nbformat
>>> notebook = nbformat.v4.new_notebook(cells=[
...     nbformat.v4.new_code_cell("import pandas as pd"),
...     nbformat.v4.new_markdown_cell("## Exercise 1"),
...     nbformat.v4.new_code_cell("answer = ____", metadata={"nbgrader": {"solution": True}}),
...     nbformat.v4.new_code_cell("print(answer)")])
>>> opening_cells(notebook)
['import pandas as pd']
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from campaign_lab import course, paths
from campaign_lab.errors import BadInput

__all__ = ["CellRun", "check_module", "demo_dir", "describe_warm_up", "demo_notebook", "opening_cells", "prepare", "read_opening_cells", "reset",
           "run_cells", "uses_the_model"]

CELL_TIMEOUT_S = 300  # one opening cell may take this long the first time (the model starting, spaCy loading)


@dataclass(frozen=True)
class CellRun:
    """One opening cell run in the demo kernel: its seconds, and its error in one line (None if it ran)."""

    index: int
    seconds: float
    error: str | None = None


def demo_dir() -> Path:
    """The facilitator's demo copies: ``demo/<module>/``, apart from ``workspace/`` (a trainee's answers)."""
    return paths.project_root() / "demo"


def demo_notebook(module: str) -> Path:
    return demo_dir() / module / f"{module}.ipynb"


def prepare(module: str, fresh: bool = False) -> Path:
    """The demo copy of ``module``, made from the released notebook if missing (or if ``fresh``)."""
    target = demo_notebook(module)
    if target.exists() and not fresh:
        return target
    if not course.release_is_current(module):
        course.release(module)
    shutil.rmtree(target.parent, ignore_errors=True)
    shutil.copytree(paths.release_dir() / module, target.parent)
    return target


def reset(modules: list[str]) -> list[str]:
    """Put the demo copies of ``modules`` back as released; return the ones that had a copy."""
    had = [module for module in modules if demo_notebook(module).exists()]
    for module in had:
        prepare(module, fresh=True)
    return had


def opening_cells(notebook) -> list[str]:
    """The code cells before the first exercise (the first cell nbgrader grades or asks to be answered)."""
    cells = []
    for cell in notebook.cells:
        marks = cell.metadata.get("nbgrader", {})
        if marks.get("solution") or marks.get("grade"):
            break
        if cell.cell_type == "code" and cell.source.strip():
            cells.append(cell.source)
    return cells


def uses_the_model(module: str) -> bool:
    """True if the module's notebook talks to the AI model (so the demo warms it first)."""
    notebook = nbformat.read(str(course.source_notebook(module)), as_version=4)
    return any("ai.client(" in cell.source for cell in notebook.cells if cell.cell_type == "code")


def read_opening_cells(module: str) -> list[str]:
    notebook = nbformat.read(str(demo_notebook(module)), as_version=4)
    return opening_cells(notebook)


def run_cells(client, cells: list[str], timeout: float = CELL_TIMEOUT_S) -> list[CellRun]:
    """Run ``cells`` one by one in the kernel of ``client`` (a jupyter_client blocking client), quietly.

    A cell that raises is reported and the rest still run, as they would when
    the facilitator runs them one by one; nothing is printed.
    """
    runs = []
    for index, source in enumerate(cells):
        start = time.perf_counter()
        try:
            reply = client.execute_interactive(source, timeout=timeout, output_hook=lambda message: None)
            content = reply["content"]
            error = None if content["status"] == "ok" else f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"
        except TimeoutError:
            error = f"did not finish within {timeout:.0f} s"
        runs.append(CellRun(index, time.perf_counter() - start, error))
    return runs


def describe_warm_up(runs: list[CellRun]) -> str:
    """One line for the facilitator, plus one per opening cell that raised.

    Examples
    --------
    >>> print(describe_warm_up([CellRun(0, 0.2), CellRun(1, 3.14, "NameError: name 'x' is not defined")]))
    Ran the 2 opening cells once in 3.3 s (the slowest, cell 2, took 3.1 s); they will answer faster now.
    Opening cell 2 raised NameError: name 'x' is not defined. It will do the same in front of the room: look at it first.
    """
    if not runs:
        return "This notebook has no opening cells before its first exercise; nothing to warm up."
    slowest = max(runs, key=lambda run: run.seconds)
    lines = [f"Ran the {len(runs)} opening cells once in {sum(run.seconds for run in runs):.1f} s (the slowest, "
             f"cell {slowest.index + 1}, took {slowest.seconds:.1f} s); they will answer faster now."]
    lines += [f"Opening cell {run.index + 1} raised {run.error}. It will do the same in front of the room: look at it first."
              for run in runs if run.error]
    return "\n".join(lines)


def check_module(selection: str) -> str:
    """One module from ``"09"``, ``"9"`` or its full name; BadInput listing the modules otherwise."""
    chosen = course.select_modules(selection)
    if len(chosen) != 1:
        raise BadInput(f"Give one module to demo, such as 09; you gave {selection!r}.")
    return chosen[0]
