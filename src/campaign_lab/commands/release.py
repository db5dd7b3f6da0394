"""Generate the student version of every module (nbgrader generate_assignment) into release/."""

from __future__ import annotations

from campaign_lab import course, paths, progress

HELP = "generate the student versions of the notebooks into release/"


def add_arguments(parser) -> None:
    parser.add_argument("--notebooks", metavar="LIST", help="comma-separated module numbers or names (default: all)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar (it is also off in CI and when stderr is not a terminal)")


def run(args) -> int:
    total = len(course.select_modules(args.notebooks))
    with progress.bar(total=total, description="Releasing notebooks", unit="notebook", quiet=args.quiet) as steps:
        def report(path) -> None:
            progress.echo(f"released {path.relative_to(paths.project_root())}")
            steps.update()

        course.release(args.notebooks, report=report)
    return 0
