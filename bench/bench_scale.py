"""Benchmark national scale: partitioned generation, and each analysis on pandas, DuckDB and Dask.

* Generation (``generate(..., partitioned=True)``): voters per second and peak
  memory (ru_maxrss of its own process) at each of ``--generate-sizes``; memory
  should stay flat as the number of voters grows.
* Analyses (``campaign_lab.scale``): turnout by ward and age band, the support
  segments, the volunteer-hours plan, each timed on pandas, DuckDB and a Dask
  LocalCluster (one single-threaded worker process per usable CPU) on the same
  partitioned data, at each of ``--sizes``. Figures: seconds, voters per second,
  voters per second per core the engine used, the cost per part of 100,000
  voters, and from it the projected time for a 150-million-voter file on this
  many cores (a straight line from the largest size: an estimate, not a run).
  The three engines' answers are compared as well.

Results are merged into bench/results.json under "scale", with the sizes used.
The default (generation at 1M and 10M voters; every engine at 1M, DuckDB also
at 10M) aims at under 5 minutes on 2 cores. ``--dask-max 10000000`` adds Dask at
10M (many minutes on 2 cores), ``--pandas-max 10000000`` pandas (about 8 GB of
memory).

    python bench/bench_scale.py
    python bench/bench_scale.py --sizes 200000 --generate-sizes 200000     # a quick try
    python bench/bench_scale.py --dask-max 10000000 --engines duckdb,dask
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from results import merge  # noqa: E402

NATIONAL = 150_000_000
PART_ROWS = 100_000
PROFILE = "default"
QUESTIONS = ("turnout_by_ward_and_age", "segment_counts", "allocate_volunteer_hours")

CHILD = r"""
import json, sys, time
from pathlib import Path
from campaign_lab.datagen import generate
voters, out = int(sys.argv[1]), sys.argv[2]
started = time.perf_counter()
generate("default", out, voters=voters, seed=2027, partitioned=True)
seconds = time.perf_counter() - started
# This process's own high-water mark. Not getrusage's ru_maxrss: Linux carries the parent's over
# into a child started by vfork and exec, so it reported the bench's own memory, not generation's.
peak_kb = next(int(line.split()[1]) for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmHWM:"))
print(json.dumps({"voters": voters, "seconds": round(seconds, 2), "voters_per_second": round(voters / seconds),
                  "peak_rss_mb": round(peak_kb / 1024, 1)}))
"""


def generate_in_child(voters: int, out: Path) -> dict:
    """Generate in a fresh process, so its peak memory is its own."""
    result = subprocess.run([sys.executable, "-c", CHILD, str(voters), str(out)], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def time_engines(folder: Path, engines: list[str]) -> tuple[dict, bool]:
    """Seconds for each question on each engine, and whether all engines agreed."""
    from campaign_lab import scale
    from campaign_lab.resources import usable_cpus

    data = scale.open_data(folder, PROFILE)
    cores = {"pandas": 1, "duckdb": usable_cpus(), "dask": usable_cpus()}
    figures, answers = {}, {}
    with scale.dask_client() if "dask" in engines else _nothing() as client:
        if client is not None:  # start-up is not the analysis: workers up, dask.dataframe imported
            import dask.dataframe  # noqa: F401

            client.wait_for_workers(cores["dask"])
        for engine in engines:
            for question in QUESTIONS:
                started = time.perf_counter()
                answers[(engine, question)] = getattr(scale, question)(data, engine, client=client)
                seconds = time.perf_counter() - started
                figures.setdefault(question, {})[engine] = _rates(data.rows, seconds, cores[engine])
    same = all(answers[(engine, q)].equals(answers[(engines[0], q)]) for engine in engines for q in QUESTIONS)
    return figures, same


def _rates(rows: int, seconds: float, cores: int) -> dict:
    parts = -(-rows // PART_ROWS)
    per_part = seconds / parts
    return {
        "seconds": round(seconds, 2),
        "cores": cores,
        "voters_per_second": round(rows / seconds),
        "voters_per_second_per_core": round(rows / seconds / cores),
        "seconds_per_part": round(per_part, 4),
        "projected_seconds_150m": round(per_part * NATIONAL / PART_ROWS),
    }


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generate-sizes", default="1000000,10000000", help="voters to generate (comma-separated)")
    parser.add_argument("--sizes", default="1000000,10000000", help="voters to analyse (comma-separated; each is generated first)")
    parser.add_argument("--engines", default="pandas,duckdb,dask", help="engines to time (comma-separated)")
    parser.add_argument("--pandas-max", type=int, default=1_000_000, help="time pandas only up to this many voters (default: 1,000,000; it holds the whole file in memory)")
    parser.add_argument("--dask-max", type=int, default=1_000_000, help="time Dask only up to this many voters (default: 1,000,000, to keep make bench short; its shuffle is the slow part on one machine)")
    args = parser.parse_args(argv)
    generate_sizes = [int(size) for size in args.generate_sizes.split(",") if size]
    sizes = [int(size) for size in args.sizes.split(",") if size]
    engines = [engine for engine in args.engines.split(",") if engine]
    from campaign_lab.resources import describe

    figures = {"generate_sizes": generate_sizes, "analysis_sizes": sizes, "engines": engines, "pandas_max": args.pandas_max, "dask_max": args.dask_max, "resources": describe(), "generation": [], "analyses": {}}
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as root:
        for voters in sorted(set(generate_sizes) | set(sizes)):
            folder = Path(root) / f"v{voters}"
            run = generate_in_child(voters, folder)
            if voters in generate_sizes:
                figures["generation"].append(run)
                print(f"generate {voters:>11,} voters: {run['seconds']:7.1f} s, {run['voters_per_second']:>9,} voters/s, peak {run['peak_rss_mb']:,.0f} MB", flush=True)
            if voters in sizes:
                limits = {"pandas": args.pandas_max, "dask": args.dask_max}
                timed, same = time_engines(folder, [e for e in engines if voters <= limits.get(e, voters)])
                figures["analyses"][str(voters)] = dict(timed, engines_agree=same)
                for question, by_engine in timed.items():
                    for engine, rate in by_engine.items():
                        print(f"{question:>26} {engine:>6} {voters:>11,}: {rate['seconds']:7.2f} s, {rate['voters_per_second_per_core']:>9,} voters/s/core, 150M in ~{rate['projected_seconds_150m'] / 60:,.0f} min", flush=True)
                print(f"engines agree at {voters:,}: {same}", flush=True)
            _remove(folder)
    merge("scale", figures)
    return 0 if all(run.get("engines_agree", True) for run in figures["analyses"].values()) else 1


def _remove(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
