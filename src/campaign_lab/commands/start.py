"""Prepare the course and open it in JupyterLab with notebook 00.

Generates the classroom data, starts the local AI model, releases the student
notebooks and copies them into workspace/ (your answers there are never
overwritten), then starts JupyterLab and prints its address. Running it again
is quick: only what is missing is done.
"""

from __future__ import annotations

import os
import shutil
import sys

from campaign_lab import course, paths
from campaign_lab.errors import BadInput

HELP = "prepare data, model and notebooks, then open JupyterLab on notebook 00"
FIRST_NOTEBOOK = "00-start-here"


def add_arguments(parser) -> None:
    parser.add_argument("--no-lab", action="store_true", help="prepare everything but do not start JupyterLab")
    parser.add_argument("--no-model", action="store_true", help="do not start the local AI model (for image builds)")
    parser.add_argument("--port", type=int, default=8888, help="JupyterLab port (default: 8888)")
    parser.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: 127.0.0.1; use 0.0.0.0 on a server)")


def run(args) -> int:
    _prepare_data()
    if not args.no_model:
        _start_model()
    _prepare_notebooks()
    if args.no_lab:
        print("Ready. Start JupyterLab with: make start")
        return 0
    return _launch_lab(args.ip, args.port)


def _prepare_data() -> None:
    try:
        from campaign_lab import data
    except ImportError:
        return
    data.ensure_data("default")


def _start_model() -> None:
    """Start the local AI model if it is installed; the course works without it until module 1."""
    try:
        from campaign_lab.ai import server
    except ImportError:
        return
    try:
        print(f"AI model: {server.serve()}")
    except Exception as error:  # a model problem must not keep the course closed
        print(f"The local AI model did not start ({error}). Notebooks up to 01 work without it; "
              "see `campaign-lab model status`.")


def _prepare_notebooks() -> None:
    copied = course.prepare_workspace()
    if copied:
        print(f"Copied {len(copied)} notebook(s) into workspace/: {', '.join(copied)}")


def _launch_lab(ip: str, port: int) -> int:
    jupyter = shutil.which("jupyter", path=os.path.dirname(sys.executable)) or shutil.which("jupyter")
    if jupyter is None:
        raise BadInput("JupyterLab is not installed in this environment; run `make start` from the course folder.")
    first = f"workspace/{FIRST_NOTEBOOK}/{FIRST_NOTEBOOK}.ipynb"
    print(f"\nOpening the course. When the address appears below, open it in your browser (it ends with /lab).\n"
          f"Your first notebook: {first}\nStop the course with Ctrl+C.\n", flush=True)
    command = [
        jupyter, "lab", "--no-browser",
        f"--ServerApp.root_dir={paths.project_root()}",
        f"--ServerApp.ip={ip}", f"--ServerApp.port={port}",
        f"--LabApp.default_url=/lab/tree/{first}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and cloud machines often run as root
    os.execv(jupyter, command)
    return 0  # not reached
