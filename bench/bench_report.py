"""Benchmark the cohort report: seconds and memory for a graded cohort of 30 trainees.

Thirty trainees answer notebook 00 in five ways (all right; core wrong; all
wrong; empty; deep dive wrong), are graded with ``campaign-lab grade``, then
``campaign-lab report`` reads the gradebook, the autograded notebooks and
grades.csv and writes the page and its tables. The report is built three
times; the median time and the peak memory of the process are recorded under
"report" in bench/results.json. Target: a trainer waits under 10 seconds.

    python bench/bench_report.py
    python bench/bench_report.py --trainees 60
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from cohort_tools import course_copy, course_root, grade_cohort  # noqa: E402
from results import merge  # noqa: E402

TARGET_SECONDS = 10.0
WAYS = (
    {},
    {"core": "wrong"},
    {"core": "wrong", "deep_dive": "wrong", "reflection": False},
    {"core": "empty", "deep_dive": "empty", "reflection": False},
    {"deep_dive": "wrong"},
)


def measure(trainees: int, rounds: int = 3) -> dict:
    from campaign_lab.grading import report

    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        root = course_copy(Path(folder))
        plan = {f"trainee{index:03d}": WAYS[index % len(WAYS)] for index in range(trainees)}
        grade_cohort(root, plan)
        times = []
        with course_root(root):
            for round_number in range(rounds):
                start = time.perf_counter()
                files = report.build_report(
                    root / "var" / "gradebook.db", out_dir=root / "report", grades_dir=root / "var" / "grades",
                    autograded=root / "autograded", source=root / "notebooks",
                )
                times.append(time.perf_counter() - start)
        page_kib = files.html.stat().st_size / 1024
    median = statistics.median(times)
    return {
        "trainees": trainees,
        "seconds_median": round(median, 2),
        "seconds_first": round(times[0], 2),
        "page_kib": round(page_kib, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "target_seconds": TARGET_SECONDS,
        "meets_target": median <= TARGET_SECONDS,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=30)
    args = parser.parse_args()
    figures = measure(args.trainees)
    merge("report", figures)
    print(figures)
    return 0 if figures["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
