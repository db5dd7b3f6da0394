import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from campaign_lab import course, paths  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def pytest_configure(config):
    # The course's Jupyter configuration must be in place for nbgrader commands.
    course.install_jupyter_config()


@pytest.fixture(scope="session")
def modules():
    found = course.modules()
    assert found, "no notebooks found in notebooks/"
    return found


@pytest.fixture(scope="session")
def project_root():
    return paths.project_root()


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The course website, built once by `campaign-lab docs` for every test that reads it."""
    out = tmp_path_factory.mktemp("docs") / "site"
    built = subprocess.run([sys.executable, "-m", "campaign_lab.cli", "docs", "--out", str(out)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    assert "WARNING" not in built.stderr, built.stderr
    return out


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, the system's own (Playwright never downloads one here), one per test module."""
    from browser_tools import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session", autouse=True)
def stop_model_server_started_by_notebooks():
    """Notebooks start the course's local model server when they need it; stop it
    at the end if this test session started it (found it not running)."""
    from campaign_lab.ai import server

    was_running = server.status().running
    yield
    if not was_running and server.status().running:
        server.stop()
