"""Benchmark sandboxed grading: seconds per notebook, one job versus one job per core.

Grades N correct submissions of a tiny two-question notebook in a throwaway
course, first with one job, then with one job per core, and records the time
per notebook, the speed-up and the projected time for a cohort of 30. Results
are merged into bench/results.json under the key "grade" (other keys are kept).

It also records the sandbox's overhead per submission: notebook 00 run bare
(nbclient and a new kernel, as nbgrader runs it), in a new sandbox, and in a
warm box that has the course's libraries loaded already (negative overhead:
faster than bare). The comparison with plain ``nbgrader autograde`` is in
bench/bench_cohort.py.

Pinned to one CPU (``taskset -c 0``, as a 1-CPU pod would be), it grades the
same copies with the jobs the sizing function gives (``usable_cpus()``: 1)
and with one job per physical core of the machine, and with eight jobs (a
1-CPU pod on an 8-core node): the oversubscription the sizing function avoids.

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

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from results import merge  # noqa: E402

from campaign_lab.grading import autograde, sandbox  # noqa: E402
from campaign_lab.resources import usable_cpus  # noqa: E402
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


MODULE = "00-start-here"


def _course_with_submissions(root: Path, count: int):
    """A course copy with notebook 00 generated and ``count`` correct submissions of it."""
    from campaign_lab import course, paths

    shutil.copytree(paths.notebooks_dir() / MODULE, root / "notebooks" / MODULE)
    api = course.nbgrader_api(root)
    if not api.generate_assignment(MODULE)["success"]:
        raise SystemExit("could not generate notebook 00")
    answered = _release_with_solutions(root)
    for index in range(count):
        target = root / "submitted" / f"trainee{index:02d}" / MODULE
        target.mkdir(parents=True)
        nbformat.write(answered, str(target / f"{MODULE}.ipynb"))
    return api


def _release_with_solutions(root: Path):
    """The released notebook as a trainee who answered everything correctly hands it in."""
    def read(folder):
        return nbformat.read(str(root / folder / MODULE / f"{MODULE}.ipynb"), as_version=4)

    source, release = read("notebooks"), read("release")
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in release.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution") and grade_id in answers:
            cell.source = answers[grade_id]
    return release


def sandbox_overhead(count: int) -> dict:
    """Seconds per notebook 00 run bare (nbclient, new kernel), in a new sandbox, and in a warm box."""
    from campaign_lab import paths
    from campaign_lab.grading import notebook_executor, warm_box

    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as folder:
        root = Path(folder)
        _course_with_submissions(root, 1)
        notebook = root / "submitted" / "trainee00" / MODULE / f"{MODULE}.ipynb"
        limits, readable = sandbox.Limits(), [paths.datasets_dir()]

        def bare() -> None:
            notebook_executor.execute(nbformat.read(str(notebook), as_version=4), limits.cell_seconds, limits.output_bytes)

        def cold() -> None:
            sandbox.execute_notebook(notebook, root / "out", limits=limits, readable=readable)

        preload = warm_box.course_imports([root / "notebooks" / MODULE / f"{MODULE}.ipynb"])
        with warm_box.WarmBox(limits, readable, preload).start() as box:
            def warm() -> None:
                sandbox.execute_notebook(notebook, root / "out", limits=limits, box=box)

            seconds = {name: _per_run(run, count) for name, run in
                       (("bare", bare), ("cold", cold), ("warm", warm))}
    return {
        "runs": count,
        "seconds_per_notebook_bare_kernel": round(seconds["bare"], 2),
        "seconds_per_notebook_new_sandbox": round(seconds["cold"], 2),
        "seconds_per_notebook_warm_box": round(seconds["warm"], 2),
        "new_sandbox_overhead_seconds": round(seconds["cold"] - seconds["bare"], 2),
        "warm_box_overhead_seconds": round(seconds["warm"] - seconds["bare"], 2),
    }


def _per_run(run, count: int) -> float:
    start = time.perf_counter()
    for _ in range(count):
        run()
    return (time.perf_counter() - start) / count


def one_cpu_comparison(count: int) -> dict:
    """Grading pinned to one CPU: jobs from usable_cpus() against one job per physical core."""
    import json
    import subprocess

    import psutil

    figures = {"how": "taskset -c 0 (no cgroup made)", "notebooks": count}
    variants = (("usable_cpus", 0), ("physical_cores", psutil.cpu_count(logical=False) or 1), ("eight_jobs", 8))
    for name, jobs in variants:  # eight: a pod of 1 CPU on an 8-core node sized by its cores
        command = ["taskset", "-c", "0", sys.executable, __file__, "--count", str(count), "--one-cpu-part", str(jobs)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
        figures[name] = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else {"error": done.stderr[-300:]}
    return figures


def one_cpu_part(count: int, jobs: int) -> None:
    import json

    chosen = jobs or usable_cpus()
    print(json.dumps({"jobs": chosen, "seconds": round(grade_copies(count, jobs=chosen), 2)}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=12)
    parser.add_argument("--one-cpu-part", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--only-one-cpu", action="store_true", help="measure only the one-CPU comparison")
    args = parser.parse_args()
    if args.one_cpu_part is not None:
        one_cpu_part(args.count, args.one_cpu_part)
        return 0
    if args.only_one_cpu:
        figures = one_cpu_comparison(args.count)
        merge("grade_one_cpu", figures)
        print(figures)
        return 0
    cores = usable_cpus()
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
        "sandbox_overhead_per_submission": sandbox_overhead(min(args.count, 10)),
        "one_cpu": one_cpu_comparison(args.count),
        "load_average_1min": round(os.getloadavg()[0], 2),  # other work on the machine slows this
    }
    merge("grade", figures)
    print(figures)
    return 0 if figures["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
