"""How much of this computer the course may use: CPUs and memory.

On a laptop that is the whole machine. On a Binder or JupyterHub pod, or in a
container, it is much less than the machine reports: a pod limited to one CPU
on a 64-core node still sees 64 cores in ``os.cpu_count()``. Sizing model
threads, grading jobs or build parallelism from that number oversubscribes the
CPU and makes everything slower. These functions read the real limits:

* CPUs: the processor affinity and the cgroup (v1 or v2) CPU quota, through
  joblib's ``cpu_count`` (loky), and ``CPU_LIMIT`` as JupyterHub's spawners
  and Binder set it;
* memory: the cgroup memory limit, ``MEM_LIMIT`` as JupyterHub and Binder set
  it, and the memory the machine has.

``kill_until_empty`` empties a control group the course made (a grading run's,
a trainee's) when its work is over.

Examples
--------
>>> usable_cpus() >= 1
True
>>> usable_memory_bytes() > 0
True
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import time
from collections.abc import Callable, Iterable
from pathlib import Path

__all__ = ["usable_cpus", "usable_memory_bytes", "describe", "kill_until_empty"]

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _env_number(name: str) -> float | None:
    """A positive number from the environment, or None (unset, empty or not a number)."""
    try:
        value = float(os.environ.get(name, "") or "nan")
    except ValueError:
        return None
    return value if value > 0 and math.isfinite(value) else None


def usable_cpus() -> int:
    """Return how many CPUs this process may keep busy (at least 1).

    The smallest of: the CPUs the process may run on (affinity), the cgroup
    CPU quota rounded up, and ``CPU_LIMIT`` rounded up.

    Examples
    --------
    >>> usable_cpus() <= (os.cpu_count() or 1)
    True
    """
    from joblib.externals.loky import cpu_count  # affinity and cgroup v1/v2 quotas

    counts = [cpu_count(only_physical_cores=False)]
    limit = _env_number("CPU_LIMIT")
    if limit is not None:
        counts.append(math.ceil(limit))
    return max(1, min(counts))


def _cgroup_memory_limit(root: Path = CGROUP_ROOT, membership: Path = Path("/proc/self/cgroup")) -> int | None:
    """The memory limit of this process's cgroup in bytes, or None if there is none.

    ``membership`` is the file naming this process's cgroups (one line per
    hierarchy, ``0::/path`` for cgroup v2).
    """
    candidates = [root / "memory.max", root / "memory" / "memory.limit_in_bytes"]  # v2, v1
    try:
        for line in membership.read_text().splitlines():
            hierarchy, controllers, path = line.split(":", 2)
            if hierarchy == "0":  # cgroup v2: one unified tree
                candidates.insert(0, root / path.lstrip("/") / "memory.max")
            elif "memory" in controllers.split(","):
                candidates.insert(0, root / "memory" / path.lstrip("/") / "memory.limit_in_bytes")
    except (OSError, ValueError):
        pass
    for candidate in candidates:
        try:
            text = candidate.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 2**60:  # v1 writes a huge number for "no limit"
            return int(text)
    return None


def usable_memory_bytes() -> int:
    """Return how much memory this process and its children may use, in bytes.

    The smallest of: the machine's total memory, the cgroup memory limit,
    ``MEM_LIMIT`` (bytes, as JupyterHub sets it) and, under an address-space
    limit (``RLIMIT_AS``, as the grading sandbox sets), what is left of it.

    Examples
    --------
    >>> usable_memory_bytes() > 2**20
    True
    """
    import psutil

    limits = [psutil.virtual_memory().total]
    cgroup = _cgroup_memory_limit()
    if cgroup:
        limits.append(cgroup)
    env = _env_number("MEM_LIMIT")
    if env is not None:
        limits.append(int(env))
    address_space = _address_space_left()
    if address_space is not None:
        limits.append(address_space)
    return min(limits)


def _address_space_left() -> int | None:
    """Bytes of address space this process may still map under RLIMIT_AS, or None without that limit."""
    import resource

    import psutil

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    return max(soft - psutil.Process().memory_info().vms, 0)


def describe() -> str:
    """One line for people and logs: the CPUs and memory the course may use.

    Examples
    --------
    >>> "CPU" in describe()
    True
    """
    memory = usable_memory_bytes() / 2**30
    return f"{usable_cpus()} CPU(s) and {memory:.1f} GiB of memory usable (of {os.cpu_count()} CPUs on the machine)"


def kill_until_empty(members: Callable[[], Iterable[int]], tries: int = 50, pause: float = 0.02) -> None:
    """SIGKILL every process ``members()`` lists, again and again (forks keep coming), for at most ``tries`` rounds."""
    for _ in range(tries):
        pids = list(members())
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(pause)
