"""The one interface every grading box implements, and the registry of box kinds.

A box executes notebooks in isolation. Whatever it is made of, it is used
the same way (as papermill's engines are)::

    box = boxes.create("warm", limits, readable=[datasets], preload=["pandas"]).start()
    try:
        result = box.run({"submission.ipynb": path}, executor_args)
        box.copy_out("executed.ipynb", out_dir / "executed.ipynb")
    finally:
        box.stop()

``run`` executes :mod:`.notebook_executor` on a fresh copy of the files and
returns a :class:`CommandResult`; ``copy_out`` copies a file that run left in
its working folder (never a link, a device or anything over the output cap).

Two kinds are registered: ``cold`` (:class:`.sandbox.ColdBox`, a new box and a
new Python for one notebook) and ``warm`` (:class:`.warm_box.WarmBox`, one box
with the libraries loaded, a fresh fork per notebook). Another kind (a
container, a remote machine) registers itself with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from campaign_lab.errors import BadInput
from campaign_lab.grading.limits import Limits


@dataclass
class CommandResult:
    """What one run in a box did: its exit code, whether it was killed at the time limit, its output."""

    returncode: int | None
    timed_out: bool
    stdout: str
    stderr: str
    output_truncated: bool
    seconds: float
    mechanism: str


@runtime_checkable
class Box(Protocol):
    """Start, run, copy out, stop: what grading needs of a box."""

    kind: str
    limits: Limits

    def start(self) -> Box:
        """Make the box ready; raise :class:`BoxUnavailable` if it cannot start here."""

    def run(self, files: Mapping[str, Path], executor_args: Sequence[str],
            limits: Limits | None = None) -> CommandResult:
        """Execute the notebook executor with ``executor_args`` on a fresh copy of ``files``.

        ``limits`` apply to this run (default: the box's own).
        """

    def copy_out(self, name: str, target: Path) -> bool:
        """Copy file ``name`` of the last run to ``target``; False if it is missing or refused."""

    def stop(self) -> None:
        """Kill everything the box started and remove its files; safe to call twice."""

    @property
    def alive(self) -> bool:
        """True while the box can run another notebook."""


class BoxUnavailable(RuntimeError):
    """A box could not start here; the reason is the message."""


class BoxLifecycle:
    """``with box.start() as box:`` for any box: leaving the block stops it."""

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


_KINDS: dict[str, type] = {}


def register(kind: str, box_class: type) -> type:
    """Make ``box_class`` (constructed as ``box_class(limits, readable=, mechanism=, preload=)``) the box ``kind``."""
    box_class.kind = kind
    _KINDS[kind] = box_class
    return box_class


def kinds() -> list[str]:
    """The registered box kinds.

    Examples
    --------
    >>> from campaign_lab.grading import sandbox, warm_box
    >>> kinds()
    ['cold', 'warm']
    """
    return sorted(_KINDS)


def create(kind: str, limits: Limits, *, readable: Sequence[Path] = (), mechanism=None,
           preload: Sequence[str] = ()) -> Box:
    """A new, not yet started box of ``kind``.

    Raises
    ------
    BadInput
        If no box of that kind is registered.
    """
    if kind not in _KINDS:
        raise BadInput(f"There is no grading box '{kind}'; use one of {', '.join(kinds())}.")
    return _KINDS[kind](limits, readable=readable, mechanism=mechanism, preload=preload)
