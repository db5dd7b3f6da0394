"""The program inside a warm box: load the course's libraries once, fork a fresh copy per notebook.

Starting a new Python for every submission means importing pandas,
matplotlib, the course package, Jupyter's kernel and client again each time:
several seconds of work that is the same for every trainee. A warm box starts
this server once per grading job instead (:mod:`.warm_box` starts it)::

    bwrap --as-pid-1 ... -- python -m campaign_lab.grading.box_server --preload pandas,matplotlib.pyplot

It imports what the course's notebooks import, says ``{"ready": ...}``, then
reads one request per line on its standard input and answers each with one
line. For each request it forks a child that runs one notebook (with
:mod:`.notebook_executor`, whose kernel is forked too), so every submission starts from the
same clean, already-loaded state. Between submissions nothing of the previous
one survives:

* the child sets its own limits (CPU time, memory, processes, file size) and
  runs in a new folder with an unguessable name, made by the grader;
* when it ends, or the wall-clock limit passes, every process in the box but
  this server is killed (``kill(-1)``). This server is process 1 of the box's
  PID namespace, which such a kill skips and to which processes in the box
  cannot send any signal it does not handle;
* it is not *dumpable*, so processes of the same user cannot trace it or read
  its memory;
* before the next submission, everything writable in the box (its working
  folder, ``/tmp``, ``/dev/shm``) is emptied, except the new submission's folder;
* the children never hold this server's standard output, so they cannot
  forge an answer.

A request::

    {"job": "<folder name>", "argv": [...notebook executor arguments...],
     "wall_seconds": 600, "rlimits": {"RLIMIT_CPU": 600, ...}, "env": {...}}

and its answer::

    {"job": "<folder name>", "returncode": 0, "timed_out": false, "seconds": 1.2}
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import importlib
import json
import os
import re
import resource
import signal
import sys
import time
from pathlib import Path

PR_SET_DUMPABLE = 4
JOB_NAME = re.compile(r"^[0-9a-f]{32}$")
WRITABLE = ("/tmp", "/dev/shm")
LOG_NAME = "runner.log"


def _set_dumpable(value: int) -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, value, 0, 0, 0)


def preload(modules: list[str]) -> list[str]:
    """Import ``modules`` (skipping any that fail) and warm the notebook executor's own libraries."""
    from campaign_lab.grading import notebook_executor  # noqa: F401  (also skips a slow optional import)

    loaded = []
    for name in ["nbformat", "nbclient", "jupyter_client.manager", "ipykernel.kernelapp", *modules]:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except BaseException:  # a course library missing here: the notebook will import it itself
            continue
    import nbformat

    nbformat.validate(nbformat.v4.new_notebook())  # builds and caches the schema validator
    return loaded


def _empty_writable(workdir: Path, keep: str) -> None:
    """Remove everything a previous submission may have left, except folder ``keep``."""
    with contextlib.suppress(OSError):
        workdir.chmod(0o700)  # a submission may have locked its owner out
    for folder in (workdir, *map(Path, WRITABLE)):
        with contextlib.suppress(OSError):
            for entry in list(folder.iterdir()):
                if not (folder == workdir and entry.name == keep):
                    remove_tree(entry)


def remove_tree(path: Path) -> None:
    """Delete a file or a folder tree, opening up folders a submission made unreadable."""
    pending, folders = [path], []
    while pending:
        item = pending.pop()
        with contextlib.suppress(OSError):
            if item.is_dir() and not item.is_symlink():
                item.chmod(0o700)
                folders.append(item)
                pending.extend(item.iterdir())
            else:
                item.unlink()
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()


def _run_child(folder: Path, request: dict) -> None:
    """In the forked child: cut ties with the server, set limits, run the notebook; never returns."""
    code = 1
    try:
        os.setsid()
        _set_dumpable(1)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDONLY)
        log = os.open(folder / LOG_NAME, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, 65536)  # the server's request and answer pipes among them
        os.chdir(folder)
        os.environ.update({key: str(value) for key, value in request.get("env", {}).items()})
        for name, value in request.get("rlimits", {}).items():
            resource.setrlimit(getattr(resource, name), (int(value), int(value)))
        from campaign_lab.grading import notebook_executor

        code = notebook_executor.main([str(arg) for arg in request["argv"]])
    except BaseException:  # noqa: BLE001 -- any failure is this notebook's, reported as its exit code
        code = 1
    finally:
        with contextlib.suppress(BaseException):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _kill_everything_else() -> None:
    """Kill every process in the box except this server (process 1), then reap them."""
    killer = os.fork()
    if killer == 0:
        with contextlib.suppress(BaseException):
            os.kill(-1, signal.SIGKILL)
        os._exit(0)
    _reap(block=True)


def _reap(block: bool) -> dict[int, int]:
    """Collect finished children (orphans of the box come to process 1 too)."""
    done = {}
    while True:
        try:
            pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return done
        if pid == 0:
            return done
        done[pid] = os.waitstatus_to_exitcode(status)


def run_job(workdir: Path, request: dict) -> dict:
    """Run one request in a forked child; return the answer line's content."""
    job = str(request.get("job", ""))
    answer = {"job": job, "returncode": None, "timed_out": False, "seconds": 0.0}
    if not JOB_NAME.match(job):
        return {**answer, "error": "not a job folder name"}
    _empty_writable(workdir, keep=job)
    if not (workdir / job).is_dir():
        return {**answer, "error": "no such job folder"}
    start = time.monotonic()
    deadline = start + float(request.get("wall_seconds", 600))
    child = os.fork()
    if child == 0:
        _run_child(workdir / job, request)
    while True:
        finished = _reap(block=False)
        if child in finished:
            answer["returncode"] = finished[child]
            break
        if time.monotonic() > deadline:
            answer["timed_out"] = True
            break
        time.sleep(0.01)
    _kill_everything_else()
    answer["seconds"] = round(time.monotonic() - start, 3)
    return answer


def serve(workdir: Path, modules: list[str]) -> int:
    """Answer requests until standard input closes."""
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything a library prints goes to standard error, not into the answers
    if os.getpid() != 1:
        answers.write(json.dumps({"error": "the box server must be process 1 of its box"}) + "\n")
        return 3
    _set_dumpable(0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    answers.write(json.dumps({"ready": True, "preloaded": preload(modules)}) + "\n")
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            answers.write(json.dumps({"error": "unreadable request"}) + "\n")
            continue
        try:
            answer = run_job(workdir, request)
        except Exception as error:  # noqa: BLE001 -- keep serving; the grader marks this notebook
            answer = {"job": request.get("job"), "returncode": None, "timed_out": False,
                      "error": f"the box could not run this notebook: {error}"}
        answers.write(json.dumps(answer) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preload", default="", help="comma-separated modules to import once")
    args = parser.parse_args(argv)
    return serve(Path.cwd(), [name for name in args.preload.split(",") if name])


if __name__ == "__main__":
    sys.exit(main())
