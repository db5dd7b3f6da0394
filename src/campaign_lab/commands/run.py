"""Execute source notebooks top to bottom with papermill and write the executed copies.

Prints one line per notebook (name, seconds, ok/failed). Exit code 0 when all
ran, 1 when one failed (named with its cell), 2 for a bad notebook name or
profile.
"""

from __future__ import annotations

from pathlib import Path

from campaign_lab import runner
from campaign_lab.errors import EXIT_FAILED, EXIT_OK

HELP = "execute source notebooks with papermill (in process) into a build folder"


def add_arguments(parser) -> None:
    parser.add_argument("--profile", metavar="FILE", help="context profile: a shipped name or a YAML file (default: default)")
    parser.add_argument("--notebooks", metavar="LIST", help="comma-separated module numbers or names, e.g. 00,03 (default: all)")
    parser.add_argument("--out", metavar="DIR", type=Path, help="folder for executed notebooks (default: build/)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds a single cell may take (default: 600)")


def run(args) -> int:
    runs = runner.run_notebooks(args.notebooks, args.profile, args.out, report=lambda r: print(r.line(), flush=True), timeout=args.timeout)
    failed = [r for r in runs if not r.ok]
    for r in failed:
        print(f"{r.module} failed at cell {r.failed_cell}: {r.error}")
    return EXIT_FAILED if failed else EXIT_OK
