"""Warm boxes: notebooks that run one after another in one box leave nothing for the next.

Each test runs a "planter" notebook that tries to leave something behind (a
file, a running process, a locked folder) or to harm the box's server, then an
"observer" notebook in the same box that reports what it can see.
"""

from __future__ import annotations

import textwrap

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from campaign_lab.grading import sandbox
from campaign_lab.grading.sandbox import GiB, MiB, Limits, Status
from campaign_lab.grading.warm_box import BoxPool, WarmBox, course_imports

pytestmark = pytest.mark.slow

LIMITS = Limits(wall_seconds=60, cell_seconds=10, cpu_seconds=60, memory_bytes=2 * GiB,
                max_processes=32, file_bytes=16 * MiB, output_bytes=1 * MiB)


@pytest.fixture(scope="module")
def box():
    if sandbox.detect_mechanism().name != "bwrap":
        pytest.skip("warm boxes need bubblewrap")
    with WarmBox(LIMITS, preload=["json"]).start() as started:
        yield started


def run(box, tmp_path, name: str, *cells: str) -> sandbox.SandboxResult:
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(textwrap.dedent(code)) for code in cells]), str(path))
    return sandbox.execute_notebook(path, tmp_path / f"{name}-out", limits=LIMITS, box=box)


def printed(result: sandbox.SandboxResult) -> str:
    notebook = nbformat.read(str(result.executed), as_version=4)
    return "".join(output.get("text", "") for cell in notebook.cells for output in cell.outputs)


OBSERVE = """
import os, pathlib
parent = pathlib.Path.cwd().parent
print("planted files:", sorted(str(p) for folder in (parent, pathlib.Path('/tmp'), pathlib.Path('/dev/shm'))
                               for p in folder.glob('planted*')))
others = [pid for pid in os.listdir('/proc') if pid.isdigit() and int(pid) not in (1, os.getpid(), os.getppid())]
commands = [open(f'/proc/{pid}/cmdline', 'rb').read().replace(b'\\0', b' ').decode() for pid in others
            if os.path.exists(f'/proc/{pid}/cmdline')]
print("sleepers:", [c for c in commands if 'sleep' in c])
"""


def test_files_and_processes_left_behind_are_gone_for_the_next_notebook(box, tmp_path):
    planter = run(box, tmp_path, "planter", """
        import os, pathlib, subprocess
        parent = pathlib.Path.cwd().parent
        for folder in (parent, pathlib.Path('/tmp'), pathlib.Path('/dev/shm')):
            (folder / 'planted.txt').write_text('for the next trainee')
        subprocess.Popen(['sleep', '300'], start_new_session=True)
        if os.fork() == 0:
            os.setsid()
            os.execvp('sleep', ['sleep', '301'])
        print('planted')
    """)
    assert planter.status == Status.GRADED and "planted" in printed(planter)
    observer = run(box, tmp_path, "observer", OBSERVE)
    assert observer.status == Status.GRADED
    assert "planted files: []" in printed(observer)
    assert "sleepers: []" in printed(observer)


def test_a_notebook_cannot_read_the_box_server(box, tmp_path):
    reader = run(box, tmp_path, "reader", """
        for name in ('mem', 'environ', 'fd/0'):
            try:
                open(f'/proc/1/{name}', 'rb').read(1)
                print('read', name)
            except OSError:
                print('could not read', name)
    """)
    assert printed(reader).count("could not read") == 3


def test_a_notebook_cannot_stop_the_box_server(box, tmp_path):
    attacker = run(box, tmp_path, "attacker", """
        import os, signal
        for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGSTOP):
            os.kill(1, sig)
    """, "import os; os.kill(-1, 9)")  # also kills this notebook's own runner
    assert attacker.status == Status.CRASHED
    after = run(box, tmp_path, "after", "print('still grading')")
    assert after.status == Status.GRADED and "still grading" in printed(after)


def test_a_locked_folder_does_not_stop_the_next_notebook(box, tmp_path):
    run(box, tmp_path, "locker", """
        import os, pathlib
        trap = pathlib.Path.cwd().parent / 'planted-tree' / 'deeper'
        trap.mkdir(parents=True)
        (trap / 'file').write_text('x')
        os.chmod(trap, 0)
        os.chmod(trap.parent, 0)
        os.chmod(pathlib.Path.cwd().parent, 0)
    """)
    observer = run(box, tmp_path, "observer", OBSERVE)
    assert observer.status == Status.GRADED, observer.stderr_tail
    assert "planted files: []" in printed(observer)


def test_timeout_in_a_warm_box_stops_that_notebook_only(box, tmp_path):
    limits = Limits(**{**LIMITS.__dict__, "wall_seconds": 5, "cell_seconds": 60})
    path = tmp_path / "loop.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("while True:\n    pass")]), str(path))
    looping = sandbox.execute_notebook(path, tmp_path / "loop-out", limits=limits, box=box)
    assert looping.status == Status.TIMED_OUT
    after = run(box, tmp_path, "after-loop", "print(6 * 7)")
    assert after.status == Status.GRADED and "42" in printed(after)


def test_cell_timeout_interrupts_the_forked_kernel_and_goes_on(box, tmp_path):
    limits = Limits(**{**LIMITS.__dict__, "cell_seconds": 2})
    path = tmp_path / "slow.ipynb"
    cells = [new_code_cell("while True:\n    pass"), new_code_cell("print('next cell ran')")]
    nbformat.write(new_notebook(cells=cells), str(path))
    result = sandbox.execute_notebook(path, tmp_path / "slow-out", limits=limits, box=box)
    assert result.status == Status.TIMED_OUT
    assert "next cell ran" in printed(result)


def test_preloaded_modules_are_already_imported_in_the_kernel(tmp_path):
    if sandbox.detect_mechanism().name != "bwrap":
        pytest.skip("warm boxes need bubblewrap")
    with WarmBox(LIMITS, preload=["fractions"]).start() as warm:
        result = run(warm, tmp_path, "check", "import sys; print('fractions' in sys.modules)")
    assert "True" in printed(result)


def test_pool_falls_back_to_new_sandboxes_without_bubblewrap_and_says_why():
    weaker = sandbox.Mechanism("unshare", True, False, False)
    with BoxPool(2, weaker, LIMITS, [], []) as pool, pool.box() as box:
        assert box.kind == "cold" and box.alive
    assert "unshare" in pool.disabled_reason


def test_course_imports_lists_modules_and_submodules(tmp_path):
    path = tmp_path / "source.ipynb"
    cells = [new_code_cell("%matplotlib inline\nimport pandas as pd\nfrom campaign_lab import plotting\n"),
             new_code_cell("from . import nothing\nthis is not python"),
             new_code_cell("import numpy.linalg, json")]
    nbformat.write(new_notebook(cells=cells), str(path))
    found = course_imports([path, tmp_path / "missing.ipynb"])
    assert found == ["pandas", "campaign_lab", "campaign_lab.plotting", "numpy.linalg", "json"]


@pytest.mark.parametrize("warm", [False, True], ids=["new sandbox", "warm box"])
def test_modules_beside_a_submission_do_not_replace_the_graders_own(box, tmp_path, warm):
    fake = tmp_path / "fake_module.py"
    fake.write_text("raise SystemExit('a submitted file took over the grader')\n")
    path = tmp_path / "plain.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("print('graded as usual')")]), str(path))
    extra = {f"{name}.py": fake for name in ("nbclient", "nbformat", "jupyter_client", "campaign_lab")}
    result = sandbox.execute_notebook(path, tmp_path / "out", limits=LIMITS, extra_files=extra,
                                      box=box if warm else None)
    assert result.status == Status.GRADED and "graded as usual" in printed(result)
