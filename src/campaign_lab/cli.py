"""The ``campaign-lab`` command: one entry point for trainers, facilitators and CI.

Each subcommand lives in ``campaign_lab.commands.<name>`` and provides
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``. This
file only wires them together and turns errors into exit codes:
0 ok, 1 a notebook or check failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from campaign_lab.errors import EXIT_BAD_INPUT, LabError

# jsonschema (under nbformat, so under every notebook command) imports this
# optional IRI checker if it is installed; building its grammar takes more than
# a second per command, and no notebook or nbgrader file needs it.
sys.modules.setdefault("rfc3987_syntax", None)

# Order is the order shown in --help.
COMMANDS = (
    "start",
    "run",
    "release",
    "selfcheck",
    "data",
    "check-profile",
    "model",
    "grade",
    "report",
    "hub",
)


def _load(name: str):
    module_name = "campaign_lab.commands." + name.replace("-", "_")
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            return None  # not built yet: leave it out of the menu
        raise


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # bad options exit 2 with one line, like argparse, minus noise
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="campaign-lab",
        description="Run, release and grade the Campaign AI Lab course.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        module = _load(name)
        if module is None:
            continue
        command = sub.add_parser(name, help=module.HELP, description=module.__doc__)
        module.add_arguments(command)
        command.set_defaults(handler=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        return int(args.handler(args) or 0)
    except LabError as error:
        print(f"campaign-lab {args.command}: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"campaign-lab {args.command}: interrupted.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
