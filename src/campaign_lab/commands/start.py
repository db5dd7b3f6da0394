"""Prepare the course and open it in JupyterLab with notebook 00.

Says where the course runs (this computer, a JupyterHub or a public Binder)
and what leaves the machine there, generates the classroom data, starts the
local AI model, releases the student notebooks and copies them into
workspace/ (your answers there are never overwritten), then starts JupyterLab
and prints its address. Running it again is quick: only what is missing is
done. With --trainer, the Lab also shows nbgrader's panels for making and
grading assignments.
"""

from __future__ import annotations

import os
import shutil
import sys

from campaign_lab import course, paths
from campaign_lab.errors import BadInput, LabError
from campaign_lab.where import where_it_runs

HELP = "prepare data, model and notebooks, then open JupyterLab on notebook 00"
FIRST_NOTEBOOK = "00-start-here"


def add_arguments(parser) -> None:
    parser.add_argument("--no-lab", action="store_true", help="prepare everything but do not start JupyterLab")
    parser.add_argument("--no-model", action="store_true", help="do not start the local AI model (for image builds)")
    parser.add_argument("--port", type=int, default=8888, help="JupyterLab port (default: 8888)")
    parser.add_argument("--ip", default="127.0.0.1", help="address to listen on (default: 127.0.0.1; use 0.0.0.0 on a server)")
    parser.add_argument("--trainer", action="store_true",
                        help="show nbgrader's panels for making, releasing and grading assignments (hidden from trainees)")


def run(args) -> int:
    print(where_it_runs(), flush=True)
    _install_jupyter_config()
    _prepare_data()
    if not args.no_model:
        _start_model()
    _prepare_notebooks()
    _prepare_exchange()
    if args.no_lab:
        print("Ready. Start JupyterLab with: make start")
        return 0
    return _launch_lab(args.ip, args.port, trainer=args.trainer)


def _install_jupyter_config() -> None:
    """The course's nbgrader settings and the trainee's Lab (no news, no authoring panels); unchanged files are not rewritten."""
    try:
        course.install_jupyter_config()
    except OSError as error:  # a shared, read-only environment: its owner installs the config
        print(f"Could not update the Jupyter settings of this environment ({error}); "
              "the Lab may ask about Jupyter news or show nbgrader's authoring panels.", file=sys.stderr, flush=True)


def _prepare_data() -> None:
    from campaign_lab import data  # pandas and pyarrow: imported when the command runs

    data.ensure_data("default")


def _start_model() -> None:
    """Start the local AI model; if it cannot start, say why and go on (notebooks up to 01 work without it)."""
    from campaign_lab.ai import server

    try:
        print(f"AI model: {server.serve()}")
    except (LabError, OSError) as error:  # a model problem must not keep the course closed
        print(f"The local AI model did not start ({error}). Notebooks up to 01 work without it; "
              "see `campaign-lab model status`.", file=sys.stderr, flush=True)


def _prepare_notebooks() -> None:
    copied = course.prepare_workspace()
    if copied:
        print(f"Copied {len(copied)} notebook(s) into workspace/: {', '.join(copied)}")


def _prepare_exchange() -> None:
    try:
        course.ensure_exchange()
    except OSError as error:  # e.g. CAMPAIGN_LAB_EXCHANGE names a folder this user may not create
        print(f"Could not create nbgrader's exchange folder ({error}); releasing and collecting assignments "
              "from the Lab will not work until it exists.", file=sys.stderr, flush=True)


def lab_command(ip: str, port: int, first: str) -> list[str]:
    """The command line of JupyterLab on the course folder, opening ``first`` (a path inside it)."""
    command = [
        jupyter_program(), "lab", "--no-browser",
        f"--ServerApp.root_dir={paths.project_root()}",
        f"--ServerApp.ip={ip}", f"--ServerApp.port={port}",
        f"--LabApp.default_url=/lab/tree/{first}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and cloud machines often run as root
    return command


def jupyter_program() -> str:
    jupyter = shutil.which("jupyter", path=os.path.dirname(sys.executable)) or shutil.which("jupyter")
    if jupyter is None:
        raise BadInput("JupyterLab is not installed in this environment; run `make start` from the course folder.")
    return jupyter


def _launch_lab(ip: str, port: int, trainer: bool = False) -> int:
    jupyter = jupyter_program()
    first = f"workspace/{FIRST_NOTEBOOK}/{FIRST_NOTEBOOK}.ipynb"
    print(f"\nOpening the course. When the address appears below, open it in your browser (it ends with /lab).\n"
          f"Your first notebook: {first}\nStop the course with Ctrl+C.\n", flush=True)
    command = lab_command(ip, port, first)
    if trainer:
        _put_first_on_config_path(course.trainer_jupyter_config(paths.state_dir() / "jupyter-trainer"))
        print("Trainer view: nbgrader's Create Assignment, Formgrader and Courses panels are on.", flush=True)
    os.execv(jupyter, command)
    return 0  # not reached


def _put_first_on_config_path(folder) -> None:
    current = os.environ.get("JUPYTER_CONFIG_PATH")
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join([str(folder), current] if current else [str(folder)])
