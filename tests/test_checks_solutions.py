"""``q1.solution()`` shows the notebook's solution cell, in a source folder and in a release without the sources."""

import json
import shutil
import subprocess
import sys

import pytest

import notebook_tools as nbt
from campaign_lab import course
from campaign_lab.checks import solutions
from campaign_lab.checks.release import RecordSolutions
from campaign_lab.profiles import load_profile

MODULE = "00-start-here"


def released_folder(tmp_path, module=MODULE):
    """A folder holding what nbgrader's release step writes beside a notebook (the solutions file)."""
    notebook = nbt.read(course.source_notebook(module))
    _, resources = RecordSolutions()(notebook, {"unique_key": module})
    for name, data in resources["outputs"].items():
        (tmp_path / name).write_bytes(data)
    return tmp_path


def test_the_release_step_writes_every_solution_exactly_as_the_notebook_has_it(tmp_path):
    source = solutions.notebook_solutions(solutions.read_notebook(course.source_notebook(MODULE)))
    folder = released_folder(tmp_path)
    assert [path.name for path in folder.iterdir()] == [f".{MODULE}.solutions.json"]
    assert solutions.module_solutions("00", folder) == source
    assert source["q1"] == "n_wards = len(wards)"


def test_without_a_released_file_the_source_notebook_is_read(tmp_path):
    assert solutions.exercise_solution("00", "q2", tmp_path) == 'leaves_the_machine = "C"'


def test_a_released_file_is_preferred_to_the_source(tmp_path):
    folder = released_folder(tmp_path)
    path = folder / f".{MODULE}.solutions.json"
    record = json.loads(path.read_text())
    record["solutions"]["q2"] = 'leaves_the_machine = "C"  # as released'
    path.write_text(json.dumps(record))
    assert solutions.exercise_solution("00", "q2", folder).endswith("# as released")


@pytest.mark.parametrize("text", ["{not json", '{"format": 99, "solutions": {}}', '{"format": 1}'])
def test_a_broken_solutions_file_gives_one_friendly_line(tmp_path, text, capsys, monkeypatch):
    (tmp_path / f".{MODULE}.solutions.json").write_text(text)
    monkeypatch.chdir(tmp_path)
    q1 = __import__("campaign_lab.checks.m00", fromlist=["exercises"]).exercises(load_profile("default"))[0]
    q1.solution()
    out = capsys.readouterr().out
    assert out.startswith("📖 Question 1: the solution is not available here:") and out.count("\n") == 1


def test_shown_solution_keeps_a_functions_header_and_drops_the_markers_the_starter_and_the_demo_call():
    cell = nbt.answer_cell("04-targeting-and-outreach", "q5")
    shown = solutions.shown_solution(cell.source)
    assert shown.startswith("def allocate_hours(wards, hours, floor):\n    \"\"\"")
    assert shown.endswith("    return plan") and "### " not in shown and "example_wards()" not in shown


@pytest.mark.slow
def test_a_released_notebook_shows_its_solutions_when_the_sources_are_gone(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(course.source_notebook(MODULE).parent, root / "notebooks" / MODULE)
    [released] = course.release(MODULE, root=root)
    assert "### BEGIN SOLUTION" not in released.read_text()
    script = "from campaign_lab.checks import ValueExercise\nValueExercise('q3', 'rural_share', notebook='00').solution()"
    elsewhere = {"CAMPAIGN_LAB_ROOT": str(tmp_path / "no-course-here"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-c", script], cwd=released.parent, env=elsewhere,
                         capture_output=True, text=True, timeout=120)
    expected = solutions.shown_solution(nbt.answer_cell(MODULE, "q3").source)
    assert run.stdout.endswith(f"📖 Question 3, a solution:\n{expected}\n"), run.stderr[-500:]
