"""A facilitator's live demo: how fast each module's opening cells answer once `campaign-lab demo` has warmed them.

For every module: the demo copy of the released notebook (campaign_lab.demo),
a new kernel in its folder, its opening cells (everything before the first
exercise) run once, as `campaign-lab demo NN` does before the facilitator
opens the notebook, then run again one by one, as she runs them in front of
the room. Goal: every opening cell answers in under 1 s the second time. The
local model is started (and answers once in the warm-up) for the modules that
use it. Results go to bench/results.json under "demo". Takes a few minutes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jupyter_client import KernelManager

sys.path.insert(0, str(Path(__file__).parent))
from results import merge  # noqa: E402

from campaign_lab import course, data, demo  # noqa: E402
from campaign_lab.ai import server  # noqa: E402

GOAL_SECONDS = 1.0


def module_figures(module: str) -> dict:
    notebook = demo.prepare(module)
    cells = demo.read_opening_cells(module)
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(notebook.parent))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        warm_up = demo.run_cells(client, cells)
        live = demo.run_cells(client, cells)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    slowest = max(live, key=lambda run: run.seconds) if live else None
    return {
        "opening_cells": len(cells),
        "warm_up_seconds": round(sum(run.seconds for run in warm_up), 2),
        "live_seconds": round(sum(run.seconds for run in live), 2),
        "slowest_live_cell": slowest.index + 1 if slowest else None,
        "slowest_live_cell_seconds": round(slowest.seconds, 3) if slowest else None,
        "errors": [f"cell {run.index + 1}: {run.error}" for run in warm_up + live if run.error],
    }


def main() -> int:
    data.ensure_data("default")
    modules = course.modules()
    if any(demo.uses_the_model(module) for module in modules) and server.runtime_installed():
        server.serve()
    figures = {module: module_figures(module) for module in modules}
    slowest = max(figures.values(), key=lambda item: item["slowest_live_cell_seconds"] or 0)
    summary = {
        "modules": figures,
        "goal_seconds": GOAL_SECONDS,
        "slowest_live_cell_seconds": slowest["slowest_live_cell_seconds"],
        "met": all((item["slowest_live_cell_seconds"] or 0) < GOAL_SECONDS and not item["errors"] for item in figures.values()),
    }
    merge("demo", summary)
    print(f"{'module':32} {'cells':>5} {'warm-up s':>9} {'live s':>7} {'slowest live cell s':>20}")
    for module, item in figures.items():
        print(f"{module:32} {item['opening_cells']:5d} {item['warm_up_seconds']:9.2f} {item['live_seconds']:7.2f} "
              f"{item['slowest_live_cell_seconds'] or 0:20.3f}{'  ' + '; '.join(item['errors']) if item['errors'] else ''}")
    print(json.dumps({key: summary[key] for key in ("goal_seconds", "slowest_live_cell_seconds", "met")}))
    return 0 if summary["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
