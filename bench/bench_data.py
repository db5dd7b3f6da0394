"""Benchmark the data generator: time for 1M voters (plus linked tables) and peak memory at 1M and 10M.

Each size runs in its own subprocess so that its peak memory (ru_maxrss) is its
own. Output goes to a temporary folder that is deleted afterwards. Results are
merged into bench/results.json under the key "data" (other keys are kept).

    python bench/bench_data.py              # 1M and 10M voters
    python bench/bench_data.py --sizes 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"
TARGET_SECONDS_1M = 10.0

CHILD = r"""
import json, resource, sys, time
from campaign_lab.datagen import generate
voters, out = int(sys.argv[1]), sys.argv[2]
start = time.perf_counter()
generate("default", out, voters=voters, seed=2027, csv=False)
seconds = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
print(json.dumps({"voters": voters, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_kib / 1024, 1)}))
"""


def measure(voters: int) -> dict:
    """Generate ``voters`` voters in a fresh process; return its time and peak memory."""
    with tempfile.TemporaryDirectory(prefix="bench-data-") as folder:
        out = Path(folder) / "data"
        done = subprocess.run([sys.executable, "-c", CHILD, str(voters), str(out)], capture_output=True, text=True, check=True, timeout=3600)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["parquet_mb"] = round(sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6, 1)
    return result


def merge_results(key: str, value: dict) -> None:
    """Write ``value`` under ``key`` in results.json, keeping other keys."""
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
    results[key] = value
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000])
    args = parser.parse_args()
    runs = []
    for voters in args.sizes:
        run = measure(voters)
        runs.append(run)
        print(f"{voters:>11,} voters: {run['seconds']:7.2f} s, peak {run['peak_rss_mb']:7.1f} MB, {run['parquet_mb']:8.1f} MB written", flush=True)
    one_million = next((run for run in runs if run["voters"] == 1_000_000), None)
    summary = {
        "runs": runs,
        "target_seconds_1m": TARGET_SECONDS_1M,
        "meets_target_1m": None if one_million is None else one_million["seconds"] < TARGET_SECONDS_1M,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    merge_results("data", summary)
    print(f"Merged into {RESULTS.name} under 'data'.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
