"""`make start`'s preparation: complete the first time, quick and harmless the second, and Binder's scripts."""

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from campaign_lab import paths

ROOT = paths.project_root()


def _course_copy(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    for folder in ("notebooks", "datasets/profiles", "graders"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def _prepare(root: Path):
    env = dict(os.environ, CAMPAIGN_LAB_ROOT=str(root))
    return subprocess.run([sys.executable, "-m", "campaign_lab.cli", "start", "--no-lab", "--no-model"],
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


def test_start_recovers_from_an_interrupted_first_run(tmp_path):
    root = _course_copy(tmp_path)
    (root / "release" / "00-start-here").mkdir(parents=True)  # release began, nothing written
    result = _prepare(root)
    assert result.returncode == 0, result.stderr
    assert (root / "workspace" / "00-start-here" / "00-start-here.ipynb").exists()


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
