"""`make start`'s preparation: complete the first time, quick and harmless the second, and Binder's scripts."""

import contextlib
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import venv
from pathlib import Path

import pytest

from campaign_lab import course, paths
from campaign_lab.commands import start
from campaign_lab.where import where_it_runs

ROOT = paths.project_root()


def _course_copy(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    for folder in ("notebooks", "datasets/profiles", "graders"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def _prepare(root: Path, model: bool = False, **variables: str):
    env = dict(os.environ, CAMPAIGN_LAB_ROOT=str(root), **variables)
    options = [] if model else ["--no-model"]
    return subprocess.run([sys.executable, "-m", "campaign_lab.cli", "start", "--no-lab", *options],
                          env=env, capture_output=True, text=True, timeout=900)


def _snapshot(folder: Path) -> dict:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_start_prepares_the_workspace_then_changes_nothing_the_second_time(tmp_path):
    root = _course_copy(tmp_path)
    first = _prepare(root)
    assert first.returncode == 0, first.stderr
    notebook = root / "workspace" / "00-start-here" / "00-start-here.ipynb"
    assert notebook.exists() and "### BEGIN SOLUTION" not in notebook.read_text()
    notebook.write_text(notebook.read_text().replace("n_wards = ____", "n_wards = 8"))  # a trainee's answer
    before = _snapshot(root / "workspace") | _snapshot(root / "release")
    second = _prepare(root)
    assert second.returncode == 0, second.stderr
    assert "Copied" not in second.stdout
    assert _snapshot(root / "workspace") | _snapshot(root / "release") == before
    assert "n_wards = 8" in notebook.read_text()


@pytest.mark.slow
def test_start_recovers_from_an_interrupted_first_run_says_where_it_runs_and_makes_the_exchange(tmp_path):
    root = _course_copy(tmp_path)
    (root / "release" / "00-start-here").mkdir(parents=True)  # release began, nothing written
    result = _prepare(root, model=True, CAMPAIGN_LAB_MODEL_PATH=str(tmp_path / "no-such-model.gguf"))
    assert result.returncode == 0, result.stderr
    assert (root / "workspace" / "00-start-here" / "00-start-here.ipynb").exists()
    assert result.stdout.splitlines()[0] == where_it_runs()
    assert "The local AI model did not start" in result.stderr and "did not start" not in result.stdout
    exchange = root / "var" / "exchange"
    assert exchange.is_dir() and exchange.stat().st_mode & 0o777 == 0o777
    check = "from campaign_lab import course; print(course.nbgrader_api().exchange_missing)"
    api = subprocess.run([sys.executable, "-c", check], env=dict(os.environ, CAMPAIGN_LAB_ROOT=str(root)),
                         capture_output=True, text=True, timeout=300)
    assert api.stdout.strip() == "False", api.stderr  # the formgrader's "exchange does not exist" warning is gone


def test_binder_scripts_are_executable_and_strict():
    for name in ("postBuild", "start"):
        script = ROOT / "binder" / name
        assert os.access(script, os.X_OK), f"binder/{name} must be executable"
        assert "set -euo pipefail" in script.read_text()
    assert 'exec "$@"' in (ROOT / "binder" / "start").read_text()


@pytest.mark.slow
def test_binder_postbuild_and_start_work_in_a_fresh_environment(tmp_path):
    """What repo2docker does, minus the container: a new environment, postBuild, then start."""
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", VIRTUAL_ENV=str(env_dir))
    env.pop("PYTHONPATH", None)
    build = subprocess.run(["bash", str(ROOT / "binder" / "postBuild")], env=env, capture_output=True, text=True, timeout=1800)
    assert build.returncode == 0, build.stdout[-2000:] + build.stderr[-2000:]
    assert (bin_dir / "campaign-lab").exists()
    started = subprocess.run([str(ROOT / "binder" / "start"), "python", "-c", "print('server would start here')"],
                             env=env, capture_output=True, text=True, timeout=600)
    try:
        assert started.returncode == 0, started.stderr[-2000:]
        assert "server would start here" in started.stdout
        assert (ROOT / "workspace" / "00-start-here" / "00-start-here.ipynb").exists()
    finally:
        subprocess.run([str(bin_dir / "campaign-lab"), "model", "stop"], env=env, capture_output=True, timeout=60)


# -- where it runs -----------------------------------------------------------------
LAPTOP, HUB = {}, {"JUPYTERHUB_API_URL": "http://hub:8081/hub/api", "JUPYTERHUB_USER": "amina",
                   "JUPYTERHUB_PUBLIC_HUB_URL": "https://lab.example.org/hub/"}
BINDER = dict(HUB, BINDER_LAUNCH_HOST="https://mybinder.org/", BINDER_REPO_URL="https://github.com/example/course")


def test_on_a_laptop_the_banner_says_nothing_leaves_this_computer():
    line = where_it_runs(LAPTOP)
    assert "on this computer" in line and "nothing you type leaves it" in line and "\n" not in line


def test_on_a_hub_the_banner_names_the_server_and_says_work_is_kept_there():
    line = where_it_runs(HUB)
    assert "JupyterHub server (lab.example.org)" in line and "not on your computer" in line
    assert "nothing you type leaves" not in line and "\n" not in line


def test_on_binder_the_banner_says_it_is_someone_elses_server_even_though_binder_runs_a_hub():
    line = where_it_runs(BINDER)
    assert "public Binder server (mybinder.org)" in line and "someone else's server" in line
    assert "made-up data" in line and "\n" not in line


def test_notebook_00_shows_the_banner_in_its_first_code_cell():
    notebook = json.loads((ROOT / "notebooks" / "00-start-here" / "00-start-here.ipynb").read_text())
    first = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    source = "".join(first["source"])
    assert "where_it_runs()" in source and not first["outputs"]
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()) as shown:
        exec(compile(source, "cell", "exec"), namespace)
    assert shown.getvalue().strip() == where_it_runs()


# -- the Lab start opens ----------------------------------------------------------
def _lab_launch(monkeypatch, tmp_path, trainer: bool) -> tuple[list[str], dict]:
    """The command and environment `campaign-lab start` would hand over to JupyterLab."""
    monkeypatch.setenv("CAMPAIGN_LAB_ROOT", str(tmp_path))
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "")
    launched = {}
    monkeypatch.setattr(os, "execv", lambda path, argv: launched.update(argv=list(argv), env=dict(os.environ)))
    with contextlib.redirect_stdout(io.StringIO()):
        start._launch_lab("127.0.0.1", _free_port(), trainer=trainer)
    isolated = {"JUPYTER_CONFIG_DIR": str(tmp_path / "user-config"), "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "user-settings"),
                "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    return launched["argv"], dict(launched["env"], **isolated)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _disabled_extensions(env: dict) -> list[str]:
    """The extensions JupyterLab's page config turns off, from the config folders this environment finds."""
    code = ("import json; from jupyter_server.services.config.manager import ConfigManager\n"
            "config = ConfigManager(config_dir_name='labconfig').get('page_config').get('disabledExtensions', {})\n"
            "print(json.dumps([name for name, off in config.items() if off]))")
    listed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    return json.loads(listed.stdout)


@pytest.mark.slow
def test_a_trainees_lab_asks_for_no_news_and_hides_nbgraders_authoring_panels(monkeypatch, tmp_path):
    argv, env = _lab_launch(monkeypatch, tmp_path, trainer=False)
    lab = subprocess.Popen(argv + ["--IdentityProvider.token=test-token", "--ServerApp.port_retries=0"],
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port = next(a.split("=")[1] for a in argv if a.startswith("--ServerApp.port="))
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/api/status?token=test-token", lab)
        notification = json.loads(_get(f"{base}/lab/api/settings/@jupyterlab/apputils-extension:notification?token=test-token"))
        defaults = {name: spec.get("default") for name, spec in notification["schema"]["properties"].items()}
        assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False
        page = _get(f"{base}/lab?token=test-token")
        config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', page, re.S)[1])
        assert set(config["disabledExtensions"]) >= set(course.TRAINER_EXTENSIONS)
        assert "@jupyter/nbgrader:validate-assignment" not in config["disabledExtensions"]
    finally:
        lab.terminate()
        lab.wait(timeout=60)


def test_a_trainers_lab_gets_nbgraders_authoring_panels_back(monkeypatch, tmp_path):
    _, trainee = _lab_launch(monkeypatch, tmp_path, trainer=False)
    _, trainer = _lab_launch(monkeypatch, tmp_path, trainer=True)
    assert set(_disabled_extensions(trainee)) >= set(course.TRAINER_EXTENSIONS)
    assert not set(_disabled_extensions(trainer)) & set(course.TRAINER_EXTENSIONS)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8")


def _wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "JupyterLab exited before it answered"
        try:
            _get(url)
            return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"JupyterLab did not answer within {seconds:.0f} s")
