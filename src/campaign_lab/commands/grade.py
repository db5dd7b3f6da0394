"""Grade submitted notebooks, each in its own sandbox, several at a time.

Give nbgrader's submitted folder (<trainee>/<assignment>/<notebook>.ipynb).
Every notebook runs in a sandbox without network, with a time and memory
limit, and without sight of the course's solutions, other trainees' work or
the gradebook. Scores go into the nbgrader gradebook (the formgrader shows
them) and into grades.csv; each trainee gets a feedback page per notebook that
never shows hidden tests. A notebook that loops, crashes or is not a notebook
gets a status saying so, and the rest of the batch goes on.

Every limit is set in graders/nbgrader_config.py (``c.GradingLimits.*``) and
can be changed for one run with its flag; ``--dry-run`` prints the values in
force and grades nothing.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from campaign_lab.errors import BadInput

HELP = "grade submitted notebooks in parallel, each in a sandbox; write grades.csv and feedback"


def add_arguments(parser) -> None:
    from campaign_lab.grading.limits import GradingLimits

    parser.add_argument("submitted", type=Path, metavar="SUBMITTED", nargs="?",
                        help="nbgrader's submitted folder: <trainee>/<assignment>/<notebook>.ipynb")
    parser.add_argument("--assignment", metavar="A", help="grade only this assignment, e.g. 00-start-here")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="where grades.csv and the feedback pages go (default: var/grades)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar (it is also off in CI and when stderr is not a terminal)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the sandbox and the limits in force, then stop without grading")
    limits = parser.add_argument_group("limits (default: graders/nbgrader_config.py, c.GradingLimits)")
    for name, trait in GradingLimits.trait_flags().items():
        flag = "--" + name.replace("_", "-")
        if isinstance(trait.default_value, bool):
            limits.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=trait.help)
        else:
            limits.add_argument(flag, type=int, default=None, metavar="N", help=trait.help)


def _settings(args):
    """The limits of the course's nbgrader settings with this run's flags on top."""
    from campaign_lab import course
    from campaign_lab.grading.limits import GradingLimits

    overrides = {name: getattr(args, name) for name in GradingLimits.trait_flags()}
    return GradingLimits.from_config(course.nbgrader_config(), overrides)


def _print_settings(settings, mechanism) -> None:
    print(f"Sandbox: {mechanism.name}.")
    print("Limits in force (set in graders/nbgrader_config.py or by these flags):")
    for flag, value, _ in settings.describe(mechanism.isolates_network):
        print(f"  {flag:<16} {value}")


def run(args) -> int:
    from campaign_lab import paths
    from campaign_lab.grading import sandbox

    settings = _settings(args)
    mechanism = sandbox.detect_mechanism()
    if args.dry_run:
        _print_settings(settings, mechanism)
        return 0
    if args.submitted is None:
        raise BadInput("Give the submitted folder to grade, e.g. `campaign-lab grade submitted/`, "
                       "or --dry-run to see the limits.")
    return _grade(args, settings, mechanism, args.out or paths.state_dir() / "grades")


def _grade(args, settings, mechanism, out_dir: Path) -> int:
    from campaign_lab import progress
    from campaign_lab.grading import autograde

    jobs = settings.parallel_jobs()
    print(f"Sandbox: {mechanism.name} (each notebook runs in its own box, {jobs} at a time).")
    grades = autograde.grade_submissions(
        args.submitted, assignment=args.assignment, jobs=jobs, out_dir=out_dir, mechanism=mechanism,
        limits=settings.limits(),
        progress=lambda items, total, label: progress.bar(items, total, label, unit="notebook", quiet=args.quiet),
    )
    for grade in grades:
        print(f"{grade.student:<20} {grade.notebook:<24} {grade.status.value:<15} "
              f"{grade.score:g}/{grade.max_score:g}  {grade.message}")
    print(autograde.summary(grades))
    print(f"Grades: {out_dir / 'grades.csv'}; feedback pages: {out_dir / 'feedback'}")
    return 0
