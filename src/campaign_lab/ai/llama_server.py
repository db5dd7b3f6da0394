"""Run llama-cpp-python's OpenAI-compatible server, answering each request from scratch.

Usage (started for you by ``campaign-lab model serve``)::

    python -m campaign_lab.ai.llama_server --model FILE.gguf --host 127.0.0.1 --port 8765 \\
        [--state-file var/model/server.json] [other llama_cpp.server options]

It takes the same options as ``python -m llama_cpp.server``, with two changes:

* llama-cpp-python normally reuses the part of the previous prompt that
  matches the new one, which makes the answer to a prompt depend on what was
  asked before (at temperature 0 the text can change after a few words). Here
  every request starts from an empty context, so the same prompt with the
  same seed always gives the same text, which live demos and grading rely on.
* With ``--state-file``, the server stops by itself once that record is
  deleted or names another process, so a server whose course folder was
  removed (a temporary copy, a grading sandbox) does not run on forever.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

GRACE_S = 3.0  # the record is written right after the process starts
CHECK_EVERY_S = 1.0
MISSES_BEFORE_STOP = 2  # tolerate one unreadable moment


def answer_each_request_from_scratch() -> None:
    """Make ``llama_cpp.Llama.generate`` forget the previous prompt before each request."""
    import llama_cpp

    original = llama_cpp.Llama.generate
    if getattr(original, "_from_scratch", False):
        return

    def generate(self, tokens, *args, **kwargs):
        if kwargs.get("reset", True):
            self.reset()
        return original(self, tokens, *args, **kwargs)

    generate._from_scratch = True
    llama_cpp.Llama.generate = generate


def still_recorded(state_file: Path) -> bool:
    """True if ``state_file`` names this process as the course's model server."""
    try:
        return json.loads(state_file.read_text(encoding="utf-8"))["pid"] == os.getpid()
    except (OSError, ValueError, KeyError, TypeError):
        return False


def stop_when_forgotten(state_file: Path) -> threading.Thread:
    """Watch ``state_file`` in the background and stop this server once it no longer names us."""

    def watch() -> None:
        time.sleep(GRACE_S)
        misses = 0
        while misses < MISSES_BEFORE_STOP:
            misses = 0 if still_recorded(state_file) else misses + 1
            time.sleep(CHECK_EVERY_S)
        print(f"Stopping: {state_file} no longer names this server.", file=sys.stderr, flush=True)
        os.kill(os.getpid(), signal.SIGTERM)  # the web server shuts down cleanly on SIGTERM

    watcher = threading.Thread(target=watch, name="state-file-watcher", daemon=True)
    watcher.start()
    return watcher


def _pop_option(argv: list[str], name: str) -> str | None:
    """Remove ``name VALUE`` from ``argv`` and return VALUE (None if absent)."""
    if name not in argv:
        return None
    index = argv.index(name)
    value = argv[index + 1]
    del argv[index : index + 2]
    return value


def main() -> None:
    """Start the server with the command-line options given."""
    state_file = _pop_option(sys.argv, "--state-file")
    answer_each_request_from_scratch()
    if state_file:
        stop_when_forgotten(Path(state_file))
    from llama_cpp.server.__main__ import main as llama_server_main

    llama_server_main()


if __name__ == "__main__":
    main()
