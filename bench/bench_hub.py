"""Measure what one trainee costs on the cohort hub: memory and CPU of a server and a kernel running a notebook.

Starts the real hub (graders/jupyterhub_config.py) on 127.0.0.1 with a trainer
and TRAINEES trainees (system accounts of a unique prefix, deleted at the end),
starts the trainees' servers together, then in each trainee's kernel runs the
code cells of the modules in MODULES one by one, through the kernel API, as a
trainee running the notebook would. Measured:

* time until the servers answer (all started at once);
* a server's resident memory (RSS) idle, and a kernel's RSS after the notebook;
* each trainee's peak memory, server and kernels together, from their
  control group (what the memory limit applies to);
* CPU seconds a trainee's kernel used for the notebook, and the wall time;
* the hub and its proxy's RSS.

From these, ``sizing`` estimates memory and cores for 20 and 100 trainees
(docs/jupyterhub.md explains the rule). Results go to bench/results.json
under "hub". Runs in about 2-3 minutes on 2 cores.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "tests")]

from hub_tools import running_hub  # noqa: E402
from results import merge  # noqa: E402
from room_load import notebook_cells  # noqa: E402


TRAINER, TRAINEES = "trainer", ["ana", "bea"]
MODULES = ["00-start-here", "02-data-literacy"]
MiB = 1024 * 1024
WAIT_SECONDS = 2.0  # how long a trainee may wait for a cell when the whole room runs it at once


def rss(pid: int) -> int:
    return psutil.Process(pid).memory_info().rss


def cgroup_peak(pid: int) -> int | None:
    """The memory peak of ``pid``'s control group (v1 max_usage_in_bytes, v2 memory.peak)."""
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, relative = line.split(":", 2)
        folders = ([Path("/sys/fs/cgroup/memory") / relative.lstrip("/")] if "memory" in controllers.split(",")
                   else [Path("/sys/fs/cgroup") / relative.lstrip("/")] if controllers == "" else [])
        for folder in folders:
            for name in ("memory.max_usage_in_bytes", "memory.peak"):
                if (folder / name).exists():
                    return int((folder / name).read_text())
    return None


def run_notebooks(hub, user: str) -> dict:
    kernel = hub.start_kernel(user)
    pid = int(hub.execute(user, kernel, "import os; print(os.getpid())")["stdout"])
    start_cpu, start = psutil.Process(pid).cpu_times(), time.monotonic()
    errors = cells = 0
    for module in MODULES:
        for source in notebook_cells(module):
            result = hub.execute(user, kernel, source, timeout=300)
            cells += 1
            errors += bool(result["error"]) or not result["finished"]
    end_cpu = psutil.Process(pid).cpu_times()
    return {"kernel_rss_mib": rss(pid) / MiB, "cells": cells, "cells_with_errors": errors,
            "wall_seconds": time.monotonic() - start,
            "kernel_cpu_seconds": (end_cpu.user + end_cpu.system) - (start_cpu.user + start_cpu.system)}


def sizing(per_trainee_mib: float, hub_mib: float, cpu_per_cell: float) -> dict:
    """Memory and cores for N trainees running the same cell at the same moment (a workshop's worst minute).

    Memory: every trainee's peak, plus a quarter for headroom, plus the hub. Cores: enough that N
    cells of ``cpu_per_cell`` CPU seconds started together finish within WAIT_SECONDS, plus one for
    the hub and proxy. The local model's server comes on top (bench "model").
    """
    return {str(n): {"memory_gib": round((n * per_trainee_mib * 1.25 + hub_mib) / 1024, 1),
                     "cores": math.ceil(n * cpu_per_cell / WAIT_SECONDS) + 1}
            for n in (20, 100)}


def main() -> int:
    figures: dict = {"trainees": len(TRAINEES), "modules": MODULES}
    with running_hub([TRAINER], TRAINEES) as hub:
        start = time.monotonic()
        hub.start_servers(*TRAINEES)
        figures["servers_ready_seconds"] = round(time.monotonic() - start, 1)
        figures["server_rss_idle_mib"] = round(statistics.median(rss(hub.server_pids[u]) for u in TRAINEES) / MiB, 1)
        runs = [run_notebooks(hub, user) for user in TRAINEES]
        peaks = [cgroup_peak(hub.server_pids[u]) for u in TRAINEES]
        hub_rss = rss(hub.process.pid) + (rss(hub.proxy_pid()) if hub.proxy_pid() else 0)
    for key in ("kernel_rss_mib", "wall_seconds", "kernel_cpu_seconds"):
        figures[key] = round(statistics.median(run[key] for run in runs), 1)
    figures["cells"], figures["cells_with_errors"] = runs[0]["cells"], max(run["cells_with_errors"] for run in runs)
    figures["trainee_peak_mib"] = round(max(peaks) / MiB, 1) if all(peaks) else None
    figures["hub_and_proxy_rss_mib"] = round(hub_rss / MiB, 1)
    per_trainee = figures["trainee_peak_mib"] or figures["server_rss_idle_mib"] + figures["kernel_rss_mib"]
    figures["cpu_seconds_per_cell"] = round(figures["kernel_cpu_seconds"] / figures["cells"], 3)
    figures["sizing"] = sizing(per_trainee, figures["hub_and_proxy_rss_mib"], figures["cpu_seconds_per_cell"])
    merge("hub", figures)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
