"""Grade the sources (must score full marks) and the releases (must run and score zero).

Works on a temporary copy of the course: the real gradebook is not touched.
Prints a table and exits 1 if any module differs from what is expected.
"""

from __future__ import annotations

from campaign_lab import course
from campaign_lab.errors import EXIT_FAILED, EXIT_OK

HELP = "round-trip check: sources score full marks, releases score zero"


def add_arguments(parser) -> None:
    parser.add_argument("--notebooks", metavar="LIST", help="comma-separated module numbers or names (default: all)")


def run(args) -> int:
    results = course.selfcheck(args.notebooks)
    print(course.format_selfcheck(results))
    return EXIT_OK if all(r.ok for r in results) else EXIT_FAILED
