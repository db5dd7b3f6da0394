"""Warm boxes: one long-lived bubblewrap box per grading job, a fresh fork per notebook.

A cold sandbox (:func:`.sandbox.run_command`) starts a new box and a new Python
for every notebook, and that Python imports the same libraries every time.
A warm box starts :mod:`.box_server` once, inside the same bubblewrap box and
as the same dedicated user, with what the course's notebooks import already
loaded; each submission then runs in its own forked process, in its own new
folder, under its own limits, and everything it started is killed before the
next one (the server's docstring lists what keeps submissions apart).

Warm boxes need bubblewrap's PID namespace. Where it is missing, or a box
does not start, :class:`BoxPool` hands out a cold box (:class:`.sandbox.ColdBox`)
per notebook instead and says so once. Both implement :class:`.boxes.Box`.
"""

from __future__ import annotations

import ast
import contextlib
import json
import logging
import os
import queue
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import nbformat

from campaign_lab.grading import boxes, isolation
from campaign_lab.grading.box_server import LOG_NAME, remove_tree
from campaign_lab.grading.boxes import BoxUnavailable, CommandResult
from campaign_lab.grading.isolation import BOX_WORKDIR
from campaign_lab.grading.limits import Limits
from campaign_lab.grading.sandbox import Mechanism

__all__ = ["BoxPool", "BoxUnavailable", "WarmBox", "course_imports"]

log = logging.getLogger(__name__)

START_SECONDS = 120.0  # loading the libraries; generous for a busy machine
ANSWER_MARGIN_SECONDS = 30.0  # past the wall-clock limit, the box itself is stopped


def course_imports(notebooks: Iterable[Path]) -> list[str]:
    """Modules the course's own notebooks import, in first-seen order.

    Examples
    --------
    >>> course_imports([])
    []
    """
    found: dict[str, None] = {}
    for path in notebooks:
        with contextlib.suppress(Exception):
            for cell in nbformat.read(str(path), as_version=4).cells:
                if cell.cell_type == "code":
                    found.update(dict.fromkeys(_imports_in(cell.source)))
    return list(found)


def _imports_in(source: str) -> list[str]:
    """Absolute module names in ``import`` statements of one cell (magics and bad code skipped)."""
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # ``from package import name``: name may be a submodule (tried; harmless if not)
            names += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return names


class WarmBox(boxes.BoxLifecycle):
    """One bubblewrap box running :mod:`.box_server`; runs notebooks one after another.

    ``mechanism`` is accepted for the :mod:`.boxes` registry; a warm box is always bubblewrap.
    """

    def __init__(self, limits: Limits, readable: Sequence[Path] = (), preload: Sequence[str] = (),
                 mechanism: Mechanism | None = None):
        self.limits, self.preload = limits, list(preload)
        self.readable = [Path(path) for path in readable if Path(path).exists()]
        self._stack = contextlib.ExitStack()
        self._process: subprocess.Popen | None = None
        self._answers: queue.Queue = queue.Queue()
        self._stderr: isolation.CappedReader | None = None
        self._last_run: Path | None = None
        self.uid: int | None = None

    # -- life cycle

    def start(self) -> WarmBox:
        """Start the box and wait until its libraries are loaded.

        Raises
        ------
        BoxUnavailable
            If bubblewrap is missing or the server does not come up.
        """
        if not shutil.which("bwrap"):
            raise BoxUnavailable("bubblewrap is not installed")
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="campaign-lab-warm-"))
        self._stack.callback(remove_tree, self.workdir)
        if isolation.is_root() and shutil.which("setpriv"):
            self.uid = self._stack.enter_context(isolation.user_slot())
            self._stack.callback(isolation.kill_user, self.uid)
            os.chown(self.workdir, self.uid, self.uid)
        self.workdir.chmod(0o700)
        cgroup = isolation.PidsCgroup.create(self.limits.max_processes + 16) if isolation.is_root() else None
        if cgroup is not None:
            self._stack.callback(cgroup.remove)
        self._process = subprocess.Popen(
            self._command(), cwd=self.workdir, env=isolation.box_environment(BOX_WORKDIR),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True, preexec_fn=self._preexec(cgroup),
        )
        self._stack.callback(self._stop_process)
        self._stderr = isolation.CappedReader(self._process.stderr, 64 * 1024)
        self._stderr.start()
        threading.Thread(target=self._read_answers, daemon=True).start()
        ready = self._answer(START_SECONDS)
        if not ready or not ready.get("ready"):
            raise BoxUnavailable(self._reason(ready))

    def _command(self) -> list[str]:
        prefix = isolation.bwrap_prefix(self.workdir, self.limits, self.readable)
        prefix.insert(1, "--as-pid-1")
        user = isolation.setpriv_prefix(self.uid) if self.uid is not None else []
        # -P: nothing in the writable working folder is ever imported by the server
        return [*prefix, *user, sys.executable, "-P", "-m", "campaign_lab.grading.box_server",
                "--preload", ",".join(self.preload)]

    def _preexec(self, cgroup):
        """The server itself gets only the size limits; each notebook sets the rest."""
        def preexec() -> None:
            if cgroup is not None:
                cgroup.join()
            import resource

            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            resource.setrlimit(resource.RLIMIT_FSIZE, (self.limits.file_bytes, self.limits.file_bytes))
        return preexec

    def _reason(self, answer: dict | None) -> str:
        if answer and answer.get("error"):
            return answer["error"]
        tail = (self._stderr.text() if self._stderr else "").strip().splitlines()
        return tail[-1] if tail else "the box did not answer"

    def _read_answers(self) -> None:
        for line in self._process.stdout:
            with contextlib.suppress(ValueError):
                self._answers.put(json.loads(line))
        self._answers.put(None)  # the server has gone

    def _answer(self, timeout: float) -> dict | None:
        try:
            return self._answers.get(timeout=timeout)
        except queue.Empty:
            return None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _stop_process(self) -> None:
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self._process.stdin.close()
        self._process.wait()

    def stop(self) -> None:
        """Stop the server and everything in the box; remove its folder."""
        self._stack.close()

    # -- running one notebook

    def run(self, files: Mapping[str, Path], executor_args: Sequence[str],
            limits: Limits | None = None) -> CommandResult:
        """Execute the notebook executor in a fresh fork, in a new folder holding a copy of ``files``.

        ``limits`` apply to this notebook (default: the box's); the previous notebook's folder is removed.
        """
        limits = limits or self.limits
        self._forget_last_run()
        job = uuid.uuid4().hex
        folder = self.workdir / job
        self.workdir.chmod(0o700)  # the previous notebook may have locked it
        folder.mkdir(mode=0o700)
        self._last_run, self._copy_cap = folder, limits.output_bytes
        isolation.copy_in(files, folder, self.uid)
        answer = self._ask(job, [*executor_args, "--fork-kernel"], limits)
        log_tail = _tail(folder / LOG_NAME, 2000)
        return CommandResult(
            returncode=answer.get("returncode"), timed_out=bool(answer.get("timed_out")),
            stdout="", stderr=log_tail or answer.get("error", ""), output_truncated=False,
            seconds=float(answer.get("seconds", 0.0)), mechanism="bwrap",
        )

    def copy_out(self, name: str, target: Path) -> bool:
        """Copy file ``name`` of the last notebook's folder to ``target`` (capped, no links)."""
        if self._last_run is None:
            return False
        return isolation.copy_out(self._last_run / name, target, self._copy_cap)

    def _forget_last_run(self) -> None:
        if self._last_run is not None:
            remove_tree(self._last_run)
            self._last_run = None

    def _ask(self, job: str, executor_args: Sequence[str], limits: Limits) -> dict:
        inside = f"{BOX_WORKDIR}/{job}"
        budget = limits.max_processes + (isolation.tasks_of_user(self.uid) if self.uid is not None else 0)
        request = {
            "job": job, "argv": list(executor_args), "wall_seconds": limits.wall_seconds,
            "rlimits": {"RLIMIT_CPU": limits.cpu_seconds, "RLIMIT_AS": limits.memory_bytes,
                        "RLIMIT_NPROC": budget, "RLIMIT_FSIZE": limits.file_bytes, "RLIMIT_CORE": 0},
            "env": {"HOME": inside, "JUPYTER_RUNTIME_DIR": f"{inside}/.rt",
                    "MPLCONFIGDIR": f"{inside}/.matplotlib"},
        }
        started = time.monotonic()
        try:
            self._process.stdin.write((json.dumps(request) + "\n").encode())
            self._process.stdin.flush()
        except OSError:
            return {"error": "the grading box had stopped"}
        answer = self._answer(limits.wall_seconds + ANSWER_MARGIN_SECONDS)
        if answer is None or answer.get("job") != job:
            self.stop()  # stuck or gone: this box is not used again
            timed_out = time.monotonic() - started >= limits.wall_seconds
            return {"timed_out": timed_out, "error": "the grading box stopped answering"}
        return answer


def _tail(path: Path, size: int) -> str:
    """The end of a file the box wrote; never follows a link or opens anything but a plain file."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return ""
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            return ""
        handle.seek(max(info.st_size - size, 0))
        return handle.read(size).decode("utf-8", errors="replace")


boxes.register("warm", WarmBox)


class BoxPool:
    """Up to ``size`` warm boxes shared by the grading threads; a cold box per notebook if they cannot start."""

    def __init__(self, size: int, mechanism: Mechanism, limits: Limits, readable: Sequence[Path],
                 preload: Sequence[str]):
        self.mechanism, self.limits, self.readable, self.preload = mechanism, limits, readable, preload
        self._idle: queue.Queue = queue.Queue()
        for _ in range(size):
            self._idle.put(None)  # a slot; its box starts on first use
        self._boxes: list[WarmBox] = []
        self._lock = threading.Lock()
        self.disabled_reason = "" if mechanism.name == "bwrap" else f"the sandbox is {mechanism.name}"

    @contextlib.contextmanager
    def box(self) -> Iterator[boxes.Box]:
        """A started box for one notebook: this slot's warm box, or a new cold box."""
        warm = self._idle.get()
        try:
            if (warm is None or not warm.alive) and not self.disabled_reason:
                warm = self._start_warm_box()
            if warm is not None and warm.alive:
                yield warm
            else:
                with self._cold_box() as cold:
                    yield cold
        finally:
            self._idle.put(warm)

    def _cold_box(self) -> boxes.Box:
        return boxes.create("cold", self.limits, readable=self.readable, mechanism=self.mechanism).start()

    def _start_warm_box(self) -> WarmBox | None:
        try:
            box = boxes.create("warm", self.limits, readable=self.readable, preload=self.preload).start()
        except (BoxUnavailable, OSError) as error:
            with self._lock:
                if not self.disabled_reason:
                    self.disabled_reason = str(error)
                    log.warning("Each notebook gets a new sandbox, which is slower: %s.", error)
            return None
        with self._lock:
            self._boxes.append(box)
        return box

    def close(self) -> None:
        for box in self._boxes:
            box.stop()

    def __enter__(self) -> BoxPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
