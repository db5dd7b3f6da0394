"""Grades a trainee's own code cannot forge: cheating submissions score no more than honest blanks.

Each course notebook below is graded with one honest right submission, one
honest blank one and every cheat of ``hostile/cheats.py`` that applies to it.
"""

from __future__ import annotations

import json
import shutil

import nbformat
import pytest

from campaign_lab import paths
from campaign_lab.grading import autograde
from campaign_lab.grading.judge import CourseJudge
from campaign_lab.grading.report.analyse import checks_disagree
from campaign_lab.grading.report.load import load_cohort
from campaign_lab.grading.sandbox import Status
from hostile import cheats
from hostile.make_submissions import release, write_submissions

pytestmark = pytest.mark.slow

# Values and choices (00), tables, selections and a function judged on its output (04),
# a function with plain inputs that a cheat can copy or type in (05).
MODULES = ("00-start-here", "04-targeting-and-outreach", "05-fundraising")


@pytest.fixture(scope="module", params=MODULES)
def graded(request, tmp_path_factory):
    module = request.param
    root = tmp_path_factory.mktemp(module[:2])
    shutil.copytree(paths.notebooks_dir() / module, root / "notebooks" / module)
    source = root / "notebooks" / module / f"{module}.ipynb"
    submitted = root / "submitted"
    write_submissions(source, submitted, module, course_root=root, port=9, kinds=("correct", "empty"))
    kinds = cheats.build(release(source), CourseJudge().exercises(module))
    for kind, notebook in kinds.items():
        (submitted / kind / module).mkdir(parents=True)
        nbformat.write(notebook, str(submitted / kind / module / source.name))
    grades = {g.student: g for g in autograde.grade_submissions(submitted, root=root, jobs=2, out_dir=root / "out")}
    return {"module": module, "root": root, "grades": grades, "cheats": sorted(kinds)}


def test_an_honest_right_answer_keeps_full_marks(graded):
    right = graded["grades"]["correct"]
    assert right.status == Status.GRADED and right.score > 0
    outcomes = json.loads((graded["root"] / "autograded" / "correct" / graded["module"]
                           / f"{graded['module']}.outcomes.json").read_text())
    assert all(item["status"] == "correct" for item in outcomes["exercises"])


def test_every_cheat_scores_no_more_than_an_honest_blank(graded):
    blank = graded["grades"]["empty"].score
    scores = {kind: graded["grades"][kind].score for kind in graded["cheats"]}
    assert scores and all(score <= blank for score in scores.values()), scores


def test_function_cheats_are_tried_where_a_function_has_plain_inputs(graded):
    if graded["module"] == "05-fundraising":
        assert {"copied_function", "hardcoded_function"} <= set(graded["cheats"])


def test_a_line_of_pandas_typed_in_as_its_value_earns_nothing(graded):
    if graded["module"] != "00-start-here":
        return
    assert "typed_in_line" in graded["cheats"]
    outcomes = json.loads((graded["root"] / "autograded" / "typed_in_line" / graded["module"]
                           / f"{graded['module']}.outcomes.json").read_text())
    q3 = next(item for item in outcomes["exercises"] if item["exercise"] == "q3")
    assert q3["status"] == "incorrect" and "another profile" in q3["message"]


def test_the_report_lists_notebooks_whose_own_checks_passed_but_the_grade_did_not(graded):
    root = graded["root"]
    cohort = load_cohort(root / "gradebook.db", autograded=root / "autograded",
                         source=root / "notebooks", grades_csv=root / "out" / "grades.csv")
    flagged = {answer.student for answer in checks_disagree(cohort)}
    assert {"patched_checks", "fake_correct"} <= flagged
    assert "correct" not in flagged and "empty" not in flagged


def test_hidden_tests_are_nowhere_the_trainees_code_can_look(graded):
    grade = graded["grades"]["reads_hidden_tests"]
    assert grade.status == Status.GRADED, f"the searching submission did not run to the end: {grade.status}: {grade.message}"
    autograded = nbformat.read(str(graded["root"] / "autograded" / "reads_hidden_tests" / graded["module"]
                                   / f"{graded['module']}.ipynb"), as_version=4)
    printed = [line for cell in autograded.cells if cell.cell_type == "code" for output in cell.outputs
               if output.get("output_type") == "stream" for line in output.text.splitlines()
               if line.startswith("HIDDEN TESTS FOUND")]
    assert printed == ["HIDDEN TESTS FOUND: [] 0"], printed or "the search printed nothing, though the notebook ran to the end"
