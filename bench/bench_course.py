"""Benchmark the whole course: every source notebook (with its solutions) run top to bottom, seconds each and in total.

Each notebook goes through papermill in this one process (one kernel start per
notebook), on the default profile's classroom data, exactly as
``campaign-lab run`` runs it. The classroom data is generated first and the
local model started first (notebooks 09 and 10 use it); neither is counted.
The goal is the whole course in under 3 minutes on 2 cores. The slowest code
cells (papermill records each cell's seconds) are listed too: where the time goes. The 1-minute load
average is recorded too: other work on the machine slows every notebook.
Results are merged into bench/results.json under "course"; a model server this
script started is stopped at the end.

    python bench/bench_course.py
    python bench/bench_course.py --notebooks 02,03   # a few notebooks only
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from results import merge  # noqa: E402

from campaign_lab import data, runner  # noqa: E402
from campaign_lab.ai import server  # noqa: E402
from campaign_lab.resources import usable_cpus  # noqa: E402

TARGET_SECONDS = 180.0


def run_course(selection: str | None) -> tuple[list, float, list]:
    """Run the selected notebooks into a throwaway folder; the runs, the wall seconds of all, the slowest cells."""
    data.ensure_data("default", progress=False)
    started_here = not server.status().running
    server.serve()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-course-") as folder:
            start = time.perf_counter()
            runs = runner.run_notebooks(selection, out_dir=Path(folder))
            total = time.perf_counter() - start
            cells = slowest_cells(runs)
    finally:
        if started_here and server.status().running:
            server.stop()
    return runs, total, cells


def slowest_cells(runs: list, count: int = 5) -> list[dict]:
    """The cells that took longest, from the seconds papermill records in each executed notebook."""
    cells = []
    for run in runs:
        if run.output is None:
            continue
        notebook = json.loads(run.output.read_text(encoding="utf-8"))
        code = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
        for number, cell in enumerate(code, start=1):
            seconds = cell.get("metadata", {}).get("papermill", {}).get("duration") or 0.0
            first_line = "".join(cell["source"]).strip().split("\n")[0][:60]
            cells.append({"notebook": run.module, "code_cell": number, "seconds": round(seconds, 1), "starts": first_line})
    return sorted(cells, key=lambda cell: -cell["seconds"])[:count]


def print_table(runs: list, total: float, cells: list[dict]) -> None:
    print(f"{'notebook':<32} {'seconds':>8} {'share':>6}")
    for run in sorted(runs, key=lambda r: -r.seconds):
        print(f"{run.module:<32} {run.seconds:8.1f} {run.seconds / total:6.0%}{'' if run.ok else '  FAILED'}")
    print(f"{'total':<32} {total:8.1f}   (goal: under {TARGET_SECONDS:.0f} s)")
    print("slowest cells:")
    for cell in cells:
        print(f"  {cell['seconds']:6.1f} s  {cell['notebook']} code cell {cell['code_cell']}: {cell['starts']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", metavar="LIST", help="comma-separated module numbers (default: all)")
    args = parser.parse_args()
    runs, total, cells = run_course(args.notebooks)
    print_table(runs, total, cells)
    failed = [run.line() for run in runs if not run.ok]
    if failed:
        raise SystemExit("benchmark run went wrong: " + "; ".join(failed))
    figures = {
        "notebooks": len(runs),
        "seconds": {run.module: round(run.seconds, 1) for run in runs},
        "total_seconds": round(total, 1),
        "slowest": max(runs, key=lambda r: r.seconds).module,
        "slowest_cells": cells,
        "target_seconds": TARGET_SECONDS,
        "meets_target": total <= TARGET_SECONDS,
        "cores": usable_cpus(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    merge("course" if args.notebooks is None else "course_partial", figures)
    return 0 if figures["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
