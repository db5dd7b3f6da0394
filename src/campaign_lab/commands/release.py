"""Generate the student version of every module (nbgrader generate_assignment) into release/."""

from __future__ import annotations

from campaign_lab import course, paths

HELP = "generate the student versions of the notebooks into release/"


def add_arguments(parser) -> None:
    parser.add_argument("--notebooks", metavar="LIST", help="comma-separated module numbers or names (default: all)")


def run(args) -> int:
    for path in course.release(args.notebooks):
        print(f"released {path.relative_to(paths.project_root())}")
    return 0
