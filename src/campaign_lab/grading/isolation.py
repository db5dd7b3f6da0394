"""The pieces every grading box is made of: bubblewrap and setpriv command lines,
dedicated user ids, ``pids`` control groups, resource limits, a clean environment,
capped pipes and a careful copy out of the box.

Both kinds of box (:mod:`.sandbox`'s one-shot box and :mod:`.warm_box`) build on
these; neither reaches into the other.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import resource
import shutil
import signal
import stat
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from campaign_lab.grading.limits import MiB, Limits
from campaign_lab.resources import kill_until_empty

#: Where the working folder appears inside a bubblewrap box.
BOX_WORKDIR = "/submission"
#: First user id used for sandboxed runs when the grader is root; job N uses BASE + N.
SANDBOX_UID_BASE = int(os.environ.get("CAMPAIGN_LAB_SANDBOX_UID", "64000"))
MAX_PARALLEL_SLOTS = 256


def is_root() -> bool:
    return os.geteuid() == 0


def python_dirs() -> list[Path]:
    """Folders the sandboxed Python needs: its installation, the venv, this package."""
    package_dir = Path(__file__).resolve().parents[1]
    candidates = [
        Path(sys.base_prefix),
        Path(sys.prefix),
        Path(sys.executable).resolve().parent.parent,
        package_dir,
    ]
    return outermost(path.resolve() for path in candidates if path.exists())


def outermost(paths) -> list[Path]:
    """Drop every path that lies inside another one of ``paths``."""
    kept: list[Path] = []
    for path in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(parent) for parent in kept):
            kept.append(path)
    return kept


def bwrap_system_args() -> list[str]:
    """Read-only system folders, copying how /bin and /lib are laid out here."""
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        path = Path(name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            args += ["--ro-bind", name, name]
    return args


def bwrap_bind_args(paths: Sequence[Path]) -> list[str]:
    """Bind ``paths`` read-only, creating their parents world-traversable."""
    args: list[str] = []
    made: set[Path] = {Path("/"), Path("/usr"), Path("/etc"), Path("/tmp"), Path("/dev")}  # already in the box
    for path in paths:
        if path.is_relative_to("/usr") or path.is_relative_to("/etc"):
            continue
        for parent in reversed(path.parents):
            if parent not in made:
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        args += ["--ro-bind", str(path), str(path)]
    return args


def bwrap_prefix(workdir: Path, limits: Limits, readable: Sequence[Path] = ()) -> list[str]:
    """The bubblewrap command line up to ``--``, for a box around ``workdir``."""
    tmp_bytes = str(max(limits.file_bytes, 16 * MiB))
    args = [
        "bwrap",
        "--unshare-pid", *([] if limits.network else ["--unshare-net"]), "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--hostname", "sandbox",
        "--die-with-parent", "--new-session",
        *bwrap_system_args(),
        "--proc", "/proc", "--dev", "/dev",
        "--perms", "1777", "--size", tmp_bytes, "--tmpfs", "/tmp",
        "--perms", "1777", "--size", tmp_bytes, "--tmpfs", "/dev/shm",
        # After the tmpfs mounts, so a course kept under /tmp is not hidden by them.
        *bwrap_bind_args(outermost([*python_dirs(), *(Path(p).resolve() for p in readable)])),
        "--bind", str(workdir), BOX_WORKDIR, "--chdir", BOX_WORKDIR,
    ]
    if is_root():
        # setpriv inside the box switches to the dedicated user, then drops these too.
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return args + ["--"]


def setpriv_prefix(uid: int) -> list[str]:
    return [
        "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--",
    ]



@contextlib.contextmanager
def user_slot() -> Iterator[int]:
    """Reserve a dedicated user id for one run, shared by no concurrent run."""
    lock_dir = Path(tempfile.gettempdir()) / "campaign-lab-sandbox-slots"
    lock_dir.mkdir(mode=0o700, exist_ok=True)
    for slot in range(MAX_PARALLEL_SLOTS):
        handle = open(lock_dir / f"{slot}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        try:
            yield SANDBOX_UID_BASE + slot
        finally:
            handle.close()
        return
    raise RuntimeError(f"all {MAX_PARALLEL_SLOTS} sandbox slots are busy")


class PidsCgroup:
    """A ``pids`` control group that caps and, at the end, kills a run's processes."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def create(cls, max_processes: int) -> PidsCgroup | None:
        """Make a new group under our own, or return None where that is not allowed."""
        parent = own_pids_cgroup()
        if parent is None:
            return None
        path = parent / f"campaign-lab-{uuid.uuid4().hex[:12]}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(max_processes))
        except OSError:
            with contextlib.suppress(OSError):
                path.rmdir()
            return None
        return cls(path)

    def join(self) -> None:
        """Move the calling process into the group (called in the child before exec)."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def kill_all(self) -> None:
        kill_until_empty(lambda: [int(p) for p in (self.path / "cgroup.procs").read_text().split()])

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            self.kill_all()
            self.path.rmdir()


def own_pids_cgroup() -> Path | None:
    """Our own cgroup folder holding the ``pids`` controller (v1 or v2), if writable."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, relative = line.split(":", 2)
            if "pids" in controllers.split(","):
                base = Path("/sys/fs/cgroup/pids")
            elif controllers == "" and v2_has_pids(relative):
                base = Path("/sys/fs/cgroup")
            else:
                continue
            path = base / relative.lstrip("/")
            if os.access(path, os.W_OK):
                return path
    return None


def v2_has_pids(relative: str) -> bool:
    control = Path("/sys/fs/cgroup") / relative.lstrip("/") / "cgroup.subtree_control"
    with contextlib.suppress(OSError):
        return "pids" in control.read_text().split()
    return False


def tasks_of_user(uid: int) -> int:
    """How many processes and threads ``uid`` runs now (Linux counts both for RLIMIT_NPROC)."""
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                count += int(fields.get("Threads", "1"))
    return count


def kill_user(uid: int) -> None:
    """SIGKILL every process that runs as the dedicated ``uid`` (never the grader's own)."""
    if uid == os.getuid():
        return
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError, ValueError, KeyError):
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                os.kill(int(status.parent.name), signal.SIGKILL)


def rlimits(limits: Limits, process_budget: int) -> list[tuple[int, int]]:
    return [
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_NPROC, process_budget),
        (resource.RLIMIT_FSIZE, limits.file_bytes),
        (resource.RLIMIT_CORE, 0),
    ]


def make_preexec(rlimits: list[tuple[int, int]], cgroup: PidsCgroup | None):
    """Return the function the child runs before exec: join the cgroup, set the limits."""

    def preexec() -> None:
        if cgroup is not None:
            cgroup.join()
        for which, value in rlimits:
            resource.setrlimit(which, (value, value))

    return preexec


# --------------------------------------------------------------------------
# Running a command


def box_environment(workdir: str) -> dict[str, str]:
    """A clean environment: none of the grader's variables (keys, tokens) leak in."""
    venv_bin = str(Path(sys.executable).parent)
    course_root = {"CAMPAIGN_LAB_ROOT": os.environ["CAMPAIGN_LAB_ROOT"]} if os.environ.get("CAMPAIGN_LAB_ROOT") else {}
    return {
        **course_root,  # where the course's data is, never a secret
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": "/tmp" if workdir == BOX_WORKDIR else f"{workdir}/tmp",
        "LANG": "C.UTF-8",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "JUPYTER_RUNTIME_DIR": f"{workdir}/.rt",
        "JUPYTER_PLATFORM_DIRS": "1",
        "MPLCONFIGDIR": f"{workdir}/.matplotlib",
        "MPLBACKEND": "Agg",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


class CappedReader(threading.Thread):
    """Drain a pipe so the child never blocks, keeping at most ``cap`` bytes."""

    def __init__(self, stream, cap: int):
        super().__init__(daemon=True)
        self.stream, self.cap = stream, cap
        self.chunks: list[bytes] = []
        self.kept = 0
        self.truncated = False

    def run(self) -> None:
        for chunk in iter(lambda: self.stream.read(65536), b""):
            room = self.cap - self.kept
            if len(chunk) > room:
                self.truncated = True
                chunk = chunk[: max(room, 0)]
            self.chunks.append(chunk)
            self.kept += len(chunk)

    def text(self) -> str:
        return b"".join(self.chunks).decode("utf-8", errors="replace")


def copy_in(files: Mapping[str, Path], folder: Path, owner: int | None = None) -> None:
    """Copy ``files`` (name inside the box -> file or folder) into ``folder``, owned by ``owner`` if given."""
    for name, source in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if Path(source).is_dir():
            shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)
    if owner is not None:
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, owner, owner, follow_symlinks=False)


def copy_out(source: Path, target: Path, cap: int) -> bool:
    """Copy a file the box wrote, refusing links, non-files and anything larger than ``cap``."""
    try:
        descriptor = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False  # missing, or a symbolic link planted to read a file outside
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > cap:
            return False
        data = handle.read(cap + 1)
    if len(data) > cap:
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return True

