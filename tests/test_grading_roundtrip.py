"""nbgrader round trip: sources score full marks, releases run and score zero, feedback hides hidden tests."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from campaign_lab import course, paths


@pytest.mark.slow
def test_selfcheck_gives_sources_full_marks_and_releases_zero():
    results = course.selfcheck(progress=lambda _: None)
    assert results
    for result in results:
        assert result.ok, f"{result.module}: {result.problems}"
        assert result.max_points > 0 and result.source_points == result.max_points
        assert result.release_points == 0


def test_nbgrader_commands_leave_no_gradebook_where_they_run(tmp_path):
    nbgrader = Path(sys.executable).parent / "nbgrader"
    result = subprocess.run([str(nbgrader), "db", "assignment", "list"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def test_config_uses_the_course_folders():
    config = course.nbgrader_config()
    assert config.CourseDirectory.source_directory == "notebooks"
    assert config.CourseDirectory.root == str(paths.project_root())
    assert str(paths.project_root()) in config.Exchange.root
    assert config.Execute.timeout > 0


@pytest.mark.slow
def test_feedback_never_contains_hidden_test_text(tmp_path):
    root = tmp_path / "course"
    shutil.copytree(paths.notebooks_dir(), root / "notebooks")
    api = course.nbgrader_api(root)
    module = "00-start-here"
    assert api.generate_assignment(module)["success"]
    # A submission with wrong answers, so hidden tests would fail and show in tracebacks.
    import notebook_tools as nbt
    import nbformat

    wrong = nbt.with_wrong_answers(nbt.read(root / "release" / module / f"{module}.ipynb"))
    for cell in nbt.answer_cells(wrong):  # the release has no solution region: fill the blanks
        cell.source = cell.source.replace("____", "7") if "rural" not in cell.source else cell.source.replace("____", "0.5")
    submitted = root / "submitted" / "trainee" / module
    submitted.mkdir(parents=True)
    nbformat.write(wrong, str(submitted / f"{module}.ipynb"))
    assert api.autograde(module, "trainee")["success"]
    assert api.generate_feedback(module, "trainee")["success"]
    page = _visible_text((root / "feedback" / "trainee" / module / f"{module}.html").read_text())
    hidden = [line.strip() for cell in nbt.test_cells(nbt.read(course.source_notebook(module)))
              for line in cell.source.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0].splitlines()
              if line.strip()]
    assert hidden
    for line in hidden:
        assert line not in page
    assert "Not quite" in page


def _visible_text(page: str) -> str:
    """The page's text as a reader sees it (code highlighting splits lines into tags)."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", page))
