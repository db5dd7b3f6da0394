"""Run one untrusted command -- usually one trainee's notebook -- in a sandbox.

A submission is code written by someone else. Graded the nbgrader way it runs
with the trainer's rights: it can read other trainees' work and the solutions,
delete the gradebook, call the internet, or stop the whole batch. Here every
submission runs in a box:

* a **throwaway copy** of its files in a temporary folder is its working folder;
* **limits** set with ``resource.setrlimit`` before it starts: CPU seconds,
  address space (memory), number of processes, size of any file it writes, no
  core dumps; a **wall-clock timeout** kills everything it started; the
  executed notebook and the captured output are **capped** in size;
* a **fork bomb** is bounded by the number-of-processes limit, which Linux
  enforces only for users other than root. When the grader runs as root, the
  submission therefore runs as a dedicated unprivileged user id (one per
  parallel job), and a ``pids`` control group caps it as well where one can be
  created;
* **isolation**, the best mechanism that works on this machine, found once
  per process:

  ``bwrap``
      bubblewrap (Debian package ``bubblewrap``): new PID, network, IPC and
      host-name namespaces and a private file system that holds only the
      Python installation, read-only, and the working folder. The course
      folder, other trainees' folders and the gradebook do not exist inside.
  ``unshare``
      ``unshare --net``: no network, but the normal file system. Files are
      protected only by Unix permissions: the submission runs as the
      dedicated user where Python is readable by it, and cannot read what
      that user cannot read (make the course folder ``chmod o-rwx``).
  ``none``
      limits only. A warning says so.

  Set ``CAMPAIGN_LAB_SANDBOX`` to ``bwrap``, ``unshare`` or ``none`` to choose
  one yourself.

Starting a box and a Python for every notebook is slow; :mod:`.warm_box` keeps
one bubblewrap box per grading job with the course's libraries loaded and runs
each notebook in a fresh fork of it (``execute_notebook(..., box=...)``).

The statuses in :class:`Status` are what a trainer sees for each submission.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import functools
import json
import logging
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from campaign_lab.errors import BadInput
from campaign_lab.grading import notebook_executor

log = logging.getLogger(__name__)

MiB = 1024 * 1024
GiB = 1024 * MiB

#: Where the working folder appears inside a bubblewrap box.
BOX_WORKDIR = "/submission"
#: First user id used for sandboxed runs when the grader is root; job N uses BASE + N.
SANDBOX_UID_BASE = int(os.environ.get("CAMPAIGN_LAB_SANDBOX_UID", "64000"))
MAX_PARALLEL_SLOTS = 256
MECHANISMS = ("bwrap", "unshare", "none")


class Status(str, enum.Enum):
    """What happened to one submission, as the trainer reads it."""

    GRADED = "graded"
    TIMED_OUT = "timed_out"
    OUT_OF_MEMORY = "out_of_memory"
    CRASHED = "crashed"
    NOT_A_NOTEBOOK = "not_a_notebook"
    TAMPERED = "tampered"  # decided by the grader, which compares test cells


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


@dataclass(frozen=True)
class Mechanism:
    """How this machine isolates a submission, and what that leaves open."""

    name: str
    isolates_network: bool
    hides_files: bool
    runs_as_other_user: bool
    warning: str = ""


@dataclass
class CommandResult:
    """The outcome of :func:`run_command`."""

    returncode: int | None
    timed_out: bool
    stdout: str
    stderr: str
    output_truncated: bool
    seconds: float
    mechanism: str


@dataclass
class SandboxResult:
    """The outcome of executing one notebook with :func:`execute_notebook`."""

    status: Status
    message: str
    executed: Path | None = None
    output_truncated: bool = False
    seconds: float = 0.0
    mechanism: str = ""
    stderr_tail: str = ""
    details: dict = field(default_factory=dict)


# --------------------------------------------------------------------------
# Choosing a mechanism


def _is_root() -> bool:
    return os.geteuid() == 0


def _python_dirs() -> list[Path]:
    """Folders the sandboxed Python needs: its installation, the venv, this package."""
    package_dir = Path(__file__).resolve().parents[1]
    candidates = [
        Path(sys.base_prefix),
        Path(sys.prefix),
        Path(sys.executable).resolve().parent.parent,
        package_dir,
    ]
    return _outermost(path.resolve() for path in candidates if path.exists())


def _outermost(paths) -> list[Path]:
    """Drop every path that lies inside another one of ``paths``."""
    kept: list[Path] = []
    for path in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(path.is_relative_to(parent) for parent in kept):
            kept.append(path)
    return kept


def _bwrap_system_args() -> list[str]:
    """Read-only system folders, copying how /bin and /lib are laid out here."""
    args = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        path = Path(name)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            args += ["--ro-bind", name, name]
    return args


def _bwrap_bind_args(paths: Sequence[Path]) -> list[str]:
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


def _bwrap_prefix(workdir: Path, limits: Limits, readable: Sequence[Path] = ()) -> list[str]:
    """The bubblewrap command line up to ``--``, for a box around ``workdir``."""
    tmp_bytes = str(max(limits.file_bytes, 16 * MiB))
    args = [
        "bwrap",
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
        "--unshare-cgroup-try", "--hostname", "sandbox",
        "--die-with-parent", "--new-session",
        *_bwrap_system_args(),
        "--proc", "/proc", "--dev", "/dev",
        "--perms", "1777", "--size", tmp_bytes, "--tmpfs", "/tmp",
        "--perms", "1777", "--size", tmp_bytes, "--tmpfs", "/dev/shm",
        # After the tmpfs mounts, so a course kept under /tmp is not hidden by them.
        *_bwrap_bind_args(_outermost([*_python_dirs(), *(Path(p).resolve() for p in readable)])),
        "--bind", str(workdir), BOX_WORKDIR, "--chdir", BOX_WORKDIR,
    ]
    if _is_root():
        # setpriv inside the box switches to the dedicated user, then drops these too.
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    return args + ["--"]


def _setpriv_prefix(uid: int) -> list[str]:
    return [
        "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--",
    ]


# The probe starts a second Python, as a notebook kernel will be started.
_PROBE_CODE = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'pass'], check=True)"


def _probe(mechanism: str) -> Mechanism | None:
    """Return ``mechanism`` if a trivial Python command runs under it here, else None."""
    with _Box(mechanism, Limits(wall_seconds=60), drop_user=None) as box:
        if box.prefix is None:
            return None
        box.add_files({})
        result = box.run([sys.executable, "-c", _PROBE_CODE])
        if result.returncode != 0:
            log.debug("sandbox mechanism %s does not work here: %s", mechanism, result.stderr)
            return None
        return _describe(mechanism, box.drops_user)


def _describe(name: str, drops_user: bool) -> Mechanism:
    install = "install the Debian package bubblewrap to close this gap"
    if name == "bwrap":
        return Mechanism(name, True, True, drops_user, _process_cap_warning(drops_user))
    if name == "unshare":
        reach = "every file the dedicated sandbox user can read" if drops_user else (
            "every file the grader can read, including the gradebook and other trainees' work"
        )
        return Mechanism(
            name, True, False, drops_user,
            f"Submissions run without network but can read {reach}, "
            f"because bubblewrap is missing or does not work here; {install}.",
        )
    return Mechanism(
        name, False, False, drops_user,
        "Submissions run with only time, memory and size limits: they can use the network "
        "and read every file the grader can read, because neither bubblewrap nor "
        f"'unshare --net' works here; {install}.",
    )


def _process_cap_warning(drops_user: bool) -> str:
    """Linux ignores the process limit for root: say so if nothing else caps a fork bomb."""
    if _is_root() and not drops_user and _own_pids_cgroup() is None:
        return ("A fork bomb is stopped only by the time limit, because the grader runs as root "
                "without setpriv or a writable pids control group; run grading as a normal user.")
    return ""


@functools.cache
def detect_mechanism() -> Mechanism:
    """Find the best sandbox mechanism that works here; warn once if it is not bubblewrap.

    Returns
    -------
    Mechanism
        ``bwrap``, ``unshare`` or ``none``, with what each leaves open.

    Raises
    ------
    BadInput
        If ``CAMPAIGN_LAB_SANDBOX`` names an unknown or unusable mechanism.

    Examples
    --------
    >>> detect_mechanism().name in MECHANISMS
    True
    """
    wanted = os.environ.get("CAMPAIGN_LAB_SANDBOX", "").strip()
    if wanted:
        mechanism = mechanism_named(wanted)
    else:
        mechanism = next(filter(None, map(_probe, MECHANISMS)), None) or _describe("none", False)
    if mechanism.warning:
        log.warning(mechanism.warning)
    return mechanism


@functools.cache
def mechanism_named(name: str) -> Mechanism:
    """Return the mechanism ``name`` if it works here.

    Raises
    ------
    BadInput
        If ``name`` is not one of ``bwrap``, ``unshare``, ``none``, or does not work here.
    """
    if name not in MECHANISMS:
        raise BadInput(
            f"CAMPAIGN_LAB_SANDBOX is '{name}'; use one of {', '.join(MECHANISMS)}."
        )
    mechanism = _probe(name)
    if mechanism is None:
        raise BadInput(
            f"The sandbox mechanism '{name}' does not work on this machine; "
            "unset CAMPAIGN_LAB_SANDBOX to use the best one that does."
        )
    return mechanism


# --------------------------------------------------------------------------
# Process bookkeeping: user slots, control groups, limits


@contextlib.contextmanager
def _user_slot() -> Iterator[int]:
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


class _PidsCgroup:
    """A ``pids`` control group that caps and, at the end, kills a run's processes."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def create(cls, max_processes: int) -> _PidsCgroup | None:
        """Make a new group under our own, or return None where that is not allowed."""
        parent = _own_pids_cgroup()
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
        for _ in range(50):
            pids = [int(p) for p in (self.path / "cgroup.procs").read_text().split()]
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.02)

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            self.kill_all()
            self.path.rmdir()


def _own_pids_cgroup() -> Path | None:
    """Our own cgroup folder holding the ``pids`` controller (v1 or v2), if writable."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, relative = line.split(":", 2)
            if "pids" in controllers.split(","):
                base = Path("/sys/fs/cgroup/pids")
            elif controllers == "" and _v2_has_pids(relative):
                base = Path("/sys/fs/cgroup")
            else:
                continue
            path = base / relative.lstrip("/")
            if os.access(path, os.W_OK):
                return path
    return None


def _v2_has_pids(relative: str) -> bool:
    control = Path("/sys/fs/cgroup") / relative.lstrip("/") / "cgroup.subtree_control"
    with contextlib.suppress(OSError):
        return "pids" in control.read_text().split()
    return False


def _tasks_of_user(uid: int) -> int:
    """How many processes and threads ``uid`` runs now (Linux counts both for RLIMIT_NPROC)."""
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                count += int(fields.get("Threads", "1"))
    return count


def _kill_user(uid: int) -> None:
    """SIGKILL every process that runs as the dedicated ``uid`` (never the grader's own)."""
    if uid == os.getuid():
        return
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError, ValueError, KeyError):
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            if int(fields["Uid"].split()[0]) == uid:
                os.kill(int(status.parent.name), signal.SIGKILL)


def _rlimits(limits: Limits, process_budget: int) -> list[tuple[int, int]]:
    return [
        (resource.RLIMIT_CPU, limits.cpu_seconds),
        (resource.RLIMIT_AS, limits.memory_bytes),
        (resource.RLIMIT_NPROC, process_budget),
        (resource.RLIMIT_FSIZE, limits.file_bytes),
        (resource.RLIMIT_CORE, 0),
    ]


def _make_preexec(rlimits: list[tuple[int, int]], cgroup: _PidsCgroup | None):
    """Return the function the child runs before exec: join the cgroup, set the limits."""

    def preexec() -> None:
        if cgroup is not None:
            cgroup.join()
        for which, value in rlimits:
            resource.setrlimit(which, (value, value))

    return preexec


# --------------------------------------------------------------------------
# Running a command


def _box_environment(workdir: str) -> dict[str, str]:
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


class _CappedReader(threading.Thread):
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


class _Box:
    """One throwaway working folder plus the command prefix that isolates it."""

    def __init__(self, mechanism: str, limits: Limits, drop_user: bool | None,
                 readable: Sequence[Path] = ()):
        """``drop_user``: run as a dedicated user (True), not (False), or find out (None)."""
        self.mechanism, self.limits, self.drop_user = mechanism, limits, drop_user
        self.readable = [Path(path) for path in readable if Path(path).exists()]
        self._stack = contextlib.ExitStack()
        self.uid: int | None = None
        self.prefix: list[str] | None = None
        self.drops_user = False

    def __enter__(self) -> _Box:
        self.workdir = Path(tempfile.mkdtemp(prefix="campaign-lab-box-"))
        self._stack.callback(shutil.rmtree, self.workdir, ignore_errors=True)
        if _is_root() and self.drop_user is not False and shutil.which("setpriv"):
            self.uid = self._stack.enter_context(_user_slot())
            self._stack.callback(_kill_user, self.uid)
        self.prefix = self._prefix()
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    @property
    def inside_workdir(self) -> str:
        return BOX_WORKDIR if self.mechanism == "bwrap" else str(self.workdir)

    def _prefix(self) -> list[str] | None:
        if self.mechanism == "bwrap":
            if not shutil.which("bwrap"):
                return None
            isolation = _bwrap_prefix(self.workdir, self.limits, self.readable)
        elif self.mechanism == "unshare":
            if not shutil.which("unshare"):
                return None
            isolation = ["unshare", "--net", "--"] if _is_root() else [
                "unshare", "--net", "--map-current-user", "--"]
        else:
            isolation = []
        if self.uid is not None and (self.drop_user or self._user_can_run_python()):
            self.drops_user = True
            return isolation + _setpriv_prefix(self.uid)
        return isolation

    def _user_can_run_python(self) -> bool:
        """True if the dedicated user can start Python: always inside bwrap, else a probe."""
        if self.mechanism == "bwrap":
            return True
        probe = subprocess.run(
            [*_setpriv_prefix(self.uid), sys.executable, "-c", _PROBE_CODE],
            capture_output=True, timeout=60,
        )
        return probe.returncode == 0

    def add_files(self, files: Mapping[str, Path]) -> None:
        """Copy ``files`` (name inside the box -> file or folder) into the working folder."""
        (self.workdir / "tmp").mkdir()
        for name, source in files.items():
            target = self.workdir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if Path(source).is_dir():
                shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
            else:
                shutil.copyfile(source, target)
        if self.drops_user:
            for path in [self.workdir, *self.workdir.rglob("*")]:
                os.chown(path, self.uid, self.uid)
        self.workdir.chmod(0o700)

    def process_budget(self) -> int:
        """RLIMIT_NPROC value: counted per real user id, so add what that user runs now."""
        if self.drops_user:
            return self.limits.max_processes + _tasks_of_user(self.uid)
        if _is_root():
            return self.limits.max_processes  # not enforced for root; the cgroup caps it
        return self.limits.max_processes + _tasks_of_user(os.getuid())

    def run(self, argv: Sequence[str]) -> CommandResult:
        """Run ``argv`` in the box with the limits; kill everything it started at the end."""
        cgroup = _PidsCgroup.create(self.limits.max_processes) if _is_root() else None
        try:
            return self._run(argv, cgroup)
        finally:
            if cgroup is not None:
                cgroup.remove()

    def _run(self, argv: Sequence[str], cgroup: _PidsCgroup | None) -> CommandResult:
        start = time.monotonic()
        process = subprocess.Popen(
            [*self.prefix, *argv],
            cwd=self.workdir,
            env=_box_environment(self.inside_workdir),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_make_preexec(_rlimits(self.limits, self.process_budget()), cgroup),
        )
        readers = [_CappedReader(process.stdout, self.limits.output_bytes),
                   _CappedReader(process.stderr, self.limits.output_bytes)]
        for reader in readers:
            reader.start()
        timed_out = self._wait(process, cgroup)
        for reader in readers:
            reader.join(timeout=10)
        return CommandResult(
            returncode=process.returncode,
            timed_out=timed_out,
            stdout=readers[0].text(),
            stderr=readers[1].text(),
            output_truncated=any(reader.truncated for reader in readers),
            seconds=time.monotonic() - start,
            mechanism=self.mechanism,
        )

    def _wait(self, process: subprocess.Popen, cgroup: _PidsCgroup | None) -> bool:
        """Wait up to the wall-clock limit; return True if we had to kill it."""
        try:
            process.wait(timeout=self.limits.wall_seconds)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # the whole process group
        if cgroup is not None:
            cgroup.kill_all()  # also what left the process group
        if self.uid is not None:
            _kill_user(self.uid)
        process.wait()
        return timed_out


def run_command(
    argv: Sequence[str],
    files: Mapping[str, Path],
    *,
    limits: Limits = Limits(),
    collect: Sequence[str] = (),
    out_dir: Path | None = None,
    readable: Sequence[Path] = (),
    mechanism: Mechanism | None = None,
) -> CommandResult:
    """Run one command in a sandbox on a throwaway copy of ``files``.

    Parameters
    ----------
    argv
        The command. Its working folder is the copy; name files relative to it.
    files
        Name inside the working folder -> file or folder to copy there.
    limits
        Time, memory, process and size limits.
    collect
        Names of files to copy out of the working folder into ``out_dir`` when
        the command has finished (each capped at ``limits.output_bytes``).
    out_dir
        Where collected files go; required when ``collect`` is not empty.
    readable
        Folders the command may read (course data, never answers or gradebooks);
        with bubblewrap nothing else outside the working folder exists.
    mechanism
        How to isolate; by default the best one that works here.

    Returns
    -------
    CommandResult

    Examples
    --------
    >>> result = run_command(["cat", "hello.txt"], {"hello.txt": Path("README.md")})  # doctest: +SKIP
    >>> result.returncode  # doctest: +SKIP
    0
    """
    mechanism = mechanism or detect_mechanism()
    with _Box(mechanism.name, limits, drop_user=mechanism.runs_as_other_user, readable=readable) as box:
        box.add_files(files)
        result = box.run(argv)
        for name in collect:
            _copy_out(box.workdir / name, out_dir / name, limits.output_bytes)
    return result


def _copy_out(source: Path, target: Path, cap: int) -> None:
    """Copy a file the box wrote, refusing links, non-files and anything larger than ``cap``."""
    try:
        descriptor = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return  # missing, or a symbolic link planted to read a file outside
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > cap:
            return
        data = handle.read(cap + 1)
    if len(data) <= cap:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


# --------------------------------------------------------------------------
# Executing a notebook


def looks_like_notebook(path: Path, max_bytes: int = 64 * MiB) -> bool:
    """Return True if ``path`` is a JSON notebook of acceptable size (checked outside the box).

    Examples
    --------
    >>> looks_like_notebook(Path("no-such-file.ipynb"))
    False
    """
    try:
        if path.stat().st_size > max_bytes:
            return False
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and isinstance(data.get("cells"), list) and "nbformat" in data


def execute_notebook(
    notebook: Path,
    out_dir: Path,
    *,
    limits: Limits = Limits(),
    extra_files: Mapping[str, Path] | None = None,
    readable: Sequence[Path] = (),
    mechanism: Mechanism | None = None,
    box=None,
) -> SandboxResult:
    """Execute one submitted notebook in a sandbox and say what happened.

    Parameters
    ----------
    notebook
        The submission. It is copied; the original is never touched.
    out_dir
        Receives the executed notebook, under the same file name.
    limits
        Time, memory, process and size limits.
    extra_files
        Other files the notebook uses (name in its folder -> file or folder), copied beside it.
    readable
        Folders the notebook may read, such as the course's datasets.
    mechanism
        How to isolate; by default the best one that works here.
    box
        A started :class:`~.warm_box.WarmBox` to run in (its libraries already
        loaded); by default a new box for this notebook alone.

    Returns
    -------
    SandboxResult
        ``status`` is one of graded, timed_out, out_of_memory, crashed,
        not_a_notebook; ``executed`` is the executed copy when there is one.

    Examples
    --------
    >>> result = execute_notebook(Path("submitted/ada/ps1/ps1.ipynb"), Path("out"))  # doctest: +SKIP
    >>> result.status  # doctest: +SKIP
    <Status.GRADED: 'graded'>
    """
    mechanism = mechanism or detect_mechanism()
    if not looks_like_notebook(notebook):
        return SandboxResult(
            Status.NOT_A_NOTEBOOK,
            f"{notebook.name} is not a readable notebook (not valid notebook JSON).",
            mechanism=mechanism.name,
        )
    runner_args = [
        "submission.ipynb", "executed.ipynb",
        "--cell-seconds", str(limits.cell_seconds), "--output-bytes", str(limits.output_bytes),
    ]
    staging = Path(tempfile.mkdtemp(prefix="campaign-lab-out-"))
    try:
        files = {**(extra_files or {}), "submission.ipynb": notebook}
        if box is not None:
            result = box.run_notebook(files, [*runner_args, "--fork-kernel"], limits, "executed.ipynb", staging)
        else:
            # -P: files in the submission's folder cannot stand in for the grader's own modules
            argv = [sys.executable, "-P", "-m", "campaign_lab.grading.notebook_executor", *runner_args]
            result = run_command(argv, files, limits=limits, collect=["executed.ipynb"],
                                 out_dir=staging, readable=readable, mechanism=mechanism)
        return _classify(result, staging / "executed.ipynb", out_dir / notebook.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _error_names(notebook_path: Path) -> list[str]:
    """Names of the errors in the executed notebook's outputs, in cell order."""
    data = json.loads(notebook_path.read_bytes())
    return [
        output.get("ename", "")
        for cell in data.get("cells", [])
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]


def _classify(result: CommandResult, executed: Path, target: Path) -> SandboxResult:
    """Turn what the box reported into a status and a message for the trainer."""
    base = dict(seconds=result.seconds, mechanism=result.mechanism,
                stderr_tail=result.stderr[-2000:])
    if result.timed_out:
        return SandboxResult(Status.TIMED_OUT, "The notebook ran past the time limit and was stopped.", **base)
    if result.returncode == notebook_executor.EXIT_NOT_A_NOTEBOOK:
        return SandboxResult(Status.NOT_A_NOTEBOOK, "The file is not a valid notebook.", **base)
    if not executed.is_file() or not looks_like_notebook(executed):
        return SandboxResult(Status.CRASHED, "The notebook stopped before it could be saved.", **base)
    errors = _error_names(executed)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(executed, target)
    base.update(executed=target, output_truncated=notebook_executor.TRUNCATION_NOTE.strip() in executed.read_text(errors="replace"))
    status, message = _status_from(result.returncode, errors)
    return SandboxResult(status, message, details={"errors": errors}, **base)


def _status_from(returncode: int | None, errors: list[str]) -> tuple[Status, str]:
    if "MemoryError" in errors:
        return Status.OUT_OF_MEMORY, "A cell used more memory than the limit allows."
    if notebook_executor.TIMEOUT_ERROR_NAME in errors:
        return Status.TIMED_OUT, "A cell ran past the time limit and was interrupted."
    if returncode == notebook_executor.EXIT_KERNEL_DIED:
        return Status.CRASHED, "The notebook's Python process stopped (it crashed or exited) before the end."
    if returncode != notebook_executor.EXIT_EXECUTED:
        return Status.CRASHED, f"The notebook could not be executed (exit code {returncode})."
    return Status.GRADED, "The notebook ran to the end."
