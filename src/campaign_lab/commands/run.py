"""Execute source notebooks top to bottom with papermill and write the executed copies.

Prints one line per notebook (name, seconds, ok/failed). A notebook that
fails is kept as far as it ran, as <name>.failed.ipynb in the same folder,
with the failing cell marked. Exit code 0 when all ran, 1 when one failed
(named with its cell, on stderr), 2 for a bad notebook name or profile.
"""

from __future__ import annotations

import sys
from pathlib import Path

from campaign_lab.errors import EXIT_FAILED, EXIT_OK

HELP = "execute source notebooks with papermill (in process) into a build folder"


def add_arguments(parser) -> None:
    parser.add_argument("--profile", metavar="FILE", help="context profile: a shipped name or a YAML file (default: default)")
    parser.add_argument("--notebooks", metavar="LIST", help="comma-separated module numbers or names, e.g. 00,03 (default: all)")
    parser.add_argument("--out", metavar="DIR", type=Path, help="folder for executed notebooks (default: build/)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds a single cell may take (default: 600)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar (it is also off in CI and when stderr is not a terminal)")


def run(args) -> int:
    from campaign_lab import course, progress, runner  # papermill and pydantic: only for this command

    total = len(course.select_modules(args.notebooks))
    with progress.bar(total=total, description="Running notebooks", unit="notebook", quiet=args.quiet) as steps:
        def report(done) -> None:
            progress.echo(done.line())
            steps.update()

        runs = runner.run_notebooks(args.notebooks, args.profile, args.out, report=report, timeout=args.timeout)
    failed = [r for r in runs if not r.ok]
    for r in failed:
        print(r.failure(), file=sys.stderr)
    return EXIT_FAILED if failed else EXIT_OK
