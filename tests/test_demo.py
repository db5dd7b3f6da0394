"""A facilitator's live demo: `campaign-lab demo NN` opens a copy of the released notebook whose opening cells already ran.

The end-to-end test starts the command as a facilitator does, on a course copy
with module 00, and checks what she would see: the address it prints, a
JupyterLab session for the demo copy whose kernel already holds what the
opening cells made, and trainees' workspace/ untouched. Ctrl+C, or closing
the terminal, stops the Lab.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager

from campaign_lab import course, demo, paths
from campaign_lab.errors import BadInput
from cohort_tools import MODULE, course_copy, free_port, wait_until

LAB = Path(sys.executable).with_name("campaign-lab")


@pytest.fixture()
def course_root(tmp_path, monkeypatch):
    root = course_copy(tmp_path / "course")
    generated = paths.generated_data_dir()
    if generated.is_dir():  # else the command generates the classroom data itself
        shutil.copytree(generated, root / "datasets" / "generated")
    before = os.environ.get("CAMPAIGN_LAB_ROOT")
    monkeypatch.setenv("CAMPAIGN_LAB_ROOT", str(root))
    yield root
    # `campaign-lab demo` points this environment's Jupyter at the course it runs on (as `start`
    # does): point it back at the real course, or later tests' nbgrader would read a deleted one.
    if before is None:
        monkeypatch.delenv("CAMPAIGN_LAB_ROOT")
    else:
        monkeypatch.setenv("CAMPAIGN_LAB_ROOT", before)
    course.install_jupyter_config()


@pytest.mark.parametrize(("asked", "module"), [("9", "09-drafting-with-ai"), ("09", "09-drafting-with-ai"),
                                               ("00-start-here", "00-start-here")])
def test_a_module_is_named_by_its_number_or_its_name(asked, module):
    assert demo.check_module(asked) == module


@pytest.mark.parametrize("asked", ["99", "00,01"])
def test_anything_but_one_module_is_refused_in_one_line(asked):
    with pytest.raises(BadInput, match="one module|no notebook"):
        demo.check_module(asked)


def test_the_demo_copy_is_the_released_notebook_kept_until_reset_and_apart_from_the_workspace(course_root):
    copy = demo.prepare(MODULE)
    released = nbformat.read(str(paths.release_dir() / MODULE / f"{MODULE}.ipynb"), as_version=4)
    assert copy == course_root / "demo" / MODULE / f"{MODULE}.ipynb"
    assert nbformat.read(str(copy), as_version=4).cells == released.cells
    assert not (course_root / "workspace").exists()

    copy.write_text(copy.read_text().replace("Start here", "Edited live"))
    assert "Edited live" in demo.prepare(MODULE).read_text(), "an existing demo copy is kept"
    assert demo.reset(course.modules()) == [MODULE]
    assert "Edited live" not in copy.read_text()


def test_opening_cells_run_in_a_kernel_one_by_one_and_a_failing_cell_is_reported_not_raised():
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        runs = demo.run_cells(client, ["greeting = 'hello'", "1 / 0", "assert greeting == 'hello'"])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert [run.error is None for run in runs] == [True, False, True]
    assert "ZeroDivisionError" in runs[1].error
    assert "Opening cell 2 raised ZeroDivisionError" in demo.describe_warm_up(runs)


def test_demo_without_a_module_or_reset_says_what_to_type(course_root):
    done = subprocess.run([str(LAB), "demo"], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "campaign-lab demo 09" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_port_already_in_use_is_refused_in_one_line_before_anything_starts(course_root):
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        done = subprocess.run([str(LAB), "demo", "00", "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"Port {port} is already in use" in done.stderr and "Traceback" not in done.stderr
    assert not (course_root / "demo").exists()


@pytest.mark.slow
@pytest.mark.parametrize("stop_with", [signal.SIGINT, signal.SIGHUP], ids=["ctrl-c", "terminal-closed"])
def test_demo_opens_the_notebook_on_a_kernel_that_already_ran_its_opening_cells(course_root, stop_with):
    port, token = free_port(), "demo-test-token"
    relative = f"demo/{MODULE}/{MODULE}.ipynb"
    env = {**os.environ, "JUPYTER_TOKEN": token, "CI": "true"}
    facilitator = subprocess.Popen([str(LAB), "demo", "00", "--port", str(port)], env=env, cwd=course_root,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    printed = []
    try:
        for line in facilitator.stdout:
            printed.append(line)
            if line.startswith("Ready.") or len(printed) > 200:
                break
        assert any(f"http://127.0.0.1:{port}/lab/tree/{relative}?token={token}" in line for line in printed), "".join(printed)
        assert any(line.startswith("Ran the ") for line in printed), "".join(printed)

        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/sessions", headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            sessions = json.loads(response.read())
        assert [session["path"] for session in sessions] == [relative]
        kernel = sessions[0]["kernel"]["id"]
        assert _kernel_knows(kernel, "campaign"), "the opening cells did not run in the notebook's kernel"
        assert not (course_root / "workspace").exists()
    finally:
        os.kill(facilitator.pid, stop_with)
        facilitator.wait(timeout=60)
    wait_until(lambda: not _answers(port), 30, "JupyterLab to stop")


def _kernel_knows(kernel_id: str, name: str) -> bool:
    from jupyter_client import BlockingKernelClient
    from jupyter_core.paths import jupyter_runtime_dir

    client = BlockingKernelClient(connection_file=os.path.join(jupyter_runtime_dir(), f"kernel-{kernel_id}.json"))
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=30)
        reply = client.execute_interactive(f"assert {name!r} in globals()", timeout=30, output_hook=lambda message: None)
        return reply["content"]["status"] == "ok"
    finally:
        client.stop_channels()


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status", timeout=2):
            return True
    except OSError as error:
        return getattr(error, "code", None) is not None  # an HTTP error still means it answers
