"""Open one module for a live demo, its opening cells already run once so they answer at once in front of the room.

`campaign-lab demo 09` makes a demo copy of the released notebook in demo/
(trainees' workspace/ is not touched), generates the data, starts and warms
the local AI model if the module uses it, starts JupyterLab, and runs the
notebook's opening cells (everything before the first exercise) once in the
notebook's own kernel, out of sight. Then it prints the address to open: the
notebook is attached to that warm kernel. `--reset` puts the demo copy back as
released first; `campaign-lab demo --reset` alone resets every demo copy.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import time
import urllib.error
import urllib.request

from campaign_lab import paths
from campaign_lab.commands import start
from campaign_lab.errors import EXIT_OK, BadInput, LabError
from campaign_lab.where import where_it_runs

HELP = "open a module for a live demo, its opening cells run once so they answer at once"
LAB_START_TIMEOUT_S = 120


def add_arguments(parser) -> None:
    parser.add_argument("module", nargs="?", help="the module to demo: its number (09) or full name")
    parser.add_argument("--reset", action="store_true",
                        help="put the demo copy back as released first (without a module: every demo copy)")
    parser.add_argument("--port", type=int, default=8888, help="JupyterLab port (default: 8888)")
    parser.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")


def run(args) -> int:
    from campaign_lab import course, demo

    if args.module is None:
        if not args.reset:
            raise LabError("Name the module to demo, such as `campaign-lab demo 09` (or `--reset` to reset every demo copy).")
        had = demo.reset(course.modules())
        print(f"Reset {len(had)} demo notebook(s) to the released version." if had else "There were no demo notebooks to reset.")
        return EXIT_OK
    module = demo.check_module(args.module)
    from campaign_lab.ai import server

    if not server.port_is_free(args.port, args.ip):
        raise BadInput(f"Port {args.port} is already in use (another JupyterLab?); choose another with --port.")
    print(where_it_runs(), flush=True)
    start._install_jupyter_config()
    start._prepare_data()
    notebook = demo.prepare(module, fresh=args.reset)
    if demo.uses_the_model(module):
        start._start_model()
    return _serve(module, notebook.relative_to(paths.project_root()).as_posix(), args.ip, args.port)


def _serve(module: str, relative: str, ip: str, port: int) -> int:
    """Start JupyterLab, warm the notebook's kernel, say where to open it, and wait until Ctrl+C."""
    token = os.environ.get("JUPYTER_TOKEN") or secrets.token_urlsafe(24)
    local = f"http://127.0.0.1:{port}"
    log_path = paths.state_dir() / "demo-lab.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log:  # JupyterLab's own log, for when it fails
        lab = subprocess.Popen([*start.lab_command(ip, port, relative), "--ServerApp.port_retries=0"],
                               env={**os.environ, "JUPYTER_TOKEN": token}, stdout=log, stderr=subprocess.STDOUT)
    for closing in (signal.SIGTERM, signal.SIGHUP):  # a closed terminal stops the Lab too, as Ctrl+C does
        signal.signal(closing, _interrupt)
    try:
        _wait_for_lab(lab, local, token, log_path)
        print(f"Warming up {module}: its opening cells run once in the notebook's kernel ...", flush=True)
        _warm(module, relative, local, token)
        shown = local if ip in ("127.0.0.1", "localhost", "0.0.0.0") else f"http://{ip}:{port}"
        print(f"\nReady. Open {shown}/lab/tree/{relative}?token={token}\nStop the demo with Ctrl+C.", flush=True)
        return lab.wait()
    except KeyboardInterrupt:
        return EXIT_OK
    finally:
        if lab.poll() is None:
            lab.terminate()
            try:
                lab.wait(timeout=20)
            except subprocess.TimeoutExpired:
                lab.kill()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _wait_for_lab(lab: subprocess.Popen, url: str, token: str, log_path) -> None:
    deadline = time.monotonic() + LAB_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if lab.poll() is not None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:].strip()
            raise LabError(f"JupyterLab stopped while starting (its log: {log_path}):\n{tail}")
        try:
            _call(url, token, "GET", "/api/status")
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise LabError(f"JupyterLab did not answer on {url} within {LAB_START_TIMEOUT_S} s.")


def _call(url: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(url + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"{}")


def _warm(module: str, relative: str, url: str, token: str) -> None:
    """Open the notebook's session (the one the Lab attaches to) and run its opening cells in its kernel."""
    from jupyter_client import BlockingKernelClient
    from jupyter_core.paths import jupyter_runtime_dir

    from campaign_lab import demo

    session = _call(url, token, "POST", "/api/sessions",
                    {"path": relative, "name": relative.rsplit("/", 1)[-1], "type": "notebook", "kernel": {"name": "python3"}})
    client = BlockingKernelClient(connection_file=os.path.join(jupyter_runtime_dir(), f"kernel-{session['kernel']['id']}.json"))
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        runs = demo.run_cells(client, demo.read_opening_cells(module))
    finally:
        client.stop_channels()
    print(demo.describe_warm_up(runs), flush=True)
