"""Memory, CPU and process limits for one trainee's server, enforced by a control group.

JupyterHub's ``LocalProcessSpawner`` ignores ``mem_limit`` and ``cpu_limit``
(it only passes them on as ``MEM_LIMIT`` and ``CPU_LIMIT``). Here each server,
and every kernel and process it starts, runs in a control group of its own:

* cgroup v2: one folder with ``memory.max``, ``cpu.max`` and ``pids.max``;
* cgroup v1: a folder per controller (``memory.limit_in_bytes``,
  ``cpu.cfs_quota_us``, ``pids.max``).

Past the memory limit the kernel's out-of-memory killer stops the biggest
process of that trainee (their kernel), never anyone else's; past the
process limit ``fork`` fails for that trainee only. Where no control group
can be made (no write access to the cgroup file system, a controller not
delegated), :meth:`Cgroup.create` returns None and says why in one log line.

The defaults come from what this machine may really use
(:mod:`campaign_lab.resources`); set ``CAMPAIGN_LAB_HUB_MEM_LIMIT`` (``2G``,
``512M``), ``CAMPAIGN_LAB_HUB_CPU_LIMIT`` (cores, ``1.5``) and
``CAMPAIGN_LAB_HUB_PIDS_LIMIT`` to choose yourself.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from campaign_lab import resources
from campaign_lab.errors import BadInput

log = logging.getLogger(__name__)

MiB = 1024 * 1024
GiB = 1024 * MiB
CGROUP_ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("memory", "cpu", "pids")
CPU_PERIOD_US = 100_000
DEFAULT_TASKS = 512  # a server and a few kernels use 60-150 threads; a fork bomb stops here


def parse_size(text: str) -> int:
    """``"2G"`` -> bytes (K, M, G, T are powers of 1024).

    Examples
    --------
    >>> parse_size("512M") == 512 * MiB
    True
    >>> parse_size("1.5G") == 3 * GiB // 2
    True
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*", text, re.IGNORECASE)
    if not match:
        raise BadInput(f"{text!r} is not a size: write it like 2G or 512M.")
    power = " KMGT".index(match.group(2).upper() or " ")
    return int(float(match.group(1)) * 1024 ** power)


@dataclass(frozen=True)
class Limits:
    """What one trainee's server, with everything it starts, may use."""

    memory_bytes: int
    cpus: float
    max_tasks: int

    @classmethod
    def default(cls) -> Limits:
        """A quarter of the usable memory (at most 2 GiB, at least 512 MiB), half the CPUs (at least 1).

        One trainee cannot starve the room; most trainees use far less (see docs/jupyterhub.md).
        """
        memory = min(2 * GiB, max(512 * MiB, resources.usable_memory_bytes() // 4))
        return cls(memory, max(1.0, resources.usable_cpus() / 2), DEFAULT_TASKS)

    @classmethod
    def from_environment(cls) -> Limits:
        default = cls.default()
        memory = os.environ.get("CAMPAIGN_LAB_HUB_MEM_LIMIT", "").strip()
        cpus = os.environ.get("CAMPAIGN_LAB_HUB_CPU_LIMIT", "").strip()
        tasks = os.environ.get("CAMPAIGN_LAB_HUB_PIDS_LIMIT", "").strip()
        try:
            return cls(parse_size(memory) if memory else default.memory_bytes,
                       float(cpus) if cpus else default.cpus,
                       int(tasks) if tasks else default.max_tasks)
        except ValueError:
            raise BadInput(f"CAMPAIGN_LAB_HUB_CPU_LIMIT ({cpus!r}) and CAMPAIGN_LAB_HUB_PIDS_LIMIT "
                           f"({tasks!r}) must be numbers.") from None

    def describe(self) -> str:
        return f"{self.memory_bytes / GiB:.2g} GiB memory, {self.cpus:g} CPUs, {self.max_tasks} processes"


# --------------------------------------------------------------------------
# Where control groups live on this machine


def _own_groups() -> dict[str, str]:
    """Controller (or "" for v2) -> our group's path, from /proc/self/cgroup."""
    groups = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, relative = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            groups[controller] = relative.lstrip("/")
    return groups


def _v1_parents() -> dict[str, Path] | None:
    """Each controller's folder holding our group, if all three are v1 hierarchies."""
    groups = _own_groups()
    parents = {}
    for controller in CONTROLLERS:
        mount = CGROUP_ROOT / controller
        if controller not in groups or not (mount / "cgroup.procs").exists():
            return None
        parents[controller] = mount / groups[controller]
    return parents


def _v2_parent() -> Path | None:
    """Our v2 group's folder, if it is a v2 hierarchy holding all three controllers."""
    groups = _own_groups()
    if "" not in groups or not (CGROUP_ROOT / "cgroup.subtree_control").exists():
        return None
    path = CGROUP_ROOT / groups[""]
    available = (path / "cgroup.controllers").read_text().split()
    return path if set(CONTROLLERS) <= set(available) else None


def _v2_delegate(parent: Path) -> None:
    """Let the groups under ``parent`` use the three controllers."""
    enabled = (parent / "cgroup.subtree_control").read_text().split()
    missing = [c for c in CONTROLLERS if c not in enabled]
    if missing:
        (parent / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in missing))


def _v2_move_hub_to_leaf(hub_folder: Path) -> None:
    """Move this process (the hub) into a leaf of its own, so its old group may hold groups."""
    leaf = hub_folder / "hub"
    leaf.mkdir(exist_ok=True)
    (leaf / "cgroup.procs").write_text(str(os.getpid()))


class Cgroup:
    """One trainee's control group: a folder per v1 controller, or one v2 folder."""

    def __init__(self, folders: list[Path]):
        self.folders = folders

    @classmethod
    def create(cls, name: str, limits: Limits) -> Cgroup | None:
        """Make (or reuse) the group ``name`` with ``limits``; None, logged, where that is not possible."""
        try:
            group = cls._make(name, limits)
        except OSError as error:
            log.warning("No per-trainee limits for %s: cannot make a control group here (%s). Memory, CPU "
                        "and process limits are NOT enforced; run the hub as root on a machine with cgroups.",
                        name, error.strerror or error)
            return None
        if group is None:
            log.warning("No per-trainee limits for %s: this machine's control groups lack the memory, cpu "
                        "or pids controller. Memory, CPU and process limits are NOT enforced.", name)
        return group

    @classmethod
    def _make(cls, name: str, limits: Limits) -> Cgroup | None:
        folder_name = f"campaign-lab-{name}"
        v1 = _v1_parents()
        if v1 is not None:
            folders = {controller: parent / folder_name for controller, parent in v1.items()}
            for folder in folders.values():
                folder.mkdir(exist_ok=True)
            (folders["memory"] / "memory.limit_in_bytes").write_text(str(limits.memory_bytes))
            (folders["cpu"] / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
            (folders["cpu"] / "cpu.cfs_quota_us").write_text(str(math.ceil(limits.cpus * CPU_PERIOD_US)))
            (folders["pids"] / "pids.max").write_text(str(limits.max_tasks))
            return cls(list(folders.values()))
        parent = _v2_parent()
        if parent is None:
            return None
        # v2 puts processes only in leaves: the groups go in a folder of their own beside the hub.
        hub_folder = parent / "campaign-lab-hub"
        hub_folder.mkdir(exist_ok=True)
        try:
            _v2_delegate(parent)
        except OSError as error:
            if error.errno != errno.EBUSY:
                raise
            _v2_move_hub_to_leaf(hub_folder)  # the hub's own group held processes: the hub moves out
            _v2_delegate(parent)
        _v2_delegate(hub_folder)
        folder = hub_folder / folder_name
        folder.mkdir(exist_ok=True)
        (folder / "memory.max").write_text(str(limits.memory_bytes))
        (folder / "memory.swap.max").exists() and (folder / "memory.swap.max").write_text("0")
        (folder / "cpu.max").write_text(f"{math.ceil(limits.cpus * CPU_PERIOD_US)} {CPU_PERIOD_US}")
        (folder / "pids.max").write_text(str(limits.max_tasks))
        return cls([folder])

    def join(self) -> None:
        """Move the calling process in (called in the server's process before it becomes the trainee)."""
        for folder in self.folders:
            (folder / "cgroup.procs").write_text(str(os.getpid()))

    def pids(self) -> set[int]:
        found: set[int] = set()
        for folder in self.folders:
            with contextlib.suppress(OSError):
                found |= {int(pid) for pid in (folder / "cgroup.procs").read_text().split()}
        return found

    def kill_all(self) -> None:
        """SIGKILL every process left in the group (kernels, forks), for at most a second."""
        resources.kill_until_empty(self.pids)

    def remove(self) -> None:
        self.kill_all()
        for folder in self.folders:
            with contextlib.suppress(OSError):
                folder.rmdir()

    def memory_peak(self) -> int | None:
        """The most memory the group has used, in bytes (for sizing), if the kernel says."""
        for folder in self.folders:
            for name in ("memory.peak", "memory.max_usage_in_bytes"):
                with contextlib.suppress(OSError, ValueError):
                    return int((folder / name).read_text())
        return None
