"""Grade submitted notebooks, each in its own sandbox, several at a time.

Give nbgrader's submitted folder (<trainee>/<assignment>/<notebook>.ipynb).
Every notebook runs in a sandbox without network, with a time and memory
limit, and without sight of the course's solutions, other trainees' work or
the gradebook. Scores go into the nbgrader gradebook (the formgrader shows
them) and into grades.csv; each trainee gets a feedback page per notebook that
never shows hidden tests. A notebook that loops, crashes or is not a notebook
gets a status saying so, and the rest of the batch goes on.
"""

from __future__ import annotations

import os
from pathlib import Path

from campaign_lab.errors import BadInput

HELP = "grade submitted notebooks in parallel, each in a sandbox; write grades.csv and feedback"


def add_arguments(parser) -> None:
    parser.add_argument("submitted", type=Path, metavar="SUBMITTED",
                        help="nbgrader's submitted folder: <trainee>/<assignment>/<notebook>.ipynb")
    parser.add_argument("--assignment", metavar="A", help="grade only this assignment, e.g. 00-start-here")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="notebooks run at once (default: one per core, %(default)s here)")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="where grades.csv and the feedback pages go (default: var/grades)")


def run(args) -> int:
    from tqdm import tqdm

    from campaign_lab import paths
    from campaign_lab.grading import autograde, sandbox

    if args.jobs < 1:
        raise BadInput(f"--jobs is {args.jobs}; give 1 or more notebooks at a time.")
    out_dir = args.out or paths.state_dir() / "grades"
    mechanism = sandbox.detect_mechanism()
    print(f"Sandbox: {mechanism.name} (each notebook runs in its own box, {args.jobs} at a time).")
    grades = autograde.grade_submissions(
        args.submitted, assignment=args.assignment, jobs=args.jobs, out_dir=out_dir, mechanism=mechanism,
        progress=lambda items, total, label: tqdm(items, total=total, desc=label, unit="notebook"),
    )
    for grade in grades:
        print(f"{grade.student:<20} {grade.notebook:<24} {grade.status.value:<15} "
              f"{grade.score:g}/{grade.max_score:g}  {grade.message}")
    print(autograde.summary(grades))
    print(f"Grades: {out_dir / 'grades.csv'}; feedback pages: {out_dir / 'feedback'}")
    return 0
