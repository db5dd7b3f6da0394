"""The grading sandbox: every hostile submission ends with the right status and harms nothing.

One batch of hostile submissions (see ``tests/hostile/make_submissions.py``)
is generated from a tiny nbgrader notebook and executed two at a time, once
with a new sandbox per notebook ("cold") and once in two warm boxes that each
run half of the batch one notebook after another ("warm"); each test then
checks one behaviour of that batch.
"""

from __future__ import annotations

import hashlib
import json
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from campaign_lab.errors import BadInput
from campaign_lab.grading import sandbox
from campaign_lab.grading.sandbox import GiB, MiB, Limits, Status
from campaign_lab.grading.warm_box import BoxPool, course_imports
from hostile.make_submissions import FORK_BOMB_SIZE, KINDS, write_submissions
from hostile.tiny_course import ASSIGNMENT, HIDDEN_MARKER, write_source

pytestmark = pytest.mark.slow

TEST_LIMITS = Limits(
    wall_seconds=120, cell_seconds=10, cpu_seconds=120, memory_bytes=3 * GiB // 2,
    max_processes=48, file_bytes=16 * MiB, output_bytes=1 * MiB,
)


class Listener:
    """A 127.0.0.1 TCP server that records whether anyone connected (bounded wait)."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.5)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                connection, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        self.server.close()


def snapshot(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the hash of its content."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*")) if path.is_file()
    }


def outputs_text(result: sandbox.SandboxResult) -> str:
    """All text the executed notebook shows (streams, results, errors)."""
    return json.dumps([cell.get("outputs", []) for cell in
                       json.loads(result.executed.read_text())["cells"]])


def safe_kinds(mechanism: sandbox.Mechanism) -> tuple[str, ...]:
    """The kinds this machine's sandbox can contain: never run file or network attacks unboxed."""
    unsafe = set()
    if not mechanism.hides_files:
        unsafe |= {"reads_others", "deletes_files"}
    if not mechanism.isolates_network:
        unsafe.add("network")  # its DNS lookup would leave the machine
    return tuple(kind for kind in KINDS if kind not in unsafe)


def result_for(batch, kind: str) -> sandbox.SandboxResult:
    if kind not in batch["results"]:
        pytest.skip(f"{kind} is not run: this machine's sandbox cannot contain it (install bubblewrap)")
    return batch["results"][kind]


@pytest.fixture(scope="module")
def mechanism():
    return sandbox.detect_mechanism()


@pytest.fixture(scope="module", params=["cold", "warm"])
def batch(request, tmp_path_factory, mechanism):
    """Generate every hostile kind and execute them all, two at a time."""
    if request.param == "warm" and mechanism.name != "bwrap":
        pytest.skip("warm boxes need bubblewrap")
    course = tmp_path_factory.mktemp("course")
    source = write_source(course / "source")
    (course / "gradebook.db").write_bytes(b"the trainer's gradebook")
    listener = Listener()
    submissions = write_submissions(source, course / "submitted", ASSIGNMENT, course_root=course,
                                    port=listener.port, kinds=safe_kinds(mechanism))
    before = snapshot(course)
    out = tmp_path_factory.mktemp("executed")

    boxes = BoxPool(2, mechanism, TEST_LIMITS, [], course_imports([source]))

    def execute(path, box=None):
        return sandbox.execute_notebook(path, out / path.parent.parent.name, limits=TEST_LIMITS,
                                        mechanism=mechanism, box=box)

    def run(item):
        kind, path = item
        if request.param == "cold":
            return kind, execute(path)
        with boxes.box() as box:
            assert box.kind == "warm", f"no warm box: {boxes.disabled_reason}"
            return kind, execute(path, box)

    with boxes, ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(pool.map(run, submissions.items()))
    listener.close()
    yield {"results": results, "before": before, "after": snapshot(course), "course": course,
           "listener": listener, "submissions": submissions}


@pytest.mark.parametrize(
    "kind, status",
    [
        ("correct", Status.GRADED),
        ("partly_correct", Status.GRADED),
        ("empty", Status.GRADED),
        ("endless_loop", Status.TIMED_OUT),
        ("memory_hog", Status.OUT_OF_MEMORY),
        ("fork_bomb", Status.GRADED),
        ("crash_exit", Status.CRASHED),
        ("crash_segfault", Status.CRASHED),
        ("invalid_json", Status.NOT_A_NOTEBOOK),
        ("deleted_test", Status.GRADED),
        ("edited_test", Status.GRADED),
        ("reads_others", Status.GRADED),
        ("deletes_files", Status.GRADED),
        ("network", Status.GRADED),
        ("huge_output", Status.GRADED),
        ("prints_tests", Status.GRADED),
    ],
)
def test_each_submission_kind_ends_with_its_status(batch, kind, status):
    result = result_for(batch, kind)
    assert result.status == status, f"{kind}: {result.message}\n{result.stderr_tail}"


def test_batch_returns_a_result_for_every_submission(batch):
    assert set(batch["results"]) == set(batch["submissions"])
    assert all(isinstance(result.status, Status) for result in batch["results"].values())


def test_correct_submission_passes_its_tests(batch):
    assert "AssertionError" not in outputs_text(batch["results"]["correct"])


def test_empty_submission_fails_its_tests(batch):
    assert "NotImplementedError" in outputs_text(batch["results"]["empty"])


def test_no_file_outside_the_sandbox_changes(batch):
    assert batch["after"] == batch["before"]


def test_submission_cannot_read_the_course_folder(batch):
    text = outputs_text(result_for(batch, "reads_others"))
    assert "done reading" in text  # the hostile cell did run
    assert f"READ {batch['course']}" not in text and HIDDEN_MARKER not in text


def test_network_is_unreachable_from_inside(batch):
    text = outputs_text(result_for(batch, "network"))
    assert batch["listener"].connections == 0
    assert "NETWORK BLOCKED" in text and "DNS BLOCKED" in text


def test_fork_bomb_is_stopped_below_its_size(batch):
    text = outputs_text(batch["results"]["fork_bomb"])
    forked = int(text.split("FORKED ")[1].split("\\n")[0])
    assert forked < TEST_LIMITS.max_processes < FORK_BOMB_SIZE


def test_huge_output_is_truncated_to_the_cap(batch):
    result = batch["results"]["huge_output"]
    assert result.output_truncated
    assert result.executed.stat().st_size < 2 * TEST_LIMITS.output_bytes


def test_tampered_submissions_still_run_so_the_grader_can_judge_them(batch):
    for kind in ("deleted_test", "edited_test"):
        assert batch["results"][kind].executed.is_file()


def test_runaway_notebook_is_killed_at_the_wall_clock_limit(tmp_path, mechanism):
    notebook = tmp_path / "loop.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(
        "import time\n_stop = time.monotonic() + 300\nwhile time.monotonic() < _stop:\n    pass")]), str(notebook))
    limits = Limits(wall_seconds=8, cell_seconds=600, memory_bytes=2 * GiB)
    result = sandbox.execute_notebook(notebook, tmp_path / "out", limits=limits, mechanism=mechanism)
    assert result.status == Status.TIMED_OUT


def test_original_submission_file_is_left_untouched(batch):
    result_for(batch, "deletes_files")
    path = batch["submissions"]["deletes_files"]
    assert path.is_file() and "shutil.rmtree" in path.read_text()


def test_the_network_setting_switches_the_network_on(mechanism):
    if mechanism.name != "bwrap":
        pytest.skip("only bubblewrap shares the grader's loopback network when asked")
    listener = Listener()
    code = (f"import socket; socket.create_connection(('127.0.0.1', {listener.port}), timeout=5).close(); "
            "print('REACHED')")
    limits = Limits(**{**TEST_LIMITS.__dict__, "network": True})
    result = sandbox.run_command([sys.executable, "-c", code], {}, limits=limits, mechanism=mechanism)
    listener.close()
    assert "REACHED" in result.stdout and listener.connections == 1


def test_grader_environment_variables_do_not_leak_in(tmp_path, mechanism, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-grader-secret")
    result = sandbox.run_command(["sh", "-c", "env"], {}, limits=TEST_LIMITS, mechanism=mechanism)
    assert result.returncode == 0 and "sk-grader-secret" not in result.stdout


def test_unknown_mechanism_name_is_refused_in_one_sentence():
    with pytest.raises(BadInput, match="CAMPAIGN_LAB_SANDBOX"):
        sandbox.mechanism_named("docker")


@pytest.mark.parametrize("name", ["unshare", "none"])
def test_weaker_mechanism_still_stops_a_runaway_cell(tmp_path, name):
    try:
        mechanism = sandbox.mechanism_named(name)
    except BadInput:
        pytest.skip(f"{name} does not work on this machine")
    assert mechanism.warning  # the trainer is told what is missing
    notebook = tmp_path / "loop.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(
        "import time\n_stop = time.monotonic() + 300\nwhile time.monotonic() < _stop:\n    pass")]), str(notebook))
    limits = Limits(wall_seconds=60, cell_seconds=3, memory_bytes=2 * GiB)
    result = sandbox.execute_notebook(notebook, tmp_path / "out", limits=limits, mechanism=mechanism)
    assert result.status == Status.TIMED_OUT
