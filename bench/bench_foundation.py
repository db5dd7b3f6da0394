"""Benchmark the notebook pipeline: in-process papermill against the papermill
command line, per notebook, and the time of the whole nbgrader round trip.

Writes the "foundation" key of bench/results.json.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from results import merge  # noqa: E402

from campaign_lab import course, runner  # noqa: E402


def time_in_process(module: str, out: Path) -> float:
    [run] = runner.run_notebooks(module, out_dir=out)
    if not run.ok:
        raise SystemExit(run.line())
    return run.seconds


def time_command_line(module: str, out: Path) -> float:
    papermill = Path(sys.executable).parent / "papermill"
    source = course.source_notebook(module)
    start = time.perf_counter()
    subprocess.run([str(papermill), str(source), str(out / f"cli-{module}.ipynb"), "-p", "profile", "default",
                    "--cwd", str(source.parent), "--no-progress-bar"], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    notebooks = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for module in course.modules():
            time_in_process(module, out)  # warm caches once so both sides start equal
            notebooks[module] = {
                "in_process_seconds": round(time_in_process(module, out), 2),
                "command_line_seconds": round(time_command_line(module, out), 2),
            }
    start = time.perf_counter()
    checks = course.selfcheck(progress=lambda _: None)
    roundtrip = time.perf_counter() - start
    merge("foundation", {
        "notebooks": notebooks,
        "nbgrader_roundtrip_seconds": round(roundtrip, 2),
        "roundtrip_ok": all(c.ok for c in checks),
    })
    print(notebooks, f"round trip {roundtrip:.1f}s")


if __name__ == "__main__":
    main()
