"""Benchmark the two AI-model notebooks (09 drafting, 10 safe use): seconds per run, model included.

Starts the local model first (its start-up is not counted), runs each notebook
top to bottom on the default profile, and records the seconds of each run
against the target of one minute. The model shares the machine's cores, so
the 1-minute load average is recorded too: other work slows the model down
more than anything else. Results are merged into bench/results.json under the
key "ai_notebooks" (other keys are kept). A model server this script started
is stopped at the end.

    python bench/bench_ai_notebooks.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from results import merge  # noqa: E402

from campaign_lab import runner  # noqa: E402
from campaign_lab.ai import server  # noqa: E402

MODULES = "09,10"
TARGET_SECONDS = 60.0  # each notebook runs "well under a minute" on a quiet machine


def main() -> int:
    started_here = not server.status().running
    server.serve()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-ai-notebooks-") as folder:
            runs = runner.run_notebooks(MODULES, out_dir=Path(folder))
    finally:
        if started_here and server.status().running:
            server.stop()
    failed = [run.line() for run in runs if not run.ok]
    if failed:
        raise SystemExit("benchmark run went wrong: " + "; ".join(failed))
    figures = {
        "seconds": {run.module: round(run.seconds, 1) for run in runs},
        "target_seconds_each": TARGET_SECONDS,
        "meets_target": all(run.seconds <= TARGET_SECONDS for run in runs),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    merge("ai_notebooks", figures)
    print(figures)
    return 0 if figures["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
