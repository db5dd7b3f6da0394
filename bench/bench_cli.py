"""Benchmark how fast the campaign-lab command answers: `--help`, `--version` and one
command's help, against a bare Python start, each the median of several runs.

The target is `campaign-lab --help` in under 0.5 s: commands import their heavy
parts (pandas, nbgrader, the model) only when they run. Besides wall time, the
CPU time (user + system) of each run is recorded: on a busy machine it stays
close to what a quiet one would show. Writes the "cli" key of bench/results.json.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from results import merge  # noqa: E402

RUNS = 15
TARGET_HELP_S = 0.5
LAB = [sys.executable, "-m", "campaign_lab.cli"]
CASES = {
    "python_start": [sys.executable, "-c", "pass"],
    "help": LAB + ["--help"],
    "version": LAB + ["--version"],
    "run_help": LAB + ["run", "--help"],
}


def timed_runs(command: list[str]) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each of RUNS runs of ``command``."""
    subprocess.run(command, check=True, capture_output=True)  # warm the file cache
    walls, cpus = [], []
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return walls, cpus


def imported_module_count() -> int:
    code = ("import sys, contextlib, io\nfrom campaign_lab import cli\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n    cli.main(['--help'])\n"
            "print(len(sys.modules))")
    return int(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def main() -> None:
    figures = {}
    for name, command in CASES.items():
        walls, cpus = timed_runs(command)
        figures[f"{name}_median_s"] = round(statistics.median(walls), 3)
        figures[f"{name}_min_s"] = round(min(walls), 3)
        figures[f"{name}_cpu_median_s"] = round(statistics.median(cpus), 3)
        print(f"{name:<14} wall median {statistics.median(walls):.3f} s, min {min(walls):.3f} s; "
              f"CPU median {statistics.median(cpus):.3f} s ({RUNS} runs)")
    figures["help_modules_imported"] = imported_module_count()
    figures["help_under_target"] = figures["help_median_s"] < TARGET_HELP_S
    figures["target_help_s"] = TARGET_HELP_S
    figures["runs"] = RUNS
    merge("cli", figures)


if __name__ == "__main__":
    main()
