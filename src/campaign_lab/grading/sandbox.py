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
each notebook in a fresh fork of it (``execute_notebook(..., box=...)``). Both
kinds of box implement :class:`.boxes.Box`; the parts they share are in
:mod:`.isolation`.

The statuses in :class:`Status` are what a trainer sees for each submission.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from campaign_lab.errors import BadInput
from campaign_lab.grading import boxes, isolation, notebook_executor
from campaign_lab.grading.boxes import CommandResult
from campaign_lab.grading.isolation import BOX_WORKDIR
from campaign_lab.grading.limits import GiB, MiB, Limits

__all__ = [
    "BOX_WORKDIR", "GiB", "MiB", "MECHANISMS", "ColdBox", "CommandResult", "Limits", "Mechanism",
    "SandboxResult", "Status", "detect_mechanism", "execute_notebook", "looks_like_notebook",
    "mechanism_named", "run_command",
]

log = logging.getLogger(__name__)

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
class Mechanism:
    """How this machine isolates a submission, and what that leaves open."""

    name: str
    isolates_network: bool
    hides_files: bool
    runs_as_other_user: bool
    warning: str = ""


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


# The probe starts a second Python, as a notebook kernel will be started.
_PROBE_CODE = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'pass'], check=True)"


def _probe(mechanism: str) -> Mechanism | None:
    """Return ``mechanism`` if a trivial Python command runs under it here, else None."""
    try:
        box = ColdBox(Limits(wall_seconds=60), mechanism=mechanism).start()
    except boxes.BoxUnavailable:
        return None
    with box:
        result = box.run_command([sys.executable, "-c", _PROBE_CODE], {})
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
    if isolation.is_root() and not drops_user and isolation.own_pids_cgroup() is None:
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
# The one-shot box


class ColdBox(boxes.BoxLifecycle):
    """A box for one run: a throwaway working folder, and a new Python isolated around it.

    ``mechanism`` is the :class:`Mechanism` to use (by default the best one
    that works here), or only its name while finding out whether it works.
    """

    def __init__(self, limits: Limits = Limits(), *, readable: Sequence[Path] = (),
                 mechanism: Mechanism | str | None = None, preload: Sequence[str] = ()):
        if isinstance(mechanism, str):
            self.mechanism, self.drop_user = mechanism, None  # None: find out if it can
        else:
            mechanism = mechanism or detect_mechanism()
            self.mechanism, self.drop_user = mechanism.name, mechanism.runs_as_other_user
        self.limits = limits
        self.readable = [Path(path) for path in readable if Path(path).exists()]
        self._stack = contextlib.ExitStack()
        self.uid: int | None = None
        self.prefix: list[str] | None = None
        self.drops_user = False
        self._state = "new"

    # -- the box interface

    def start(self) -> ColdBox:
        """Make the working folder and the command prefix.

        Raises
        ------
        BoxUnavailable
            If the mechanism's program (``bwrap``, ``unshare``) is not installed.
        """
        self.workdir = Path(tempfile.mkdtemp(prefix="campaign-lab-box-"))
        self._stack.callback(shutil.rmtree, self.workdir, ignore_errors=True)
        self._state = "started"
        if isolation.is_root() and self.drop_user is not False and shutil.which("setpriv"):
            self.uid = self._stack.enter_context(isolation.user_slot())
            self._stack.callback(isolation.kill_user, self.uid)
        self.prefix = self._prefix()
        if self.prefix is None:
            self.stop()
            raise boxes.BoxUnavailable(f"{self.mechanism} is not installed")
        return self

    def run(self, files: Mapping[str, Path], executor_args: Sequence[str],
            limits: Limits | None = None) -> CommandResult:
        """Execute the notebook executor in a new Python on ``files``, under ``limits`` if given."""
        self.limits = limits or self.limits
        # -P: files in the submission's folder cannot stand in for the grader's own modules
        argv = [sys.executable, "-P", "-m", notebook_executor.__name__, *executor_args]
        return self.run_command(argv, files)

    def copy_out(self, name: str, target: Path) -> bool:
        return isolation.copy_out(self.workdir / name, target, self.limits.output_bytes)

    def stop(self) -> None:
        self._stack.close()
        self._state = "stopped"

    @property
    def alive(self) -> bool:
        return self._state == "started"

    def run_command(self, argv: Sequence[str], files: Mapping[str, Path]) -> CommandResult:
        """Run any command on a copy of ``files``, with the limits; kill everything it started at the end.

        Raises
        ------
        RuntimeError
            If the box is not started or has run already: a cold box runs one command.
        """
        if not self.alive:
            raise RuntimeError(f"this box is {self._state}; a cold box runs one command after start()")
        self._state = "used"
        self._add_files(files)
        cgroup = isolation.PidsCgroup.create(self.limits.max_processes) if isolation.is_root() else None
        try:
            return self._run(argv, cgroup)
        finally:
            if cgroup is not None:
                cgroup.remove()

    # -- how

    @property
    def inside_workdir(self) -> str:
        return BOX_WORKDIR if self.mechanism == "bwrap" else str(self.workdir)

    def _prefix(self) -> list[str] | None:
        if self.mechanism == "bwrap":
            if not shutil.which("bwrap"):
                return None
            wrapper = isolation.bwrap_prefix(self.workdir, self.limits, self.readable)
        elif self.mechanism == "unshare":
            if not shutil.which("unshare"):
                return None
            wrapper = [] if self.limits.network else ["unshare", "--net", "--"] if isolation.is_root() else [
                "unshare", "--net", "--map-current-user", "--"]
        else:
            wrapper = []
        if self.uid is not None and (self.drop_user or self._user_can_run_python()):
            self.drops_user = True
            return wrapper + isolation.setpriv_prefix(self.uid)
        return wrapper

    def _user_can_run_python(self) -> bool:
        """True if the dedicated user can start Python: always inside bwrap, else a probe."""
        if self.mechanism == "bwrap":
            return True
        probe = subprocess.run(
            [*isolation.setpriv_prefix(self.uid), sys.executable, "-c", _PROBE_CODE],
            capture_output=True, timeout=60,
        )
        return probe.returncode == 0

    def _add_files(self, files: Mapping[str, Path]) -> None:
        """Copy ``files`` (name inside the box -> file or folder) into the working folder."""
        (self.workdir / "tmp").mkdir()
        isolation.copy_in(files, self.workdir, self.uid if self.drops_user else None)
        self.workdir.chmod(0o700)

    def _process_budget(self) -> int:
        """RLIMIT_NPROC value: counted per real user id, so add what that user runs now."""
        if self.drops_user:
            return self.limits.max_processes + isolation.tasks_of_user(self.uid)
        if isolation.is_root():
            return self.limits.max_processes  # not enforced for root; the cgroup caps it
        return self.limits.max_processes + isolation.tasks_of_user(os.getuid())

    def _run(self, argv: Sequence[str], cgroup: isolation.PidsCgroup | None) -> CommandResult:
        start = time.monotonic()
        process = subprocess.Popen(
            [*self.prefix, *argv],
            cwd=self.workdir,
            env=isolation.box_environment(self.inside_workdir),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=isolation.make_preexec(isolation.rlimits(self.limits, self._process_budget()), cgroup),
        )
        readers = [isolation.CappedReader(process.stdout, self.limits.output_bytes),
                   isolation.CappedReader(process.stderr, self.limits.output_bytes)]
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

    def _wait(self, process: subprocess.Popen, cgroup: isolation.PidsCgroup | None) -> bool:
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
            isolation.kill_user(self.uid)
        process.wait()
        return timed_out


boxes.register("cold", ColdBox)


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
    with ColdBox(limits, readable=readable, mechanism=mechanism).start() as box:
        result = box.run_command(argv, files)
        for name in collect:
            box.copy_out(name, out_dir / name)
    return result


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
    box: boxes.Box | None = None,
    keep: Mapping[str, Path] | None = None,
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
        A started :class:`~.boxes.Box` to run in, such as a warm box with the
        libraries already loaded (its own limits apply); by default a new
        :class:`ColdBox` for this notebook alone.
    keep
        Other files the run leaves in the box to copy out (name in the box -> target), such as
        the answers the notebook exported; a file that is missing is not copied.

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
    executor_args = [
        "submission.ipynb", "executed.ipynb",
        "--cell-seconds", str(limits.cell_seconds), "--output-bytes", str(limits.output_bytes),
    ]
    staging = Path(tempfile.mkdtemp(prefix="campaign-lab-out-"))
    try:
        files = {**(extra_files or {}), "submission.ipynb": notebook}
        if box is None:
            with ColdBox(limits, readable=readable, mechanism=mechanism).start() as own_box:
                result = _run_in(own_box, files, executor_args, limits, staging, keep or {})
        else:
            result = _run_in(box, files, executor_args, limits, staging, keep or {})
        return _classify(result, staging / "executed.ipynb", out_dir / notebook.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def call_functions(box: boxes.Box, files: Mapping[str, Path], limits: Limits,
                   keep: Mapping[str, Path]) -> CommandResult:
    """Run :mod:`.function_runner` in ``box`` on ``files`` (no notebook, no kernel); copy out ``keep``."""
    result = box.run(files, [notebook_executor.CALL_FUNCTIONS], limits)
    _copy_kept(box, keep)
    return result


def _run_in(box: boxes.Box, files: Mapping[str, Path], executor_args: list[str], limits: Limits,
            staging: Path, keep: Mapping[str, Path]) -> CommandResult:
    result = box.run(files, executor_args, limits)
    box.copy_out("executed.ipynb", staging / "executed.ipynb")
    _copy_kept(box, keep)
    return result


def _copy_kept(box: boxes.Box, keep: Mapping[str, Path]) -> None:
    for name, target in keep.items():
        target.unlink(missing_ok=True)
        box.copy_out(name, target)


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
