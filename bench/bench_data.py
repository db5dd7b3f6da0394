"""Benchmark the data generator: calibration band by band, speed against the write limit, and memory.

* Calibration: for every shipped profile and seeds 0-4, at classroom size
  (20,000 voters), each published turnout figure's target, result and
  difference in points, as the voter file shows them.
* Speed: the whole generator (voters and every linked table, text and image)
  at 200 (the fixed cost), 200,000 and 1,000,000 voters, against a bare build
  of the same voter columns with numpy plus the same Parquet write, in the same
  run. Each run is its own process, so its peak memory (ru_maxrss) is its own.

Results are merged into bench/results.json under "data".

    python bench/bench_data.py
    python bench/bench_data.py --sizes 200000 --seeds 2
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

SHIPPED = ("default", "kenya-county", "mexico-municipality", "us-state-house")
CLASSROOM = 20_000
#: 1M voters with their linked tables should take at most this many times the bare numpy + Parquet build.
TARGET_RATIO = 3.0

CHILD = r"""
import json, resource, sys, time
started = time.perf_counter()
kind, voters, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if kind == "generator":
    from campaign_lab.datagen import generate
    imported = time.perf_counter()
    generate("default", out, voters=voters, seed=2027, csv=False)
else:
    sys.path.insert(0, sys.argv[4])
    from bench_data import bare_build
    imported = time.perf_counter()
    imported += bare_build(voters, out)  # leave out its setup: a model and a sample of real strings
done = time.perf_counter()
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
print(json.dumps({"kind": kind, "voters": voters, "import_seconds": round(imported - started, 3),
                  "seconds": round(done - imported, 3), "peak_rss_mb": round(peak_kib / 1024, 1)}))
"""


def bare_build(voters: int, out: str) -> float:
    """The write limit: the voter file's columns (same names, types and chunking) from plain numpy draws, written the same way.

    Returns the seconds spent on setup, which the caller leaves out.
    """
    started = time.perf_counter()
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from campaign_lab.datagen._common import TableWriter
    from campaign_lab.datagen.model import build_model
    from campaign_lab.datagen.voters import CHUNK_ROWS, _Vocab, generate_chunk
    from campaign_lab.profiles import load_profile

    model = build_model(load_profile("default"), 2027)
    sample = generate_chunk(model, _Vocab(model.profile), 0, 2_000).table  # real values to copy strings from
    folder = Path(out)
    folder.mkdir(parents=True)
    writer = TableWriter(folder, "voters", csv=False)
    rng = np.random.default_rng(0)
    setup = time.perf_counter() - started
    for start in range(0, voters, CHUNK_ROWS):
        n = min(CHUNK_ROWS, voters - start)
        columns = {field.name: _bare_column(rng, field.type, sample[field.name], n, pa, pc) for field in sample.schema}
        writer.write(pa.table(columns, schema=sample.schema))
    writer.close()
    return setup


def _bare_column(rng, kind, example, n, pa, pc):
    if pa.types.is_string(kind):
        return pc.take(example, pa.array(rng.integers(0, len(example), n)))
    if pa.types.is_boolean(kind):
        return pa.array(rng.random(n) < 0.5)
    if pa.types.is_date(kind):
        return pa.array(rng.integers(-20_000, 20_000, n).astype("datetime64[D]"))
    return pa.array(rng.integers(0, 100, n)).cast(kind)


def run_child(kind: str, voters: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-data-") as folder:
        out = Path(folder) / "data"
        done = subprocess.run([sys.executable, "-c", CHILD, kind, str(voters), str(out), str(Path(__file__).parent)], capture_output=True, text=True, check=True, timeout=1800)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["written_mb"] = round(sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6, 1)
    return result


def calibration(seeds: int) -> dict:
    """Each profile's figures at classroom size for seeds 0..seeds-1: target, result, difference; the worst miss."""
    from campaign_lab.datagen import calibration as cal
    from campaign_lab.datagen._common import TableWriter
    from campaign_lab.datagen.model import build_model
    from campaign_lab.datagen.voters import write_voters
    from campaign_lab.profiles import load_profile

    table, worst = {}, 0.0
    for name in SHIPPED:
        profile = load_profile(name)
        for seed in range(seeds):
            with tempfile.TemporaryDirectory() as folder:
                writer = TableWriter(Path(folder), "voters", csv=False)
                voters = write_voters(build_model(profile, seed), writer, CLASSROOM)
                writer.close()
            rows = cal.report(profile, voters.cited_cells["eligible"], voters.cited_cells["voted"])
            table[f"{name} seed {seed}"] = rows
            worst = max([worst] + [abs(row["difference_points"]) for row in rows])
            print(f"{name:>20} seed {seed}: " + " ".join(f"{row['margin']} {row['difference_points']:+.2f}" for row in rows), flush=True)
    return {"voters": CLASSROOM, "tolerance_points": cal.TOLERANCE_POINTS, "worst_difference_points": worst, "within_tolerance": worst <= cal.TOLERANCE_POINTS, "margins": table}


def speed(sizes: list[int]) -> dict:
    runs = [run_child("generator", 200)]
    print(f"fixed cost (200 voters): {runs[0]['seconds']:.2f} s after {runs[0]['import_seconds']:.2f} s of imports", flush=True)
    for voters in sizes:
        for kind in ("bare", "generator"):
            run = run_child(kind, voters)
            runs.append(run)
            print(f"{kind:>9} {voters:>10,} voters: {run['seconds']:6.2f} s, peak {run['peak_rss_mb']:6.1f} MB, {run['written_mb']:7.1f} MB written", flush=True)
    ratios = {}
    for voters in sizes:
        bare = next(r for r in runs if r["kind"] == "bare" and r["voters"] == voters)
        full = next(r for r in runs if r["kind"] == "generator" and r["voters"] == voters)
        ratios[str(voters)] = round(full["seconds"] / max(bare["seconds"], 1e-9), 2)
        print(f"{voters:>10,} voters: generator / bare = {ratios[str(voters)]:.2f}", flush=True)
    return {"runs": runs, "generator_over_bare": ratios, "target_ratio": TARGET_RATIO, "meets_target_1m": ratios.get("1000000", float("inf")) <= TARGET_RATIO if "1000000" in ratios else None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    started = time.perf_counter()
    figures = {"calibration": calibration(args.seeds), "speed": speed(args.sizes)}
    figures["bench_seconds"] = round(time.perf_counter() - started, 1)
    merge("data", figures)
    print(f"Merged into results.json under 'data' ({figures['bench_seconds']} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
