"""A workshop room on the real cohort hub: trainees drafting with one shared model at the same moment.

``drafting_room(trainees, slots)`` starts one local model server with
``slots`` slots (as a facilitator does with ``campaign-lab model serve
--slots 20``) and the cohort hub (graders/jupyterhub_config.py, on 127.0.0.1,
hub_tools.py) with its kernels pointed at that server through
``CAMPAIGN_LAB_PROVIDER=compatible`` and ``CAMPAIGN_LAB_BASE_URL``, as
docs/jupyterhub.md says. Every trainee logs in through the hub's login form,
their servers start together, and then each trainee's kernel runs notebook
09's code cells one by one, all trainees starting at the same moment, through
the kernel API as JupyterLab does. It returns what each cell did and how long
the room waited. Shared by tests/test_hub_room.py (a small room, in CI) and
bench/bench_hub_room.py (20 trainees, in ``make bench``).
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from campaign_lab import paths
from campaign_lab.ai import server
from campaign_lab.ai.config import LOCAL_MODEL_ALIAS
from hub_tools import running_hub

MODULE = "09-drafting-with-ai"
CELL_SECONDS = 600  # one cell may wait this long for the whole room's answers before it counts as failed


def notebook_cells(module: str = MODULE) -> list[str]:
    """The code cells of a source notebook, in order (the solutions filled in, as a trainee who finished)."""
    notebook = nbformat.read(str(paths.notebooks_dir() / module / f"{module}.ipynb"), as_version=4)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip()]


def asks_the_model(source: str) -> bool:
    return "ask(" in source or "completions.create(" in source


@dataclass
class CellRun:
    trainee: str
    index: int
    seconds: float
    error: str | None
    finished: bool
    stdout: str
    drafting: bool

    @property
    def failed(self) -> bool:
        return bool(self.error) or not self.finished

    def describe(self) -> str:
        return f"{self.trainee}, cell {self.index}: {self.error or 'did not finish'}; it printed: {self.stdout[-300:]!r}"


def _trainee_runs(hub, trainee: str, cells: list[str], ready: threading.Barrier) -> list[CellRun]:
    kernel = hub.start_kernel(trainee)
    ready.wait()  # every trainee starts the notebook at the same moment
    runs = []
    for index, source in enumerate(cells):
        start = time.monotonic()
        result = hub.execute(trainee, kernel, source, timeout=CELL_SECONDS)
        runs.append(CellRun(trainee, index, time.monotonic() - start, result["error"], result["finished"],
                            result["stdout"], asks_the_model(source)))
        if runs[-1].failed:
            break  # as Run All does: the rest would fail for the same reason
    return runs


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def drafting_room(trainees: list[str], slots: int, cells: list[str] | None = None) -> dict:
    """Run the room; return its figures, with ``failed`` listing every cell that raised or hung."""
    cells = cells if cells is not None else notebook_cells()
    with tempfile.TemporaryDirectory(prefix="campaign-lab-room-model-") as folder:
        state = Path(folder)
        model = server.serve(port=server.free_port(), slots=slots, state=state)
        try:
            environment = {"CAMPAIGN_LAB_PROVIDER": "compatible", "CAMPAIGN_LAB_BASE_URL": model.base_url,
                           "CAMPAIGN_LAB_MODEL": model.model or LOCAL_MODEL_ALIAS}
            with running_hub(["trainer"], trainees, environment=environment) as hub:
                logged_in = [hub.login(name, hub.passwords["trainee"]) for name in trainees]
                start = time.monotonic()
                hub.start_servers(*trainees)
                servers_ready = time.monotonic() - start
                ready = threading.Barrier(len(trainees))
                start = time.monotonic()
                with ThreadPoolExecutor(max_workers=len(trainees)) as pool:
                    runs = [run for per_trainee in pool.map(lambda name: _trainee_runs(hub, name, cells, ready), trainees)
                            for run in per_trainee]
                notebook_seconds = time.monotonic() - start
        finally:
            server.stop(state=state)
    drafting = [run.seconds for run in runs if run.drafting and not run.failed]
    return {
        "trainees": len(trainees), "slots": slots, "module": MODULE, "cells": len(cells),
        "logged_in": sum(logged_in), "servers_ready_seconds": round(servers_ready, 1),
        "cells_run": len(runs), "failed": [run.describe() for run in runs if run.failed],
        "room_notebook_seconds": round(notebook_seconds, 1),
        "drafting_cell_seconds_median": round(statistics.median(drafting), 2) if drafting else None,
        "drafting_cell_seconds_p95": round(percentile(drafting, 0.95), 2) if drafting else None,
        "drafting_cell_seconds_max": round(max(drafting), 2) if drafting else None,
    }
