"""The ``campaign-lab`` command: one entry point for trainers, facilitators and CI.

Each subcommand lives in ``campaign_lab.commands.<name>`` and provides
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``. This
file only wires them together and turns errors into exit codes:
0 ok, 1 a notebook or check failed, 2 bad input.

Adding a command is one line in ``COMMANDS``. Every listed command is imported
to build ``--help`` (a missing one fails at once, never silently), so a
command module imports its heavy parts (pandas, nbgrader, the model) inside
``run`` or ``add_arguments``; ``add_arguments`` runs only for the command
being used.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from campaign_lab import __version__
from campaign_lab.errors import EXIT_BAD_INPUT, LabError

__all__ = ["COMMANDS", "build_parser", "main"]

# jsonschema (under nbformat, so under every notebook command) imports this
# optional IRI checker if it is installed; building its grammar takes more than
# a second per command, and no notebook or nbgrader file needs it.
sys.modules.setdefault("rfc3987_syntax", None)

# Order is the order shown in --help.
COMMANDS = (
    "start",
    "demo",
    "run",
    "release",
    "selfcheck",
    "data",
    "check-profile",
    "times",
    "model",
    "grade",
    "report",
    "hub",
    "docs",
)


def command_module(name: str):
    """The module of a command in ``COMMANDS``: ``campaign_lab.commands.<name>``."""
    return importlib.import_module("campaign_lab.commands." + name.replace("-", "_"))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # bad options exit 2 with one line, like argparse, minus noise
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


class _CommandParser(_Parser):
    """A subcommand's parser that asks its module for its options only when used."""

    def __init__(self, *args, module=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._module = module

    def _add_command_arguments(self) -> None:
        if self._module is not None:
            module, self._module = self._module, None
            module.add_arguments(self)

    def parse_known_args(self, args=None, namespace=None):
        self._add_command_arguments()
        return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        self._add_command_arguments()
        return super().format_usage()

    def format_help(self) -> str:
        self._add_command_arguments()
        return super().format_help()


def build_parser() -> argparse.ArgumentParser:
    """The ``campaign-lab`` parser, one subcommand per entry of ``COMMANDS``."""
    parser = _Parser(
        prog="campaign-lab",
        description="Run, release and grade the Campaign AI Lab course.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)
    for name in COMMANDS:
        module = command_module(name)
        command = sub.add_parser(name, help=module.HELP, description=module.__doc__, module=module)
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
