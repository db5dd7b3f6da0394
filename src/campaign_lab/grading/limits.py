"""Every limit a grading box puts on a submission, as nbgrader-style settings.

:class:`GradingLimits` is a traitlets ``Configurable``: each limit is a trait
with its help text, set in ``graders/nbgrader_config.py``
(``c.GradingLimits.wall_seconds = 600``) and overridden by the flags of
``campaign-lab grade`` (``--wall-seconds 600``). :class:`Limits` is the
plain, frozen value the boxes use, made from it with
:meth:`GradingLimits.limits`.

Examples
--------
>>> GradingLimits(memory_mib=1024).limits().memory_bytes == 1024 * MiB
True
"""

from __future__ import annotations

from dataclasses import dataclass

from traitlets import Bool, Integer, TraitError
from traitlets.config import Configurable

from campaign_lab.errors import BadInput

MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True)
class Limits:
    """Resource limits for one sandboxed run.

    Examples
    --------
    >>> Limits(wall_seconds=60, memory_bytes=1 * GiB).max_processes
    64
    """

    wall_seconds: float = 600.0
    cell_seconds: float = 120.0
    cpu_seconds: int = 600
    memory_bytes: int = 3 * GiB
    max_processes: int = 64
    file_bytes: int = 64 * MiB
    output_bytes: int = 8 * MiB
    network: bool = False


class GradingLimits(Configurable):
    """The limits of ``campaign-lab grade``: one trait per limit, each a flag of the command."""

    wall_seconds = Integer(600, min=1, help=(
        "Seconds a whole notebook may run; then it and everything it started are killed "
        "and its status is timed_out.")).tag(config=True)
    cell_seconds = Integer(120, min=1, help=(
        "Seconds one cell may run before it is interrupted (the course sets it to "
        "nbgrader's Execute.timeout); later cells still run.")).tag(config=True)
    cpu_seconds = Integer(600, min=1, help="CPU seconds a notebook may use in all (RLIMIT_CPU).").tag(config=True)
    memory_mib = Integer(3072, min=64, help=(
        "Memory a notebook may ask for, in MiB (its address space, RLIMIT_AS); past it the "
        "status is out_of_memory.")).tag(config=True)
    max_processes = Integer(64, min=8, help=(
        "Processes and threads a notebook may run at once; stops a fork bomb "
        "(RLIMIT_NPROC, and a pids control group when grading as root).")).tag(config=True)
    file_mib = Integer(64, min=1, help=(
        "Largest file a notebook may write, in MiB (RLIMIT_FSIZE); also the size of the "
        "box's /tmp.")).tag(config=True)
    output_mib = Integer(8, min=1, help=(
        "Output a notebook may print, and size of the executed notebook kept, in MiB; "
        "the rest is cut with a note.")).tag(config=True)
    network = Bool(False, help=(
        "Let submissions reach the network. Off (the default) they have none: no internet, "
        "no loopback services of the grader's machine.")).tag(config=True)
    jobs = Integer(0, min=0, help=(
        "Notebooks graded at once; 0 means one per CPU this process may use "
        "(campaign_lab.resources.usable_cpus()).")).tag(config=True)

    def limits(self) -> Limits:
        """The limits of one sandboxed run."""
        return Limits(
            wall_seconds=float(self.wall_seconds), cell_seconds=float(self.cell_seconds),
            cpu_seconds=self.cpu_seconds, memory_bytes=self.memory_mib * MiB,
            max_processes=self.max_processes, file_bytes=self.file_mib * MiB,
            output_bytes=self.output_mib * MiB, network=self.network,
        )

    def parallel_jobs(self) -> int:
        """How many notebooks run at once: ``jobs``, or one per usable CPU."""
        from campaign_lab.resources import usable_cpus

        return self.jobs or usable_cpus()

    @classmethod
    def trait_flags(cls) -> dict[str, object]:
        """``{name: trait}`` of every configurable limit, in the order they are declared."""
        return {name: trait for name, trait in cls.class_traits(config=True).items()}

    @classmethod
    def from_config(cls, config, overrides: dict | None = None) -> GradingLimits:
        """The limits ``config`` sets, with ``overrides`` (flag values, None = not given) on top.

        Raises
        ------
        BadInput
            If a value is out of range (``--memory-mib 1``, say).
        """
        settings = cls(config=config)
        for name, value in (overrides or {}).items():
            if value is None:
                continue
            try:
                setattr(settings, name, value)
            except TraitError:
                trait = cls.class_traits()[name]
                raise BadInput(f"--{name.replace('_', '-')} is {value}; give a number of at least "
                               f"{trait.min}.") from None
        return settings

    def describe(self, isolates_network: bool = True) -> list[tuple[str, str, str]]:
        """``(flag, effective value, help)`` for each limit, as ``grade --dry-run`` prints them.

        ``isolates_network``: whether this machine's sandbox can switch the network off.
        """
        rows = []
        for name, trait in self.trait_flags().items():
            value = getattr(self, name)
            if name == "jobs":
                value = f"{self.parallel_jobs()}" + (" (one per usable CPU)" if not self.jobs else "")
            elif name == "network":
                value = "on" if value else "off" if isolates_network else (
                    "on (this machine's sandbox cannot switch it off)")
            rows.append((f"--{name.replace('_', '-')}", str(value), trait.help))
        return rows
