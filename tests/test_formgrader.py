"""Grading reflections in nbgrader's formgrader: the rubric is on the page, above the trainee's answer.

A real Jupyter server with the formgrader runs on 127.0.0.1 over a graded copy of the course; the
test fetches the manual-grading page of one submission as a trainer's browser would, grades the
reflection through the formgrader's API and stops the server by its pid.
"""

from __future__ import annotations

import html
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import nbformat
import pytest

from campaign_lab.grading import report
from campaign_lab.grading.rubrics import rubrics
from cohort_tools import (MODULE, REFLECTION_ANSWER, course_copy, free_port, grade_cohort,
                          source_notebook, wait_until)

pytestmark = pytest.mark.slow

START_SECONDS = 120


def course_rubrics() -> dict[str, str]:
    """The rubric of each manually graded answer in the source notebook (the cell just before it)."""
    return rubrics(nbformat.read(str(source_notebook()), as_version=4))


def visible_words(markup: str) -> str:
    """The text a reader sees on a page or in Markdown, spaces and emphasis normalised."""
    text = html.unescape(re.sub(r"(?s)<(script|style)\b.*?</\1>|<[^>]+>", " ", markup))
    return " ".join(re.sub(r"[*_`]|^\s*[-#]+\s", " ", text, flags=re.MULTILINE).split())


class Formgrader:
    def __init__(self, root: Path, log: Path):
        self.port, self.token = free_port(), secrets.token_hex(16)
        env = {**os.environ, "CAMPAIGN_LAB_ROOT": str(root)}
        command = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
                   f"--ServerApp.port={self.port}", f"--ServerApp.root_dir={root}",
                   f"--IdentityProvider.token={self.token}", "--ServerApp.allow_root=True"]
        with log.open("w") as handle:
            self.process = subprocess.Popen(command, cwd=root, env=env, stdout=handle, stderr=subprocess.STDOUT)
        self.log, self.root = log, root

    def get(self, path: str, method: str = "GET", body: dict | None = None) -> str:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.read().decode()

    def wait_until_up(self) -> None:
        wait_until(self._answers, START_SECONDS, "the Jupyter server to answer")

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError("the Jupyter server stopped:\n" + self.log.read_text()[-3000:])
        try:
            self.get("/api/status")
            return True
        except OSError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def formgrader(tmp_path_factory):
    root = course_copy(tmp_path_factory.mktemp("course"))
    grade_cohort(root, {"amina": {}, "yara": {"rubric": "deleted"}, "zoe": {"rubric": "edited"}})
    server = Formgrader(root, tmp_path_factory.mktemp("log") / "server.log")
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()


def grading_page_of(formgrader, trainee: str) -> dict:
    listing = json.loads(formgrader.get(f"/formgrader/api/submitted_notebooks/{MODULE}/{MODULE}"))
    submission = next(item for item in listing if item["student"] == trainee)
    return {"id": submission["id"], "page": formgrader.get(f"/formgrader/submissions/{submission['id']}/")}


@pytest.fixture(scope="module")
def grading_page(formgrader):
    return grading_page_of(formgrader, "amina")


def shows_course_rubric(page: str) -> bool:
    words = visible_words(page)
    return all(visible_words(line) in words for line in course_rubrics()["reflection"].splitlines() if line.strip())


def test_module_00_has_a_rubric_before_its_reflection():
    assert list(course_rubrics()) == ["reflection"]


def test_the_manual_grading_page_shows_the_rubric_from_the_source_notebook(grading_page):
    assert shows_course_rubric(grading_page["page"])


def test_an_untouched_rubric_is_shown_once(grading_page):
    assert "Rubric from the course" not in visible_words(grading_page["page"])
    assert grading_page["page"].count("rubric, 2 points") == 1


@pytest.mark.parametrize("trainee", ["yara", "zoe"])
def test_a_rubric_the_trainee_deleted_or_edited_is_shown_as_the_courses(formgrader, trainee):
    page = grading_page_of(formgrader, trainee)["page"]
    assert shows_course_rubric(page)
    assert "Rubric from the course" in visible_words(page)


def test_the_rubric_stands_just_above_the_reflections_score_box_and_answer(grading_page):
    page = grading_page["page"]
    rubric_at = page.index("rubric, 2 points")
    panel_at = page.rindex("nbgrader_cell", 0, page.index('id="reflection"'))  # the graded cell's panel
    answer_at = page.index(REFLECTION_ANSWER.split("'")[0])  # the words before any quote mark
    assert rubric_at < panel_at < answer_at
    assert "nbgrader_cell" not in page[rubric_at:panel_at]  # no other graded cell in between


def test_a_reflection_graded_in_the_formgrader_counts_in_the_cohort_report(formgrader, grading_page):
    grades = json.loads(formgrader.get(f"/formgrader/api/grades?submission_id={grading_page['id']}"))
    reflection = next(grade for grade in grades if grade["name"] == "reflection")
    formgrader.get(f"/formgrader/api/grade/{reflection['id']}", method="PUT",
                   body={"manual_score": 2, "extra_credit": 0})
    cohort = report.load_cohort(formgrader.root / "var" / "gradebook.db", autograded=formgrader.root / "autograded",
                                source=formgrader.root / "notebooks")
    answer = next(a for a in cohort.answers if a.exercise.name == "reflection" and a.student == "amina")
    assert (answer.outcome, answer.score) == (report.CORRECT, 2)
