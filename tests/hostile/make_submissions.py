"""Write a set of hostile (and a few honest) submissions for one nbgrader notebook.

From a *source* notebook (with ``### BEGIN SOLUTION`` and hidden tests) this
builds the released version with nbgrader's own preprocessors, then writes one
submission per kind in nbgrader's layout::

    submitted/<student>/<assignment>/<notebook>.ipynb

where ``<student>`` is the kind (``correct``, ``fork_bomb``, ...). Every
hostile action is bounded: loops stop by themselves, the memory hog stops at
4 GB, the fork bomb at 200 processes that each exit after a few seconds, the
big output at 64 MB, and the network kind only talks to a 127.0.0.1 port that
the caller (a test) opened. ``prints_tests`` prints the code of every later
cell, so the original tests that the grader puts back (hidden ones included)
end up in its output.

Run it by hand::

    python tests/hostile/make_submissions.py source/ps1/ps1.ipynb submitted \\
        --assignment ps1 --course-root . --port 5555
"""

from __future__ import annotations

import argparse
import copy
import json
import re
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

#: The marker lines around a solution in a source notebook.
SOLUTION_LINE = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$", re.MULTILINE)
FORK_BOMB_SIZE = 200
MEMORY_HOG_BYTES = 4 * 1024**3
HUGE_OUTPUT_BYTES = 64 * 1024**2
LOOP_SECONDS = 600


# --------------------------------------------------------------------------
# Reading the source notebook


def _meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_answer_cell(cell) -> bool:
    """True for a cell the trainee writes in (nbgrader ``solution`` cell with code)."""
    return cell.cell_type == "code" and _meta(cell).get("solution", False)


def is_test_cell(cell) -> bool:
    """True for an autograder test cell (nbgrader ``grade`` cell that is not an answer)."""
    return cell.cell_type == "code" and _meta(cell).get("grade", False) and not _meta(cell).get("solution", False)


def release(source: Path):
    """Return the student version of ``source``, made with nbgrader's own preprocessors."""
    from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

    notebook = nbformat.read(str(source), as_version=4)
    resources = {}
    for preprocessor in (ClearSolutions(), ClearHiddenTests()):
        notebook, resources = preprocessor.preprocess(notebook, resources)
    return notebook


def solutions(source: Path) -> dict[str, str]:
    """The solution code of each answer cell, by ``grade_id``, without the markers."""
    notebook = nbformat.read(str(source), as_version=4)
    return {
        _meta(cell)["grade_id"]: SOLUTION_LINE.sub("", cell.source).strip() + "\n"
        for cell in notebook.cells
        if is_answer_cell(cell)
    }


def _answered(released, answers: dict[str, str], how_many: int | None = None):
    """A copy of the released notebook with the first ``how_many`` answers filled in."""
    notebook = copy.deepcopy(released)
    answer_cells = [cell for cell in notebook.cells if is_answer_cell(cell)]
    for cell in answer_cells[:how_many]:
        cell.source = answers[_meta(cell)["grade_id"]]
    return notebook


def _core_only(released, answers: dict[str, str]):
    """The core answers filled in, the deep dives left as released."""
    notebook = copy.deepcopy(released)
    for cell in notebook.cells:
        if is_answer_cell(cell) and cell.metadata.get("campaign_lab", {}).get("track") == "core":
            cell.source = answers[_meta(cell)["grade_id"]]
    return notebook


def _recorded_wrong(released, answers: dict[str, str]):
    """Each exercise's recorded wrong answer (``campaign_lab.wrong_answer``) where it has one."""
    notebook = copy.deepcopy(released)
    for cell in notebook.cells:
        wrong = cell.metadata.get("campaign_lab", {}).get("wrong_answer")
        if is_answer_cell(cell) and wrong:
            cell.source = wrong
    return notebook


def _with_cell(notebook, code: str):
    """Add a trainee cell at the top, so it runs before any answer or test."""
    notebook.cells.insert(0, new_code_cell(code))
    return notebook


# --------------------------------------------------------------------------
# Hostile code, each piece bounded


def endless_loop_code() -> str:
    return (
        "import time\n"
        f"_stop = time.monotonic() + {LOOP_SECONDS}  # bounded: gives up after 10 minutes\n"
        "while time.monotonic() < _stop:\n"
        "    pass\n"
    )


def memory_hog_code() -> str:
    return (
        "_hog = []\n"
        f"while sum(map(len, _hog)) < {MEMORY_HOG_BYTES}:  # bounded: stops at 4 GB\n"
        "    _hog.append(bytearray(256 * 1024 * 1024))\n"
        "print('allocated', sum(map(len, _hog)))\n"
    )


def fork_bomb_code() -> str:
    return (
        "import os, time\n"
        "_children = 0\n"
        "try:\n"
        f"    for _ in range({FORK_BOMB_SIZE}):  # bounded: at most {FORK_BOMB_SIZE} processes\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(3)  # each child exits after a few seconds\n"
        "            os._exit(0)\n"
        "        _children += 1\n"
        "finally:\n"
        "    print(f'FORKED {_children}')\n"
    )


def crash_exit_code() -> str:
    return "import os\nos._exit(3)\n"


def crash_segfault_code() -> str:
    return "import ctypes\nctypes.string_at(0)\n"


def read_others_code(course_root: Path) -> str:
    return (
        "import os\n"
        f"_root = {str(course_root)!r}\n"
        "print('NEXT DOOR', sorted(os.listdir('..')))\n"
        "for _dir, _, _files in os.walk(_root):\n"
        "    for _name in _files:\n"
        "        _path = os.path.join(_dir, _name)\n"
        "        try:\n"
        "            print('READ', _path, open(_path, errors='replace').read()[:20000])\n"
        "        except OSError as _error:\n"
        "            print('BLOCKED', _path, _error)\n"
        "print('done reading')\n"
    )


def delete_files_code(course_root: Path) -> str:
    return (
        "import os, shutil\n"
        f"_root = {str(course_root)!r}\n"
        "for _dir, _, _files in os.walk(_root):\n"
        "    for _name in _files:\n"
        "        try:\n"
        "            os.remove(os.path.join(_dir, _name))\n"
        "        except OSError as _error:\n"
        "            print('BLOCKED', _error)\n"
        "shutil.rmtree(_root, ignore_errors=True)\n"
        "print('still there:', os.path.exists(_root))\n"
    )


def network_code(port: int) -> str:
    return (
        "import socket\n"
        "try:\n"
        f"    with socket.create_connection(('127.0.0.1', {port}), timeout=3) as _s:\n"
        "        _s.sendall(b'LEAKED FROM THE SANDBOX')\n"
        "    print('NETWORK REACHED')\n"
        "except OSError as _error:\n"
        "    print('NETWORK BLOCKED', _error)\n"
        "try:\n"
        "    socket.getaddrinfo('sandbox-probe.invalid', 80)\n"
        "    print('DNS REACHED')\n"
        "except OSError as _error:\n"
        "    print('DNS BLOCKED', _error)\n"
    )


def prints_tests_code() -> str:
    return (
        "def _show_each_cell(info):\n"
        "    print('NEXT CELL:', info.raw_cell)\n"
        "get_ipython().events.register('pre_run_cell', _show_each_cell)\n"
    )


def huge_output_code() -> str:
    return (
        "_line = 'x' * 1023\n"
        f"for _ in range({HUGE_OUTPUT_BYTES // 1024}):  # bounded: 64 MB\n"
        "    print(_line)\n"
    )


# --------------------------------------------------------------------------
# The kinds


def _drop_first_test(notebook):
    tests = [cell for cell in notebook.cells if is_test_cell(cell)]
    notebook.cells.remove(tests[0])
    return notebook


def _edit_first_test(notebook):
    test = next(cell for cell in notebook.cells if is_test_cell(cell))
    test.source = "# the test was here\npass\n"
    return notebook


def build_kinds(course_root: Path, port: int) -> dict[str, Callable]:
    """Map each kind to a function ``(released, answers) -> notebook``."""
    correct = _answered

    def hostile(code: str) -> Callable:
        return lambda released, answers: _with_cell(correct(released, answers), code)

    return {
        "correct": correct,
        "partly_correct": lambda released, answers: _answered(released, answers, how_many=1),
        "empty": lambda released, answers: copy.deepcopy(released),
        "core_only": _core_only,
        "wrong": _recorded_wrong,
        "endless_loop": hostile(endless_loop_code()),
        "memory_hog": hostile(memory_hog_code()),
        "fork_bomb": hostile(fork_bomb_code()),
        "crash_exit": hostile(crash_exit_code()),
        "crash_segfault": hostile(crash_segfault_code()),
        "invalid_json": None,  # written as broken bytes, see write_submissions
        "deleted_test": lambda released, answers: _drop_first_test(correct(released, answers)),
        "edited_test": lambda released, answers: _edit_first_test(correct(released, answers)),
        "reads_others": hostile(read_others_code(course_root)),
        "deletes_files": hostile(delete_files_code(course_root)),
        "network": hostile(network_code(port)),
        "huge_output": hostile(huge_output_code()),
        "prints_tests": hostile(prints_tests_code()),
    }


KINDS = tuple(build_kinds(Path("."), 0))


def write_submissions(
    source: Path,
    submitted: Path,
    assignment: str,
    *,
    course_root: Path,
    port: int,
    kinds: tuple[str, ...] = KINDS,
) -> dict[str, Path]:
    """Write one submission per kind; return ``{kind: path}``.

    Parameters
    ----------
    source
        The source notebook, with solutions and hidden tests.
    submitted
        nbgrader's ``submitted`` folder; ``<kind>/<assignment>/<name>.ipynb`` goes in it.
    assignment
        The assignment name.
    course_root
        The folder the reading and deleting kinds go after.
    port
        A 127.0.0.1 port the caller listens on, for the network kind.
    kinds
        Which kinds to write (default: all of :data:`KINDS`).
    """
    released, answers = release(source), solutions(source)
    builders = build_kinds(course_root, port)
    written = {}
    for kind in kinds:
        target = submitted / kind / assignment / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if kind == "invalid_json":
            target.write_text(json.dumps(nbformat.writes(released))[:200])
        else:
            nbformat.write(builders[kind](released, answers), str(target))
        written[kind] = target
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write hostile submissions for one notebook.")
    parser.add_argument("source", type=Path, help="source notebook with solutions")
    parser.add_argument("submitted", type=Path, help="nbgrader's submitted folder")
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--course-root", type=Path, default=Path("."))
    parser.add_argument("--port", type=int, required=True, help="a 127.0.0.1 port you listen on")
    args = parser.parse_args(argv)
    written = write_submissions(args.source, args.submitted, args.assignment,
                                course_root=args.course_root.resolve(), port=args.port)
    for kind, path in written.items():
        print(f"{kind:15} {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
