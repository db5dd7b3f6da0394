"""Benchmark sandboxed grading: seconds per notebook, one job versus one job per core.

Grades N correct submissions of a tiny two-question notebook in a throwaway
course, first with one job, then with one job per core, and records the time
per notebook, the speed-up and the projected time for a cohort of 30. Results
are merged into bench/results.json under the key "grade" (other keys are kept).

    python bench/bench_grade.py            # 12 submissions
    python bench/bench_grade.py --count 30
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from results import merge  # noqa: E402

from campaign_lab.grading import autograde, sandbox  # noqa: E402
from hostile.make_submissions import write_submissions  # noqa: E402
from hostile.tiny_course import ASSIGNMENT, write_source  # noqa: E402

COHORT = 30
TARGET_SECONDS_COHORT = 180.0  # a trainer waits at most three minutes for a class of 30


def grade_copies(count: int, jobs: int) -> float:
    """Grade ``count`` copies of a correct submission with ``jobs`` at once; return seconds."""
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as folder:
        root = Path(folder)
        source = write_source(root / "notebooks")
        one = write_submissions(source, root / "scratch", ASSIGNMENT, course_root=root, port=9,
                                kinds=("correct",))["correct"].parent
        for index in range(count):
            shutil.copytree(one, root / "submitted" / f"trainee{index:02d}" / ASSIGNMENT)
        start = time.perf_counter()
        grades = autograde.grade_submissions(root / "submitted", root=root, jobs=jobs, out_dir=root / "out")
        seconds = time.perf_counter() - start
    statuses = {grade.status for grade in grades}
    if statuses != {sandbox.Status.GRADED} or len(grades) != count:
        raise SystemExit(f"benchmark run went wrong: {autograde.summary(grades)}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=12)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    serial = grade_copies(args.count, jobs=1)
    parallel = grade_copies(args.count, jobs=cores)
    per_notebook = parallel / args.count
    figures = {
        "notebooks": args.count,
        "mechanism": sandbox.detect_mechanism().name,
        "seconds_one_job": round(serial, 2),
        "seconds_all_cores": round(parallel, 2),
        "speedup": round(serial / parallel, 2),
        "seconds_per_notebook": round(per_notebook, 2),
        "projected_seconds_cohort_of_30": round(per_notebook * COHORT, 1),
        "target_seconds_cohort_of_30": TARGET_SECONDS_COHORT,
        "meets_target": per_notebook * COHORT <= TARGET_SECONDS_COHORT,
        "load_average_1min": round(os.getloadavg()[0], 2),  # other work on the machine slows this
    }
    merge("grade", figures)
    print(figures)
    return 0 if figures["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
