"""Run llama.cpp's ``llama-server`` and stop it once the course no longer records it.

Usage (started for you by ``campaign-lab model serve``)::

    python -m campaign_lab.ai.llama_server --state-file var/model/server.json \\
        --port 8765 --slots 4 --max-waiting 16 -- \\
        llama-server --model FILE.gguf --host 127.0.0.1 --port 40123 [other llama-server options]

This small process is the one recorded in ``var/model/server.json``. It starts
``llama-server`` as its child on an inner port, answers on ``--port`` through
:mod:`campaign_lab.ai.gate` (which says "busy, try again in N s" past
``slots + max_waiting`` requests), and:

* stops it once that record is deleted or names another process, so a server
  whose course folder was removed (a temporary copy, a grading sandbox) does
  not run on forever;
* stops it when this process is asked to stop (``campaign-lab model stop``),
  and on Linux the child also ends if this process is killed outright;
* ends when the child ends (it crashed or was killed), so ``status`` reports
  the server down and the next ``serve()`` starts a new one.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

GRACE_S = 3.0  # the record is written right after the process starts
CHECK_EVERY_S = 0.5
MISSES_BEFORE_STOP = 2  # tolerate one unreadable moment
STOP_GRACE_S = 10.0


def still_recorded(state_file: Path) -> bool:
    """True if ``state_file`` names this process as the course's model server."""
    try:
        return json.loads(state_file.read_text(encoding="utf-8"))["pid"] == os.getpid()
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _end_with_parent() -> None:
    """In the child, before exec: ask Linux to stop it if this launcher dies (even by SIGKILL)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_child(command: list[str]) -> subprocess.Popen:
    """Start llama-server with this process's standard output and error (the server log)."""
    extra = {"preexec_fn": _end_with_parent} if sys.platform.startswith("linux") else {}
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, **extra)


def stop_child(child: subprocess.Popen) -> int:
    """Ask the child to stop, force it after a grace period, and return its exit code."""
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            child.kill()
    return child.wait()


def watch(child: subprocess.Popen, state_file: Path | None) -> str:
    """Wait until the child exits or the record no longer names us; return why."""
    started, misses = time.monotonic(), 0
    while child.poll() is None:
        if state_file is not None and time.monotonic() - started > GRACE_S:
            misses = 0 if still_recorded(state_file) else misses + 1
            if misses >= MISSES_BEFORE_STOP:
                return f"{state_file} no longer names this server"
        time.sleep(CHECK_EVERY_S)
    return f"llama-server exited with code {child.returncode}"


def main(argv: list[str] | None = None) -> int:
    """Run the llama-server command after ``--`` until it ends or is no longer wanted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state-file", type=Path, help="record that must keep naming this process")
    parser.add_argument("--host", default="127.0.0.1", help="address of the gate (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port of the gate; without it clients talk to llama-server directly")
    parser.add_argument("--slots", type=int, default=1, help="requests llama-server answers at once")
    parser.add_argument("--max-waiting", type=int, default=16, help="requests that may wait for a slot")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- llama-server and its options")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the llama-server command after --")
    gate = None
    if args.port is not None:
        from campaign_lab.ai.gate import serve_gate

        try:
            gate = serve_gate(args.host, args.port, _option(command, "--port"), args.slots, args.max_waiting)
        except OSError as error:
            print(f"error: couldn't bind the gate to {args.host}:{args.port}: {error}", file=sys.stderr, flush=True)
            return 1
    child = start_child(command)

    def stop_on_signal(number, _frame):
        stop_child(child)
        sys.exit(128 + number)

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, stop_on_signal)
    reason = watch(child, args.state_file)
    print(f"Stopping: {reason}.", file=sys.stderr, flush=True)
    code = stop_child(child)
    if gate is not None:
        gate.shutdown()
    return code if code > 0 else 0


def _option(command: list[str], name: str) -> int:
    """The integer value following ``name`` in ``command`` (llama-server's inner port)."""
    return int(command[command.index(name) + 1])


if __name__ == "__main__":
    sys.exit(main())
