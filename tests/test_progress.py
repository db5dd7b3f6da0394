"""Progress bars: drawn on a terminal's stderr, silent with --quiet, in CI and when stderr is captured."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import subprocess
import sys
import termios
import time

import pytest

from campaign_lab import progress


class Terminal(io.StringIO):
    """A text stream that says it is a terminal, as a console's stderr does."""

    def isatty(self) -> bool:
        return True


def draw(quiet: bool = False, stream=None) -> str:
    stream = Terminal() if stream is None else stream
    with progress.bar(total=3, description="Releasing notebooks", unit="notebook", quiet=quiet, stream=stream) as steps:
        for _ in range(3):
            steps.update()
    return stream.getvalue()


@pytest.fixture(autouse=True)
def not_in_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)


def test_a_terminal_sees_the_bar_reach_the_last_step():
    shown = draw()
    assert "Releasing notebooks" in shown and "3/3" in shown


def test_quiet_draws_nothing():
    assert draw(quiet=True) == ""


def test_ci_draws_nothing(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert draw() == ""


def test_a_captured_stream_draws_nothing():
    assert draw(stream=io.StringIO()) == ""


def test_iterating_over_a_silent_bar_still_gives_every_item():
    assert list(progress.bar(range(4), description="x", quiet=True)) == [0, 1, 2, 3]


def run_on_a_terminal(arguments: list[str]) -> tuple[str, str]:
    """Run campaign-lab with stderr on a pseudo-terminal; return (stdout, what the terminal showed)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a 100-column window
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    child = subprocess.Popen([sys.executable, "-m", "campaign_lab.cli", *arguments], stdout=subprocess.PIPE,
                             stderr=follower, env=env, text=True)
    os.close(follower)
    shown = b""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    stdout = child.communicate(timeout=60)[0]
    assert child.returncode == 0, shown.decode(errors="replace")
    return stdout, shown.decode(errors="replace")


def test_campaign_lab_data_shows_its_bar_on_a_terminal_and_not_with_quiet(tmp_path):
    stdout, shown = run_on_a_terminal(["data", "--voters", "200", "--out", str(tmp_path / "loud")])
    assert "Generating default voters" in shown and "200/200" in shown
    assert "Generating" not in stdout and "Wrote" in stdout  # the bar never goes to stdout
    stdout, shown = run_on_a_terminal(["data", "--voters", "200", "--out", str(tmp_path / "quiet"), "--quiet"])
    assert "Generating" not in shown and "Wrote" in stdout


@pytest.mark.parametrize("command", ["run", "data", "release"])
def test_each_long_command_offers_quiet(command):
    done = subprocess.run([sys.executable, "-m", "campaign_lab.cli", command, "--help"], capture_output=True, text=True)
    assert "--quiet" in done.stdout
