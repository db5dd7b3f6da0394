"""``campaign-lab report``: a trainer sees how the cohort did, what went wrong and who needs help."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil

import pytest

from campaign_lab.cli import main
from campaign_lab.errors import BadInput
from campaign_lab.checks.core import OUTCOME_MIME
from campaign_lab.grading import outcomes, report
from cohort_tools import MODULE, course_copy, course_root, grade_cohort

pytestmark = pytest.mark.slow

SCRIPT = "<script>alert('x')</script>"
PLAN = {
    "amina": {"replace": {"q1-answer": "q1.hint(2)\nn_wards = len(wards)"}},  # all right, after two hints
    "beatriz": {"core": "wrong", "deep_dive": "wrong", "reflection": False},
    "chloe": {"core": "wrong", "deep_dive": "wrong", "reflection": False},
    "dana": {"core": "empty", "deep_dive": "empty", "reflection": False},
    "esther": {"core": "right", "deep_dive": "wrong"},
    "zoe": {"replace": {"q1-answer": f"n_wards = {SCRIPT!r}"}},
}
ROSTER_ONLY = "fatima"  # on the gradebook's roster, submitted nothing


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = course_copy(tmp_path_factory.mktemp("course"))
    grade_cohort(root, PLAN)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'var' / 'gradebook.db'}", "campaign-ai-lab") as gradebook:
        gradebook.add_student(ROSTER_ONLY)
    return root


@pytest.fixture(scope="module")
def written(graded, tmp_path_factory):
    """The report as the command writes it, with every default (the course at CAMPAIGN_LAB_ROOT)."""
    out = tmp_path_factory.mktemp("report")
    with course_root(graded):
        code = main(["report", "--out", str(out)])
    return {"code": code, "out": out, "page": (out / "report.html").read_text(encoding="utf-8")}


def rows(path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def cohort_of(root, grades_csv=None):
    return report.load_cohort(root / "var" / "gradebook.db", autograded=root / "autograded",
                              source=root / "notebooks",
                              grades_csv=grades_csv or root / "var" / "grades" / "grades.csv")


def test_report_command_writes_the_page_and_five_tables(written):
    assert written["code"] == 0
    assert sorted(p.name for p in written["out"].iterdir()) == [
        "checks_disagree.csv", "exercises.csv", "needs_help.csv", "report.html", "scores.csv", "wrong_answers.csv"]


def test_page_is_self_contained_and_every_image_has_alt_text(written):
    page = written["page"]
    images = re.findall(r"<img\b[^>]*>", page)
    assert len(images) == 2
    for image in images:
        assert 'src="data:image/png;base64,' in image
        assert re.search(r'alt="[^"]{20,}"', image), image
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_every_plot_comes_with_a_one_line_reading(written):
    captions = re.findall(r"<figcaption><b>What this shows:</b> ([^<]+)</figcaption>", written["page"])
    assert len(captions) == 2 and all(len(caption) > 40 for caption in captions)


def test_identical_check_messages_are_grouped_as_one_common_wrong_answer(written):
    found = rows(written["out"] / "wrong_answers.csv")
    q1 = next(row for row in found if row["exercise"] == "q1" and row["count"] == "2")
    assert q1["students"] == "beatriz, chloe"
    assert re.fullmatch(r"`n_wards` is \d+, which is too high\. .*", q1["message"])


def test_wrong_answers_are_listed_most_common_first(written):
    counts = [int(row["count"]) for row in rows(written["out"] / "wrong_answers.csv")]
    assert counts == sorted(counts, reverse=True) and counts[0] == 3  # q3: beatriz, chloe, esther


def test_not_attempted_below_half_and_not_submitted_trainees_need_help(written):
    reasons = {row["student"]: row["reason"] for row in rows(written["out"] / "needs_help.csv")}
    assert reasons == {
        "beatriz": "below 50% on the core track", "chloe": "below 50% on the core track",
        "dana": "did not attempt any exercise", ROSTER_ONLY: "did not submit",
    }  # zoe: half the core points she could get so far (her reflection waits), not below half


def test_core_and_deep_dive_tracks_are_scored_apart(written):
    esther = {row["track"]: row for row in rows(written["out"] / "scores.csv") if row["student"] == "esther"}
    assert (esther["core"]["percent"], esther["deep-dive"]["percent"]) == ("100.0", "0.0")
    assert esther["core"]["awaiting_grading"] == "2"  # her reflection waits for the trainer


def test_exercise_table_counts_each_outcome(written):
    q1 = next(row for row in rows(written["out"] / "exercises.csv") if row["exercise"] == "q1")
    assert (q1["correct"], q1["wrong"], q1["not_attempted"]) == ("2", "3", "1")
    assert q1["track"] == "core" and q1["graded_by"] == "autograder"


def test_a_trainees_answer_is_shown_as_text_never_as_markup(written):
    assert SCRIPT not in written["page"]
    assert html.escape(SCRIPT) in written["page"] or "alert(" in html.unescape(written["page"])


def test_a_reflection_counts_once_the_trainer_has_graded_it(graded, tmp_path):
    from nbgrader.api import Gradebook

    root = tmp_path / "course"
    shutil.copytree(graded, root, ignore=shutil.ignore_patterns("submitted"))
    before = next(a for a in cohort_of(root).answers if a.student == "amina" and a.exercise.name == "reflection")
    with Gradebook(f"sqlite:///{root / 'var' / 'gradebook.db'}", "campaign-ai-lab") as gradebook:
        gradebook.find_grade("reflection", MODULE, MODULE, "amina").manual_score = 1
        gradebook.db.commit()
    after = next(a for a in cohort_of(root).answers if a.student == "amina" and a.exercise.name == "reflection")
    assert (before.outcome, after.outcome, after.score) == (report.AWAITING, report.PART_MARKS, 1)


def test_a_notebook_that_timed_out_puts_its_trainee_on_the_help_list(graded, tmp_path):
    table = tmp_path / "grades.csv"
    table.write_text("student,assignment,notebook,status\namina,00-start-here,00-start-here,timed_out\n")
    help_needed = {h.student: h.reason for h in report.trainees_needing_help(cohort_of(graded, table))}
    assert help_needed["amina"] == "notebook timed out"


def outcomes_of(root, student) -> dict:
    return json.loads((root / "autograded" / student / MODULE / f"{MODULE}.outcomes.json").read_text())


def test_each_autograded_notebook_has_its_outcomes_as_data_beside_it(graded):
    record = outcomes_of(graded, "beatriz")
    assert (record["schema"], record["version"], record["notebook_status"]) == ("campaign-lab/outcomes", 2, "graded")
    q1 = next(exercise for exercise in record["exercises"] if exercise["grade_id"] == "q1-check")
    assert (q1["exercise"], q1["status"], q1["points"], q1["max_points"]) == ("q1", "incorrect", 0, 1)
    assert q1["kernel_status"] == "incorrect"  # the notebook's own check agreed with the grader
    assert re.fullmatch(r"`n_wards` is \d+, which is too high\. .*", q1["message"])
    dana = next(exercise for exercise in outcomes_of(graded, "dana")["exercises"] if exercise["grade_id"] == "q1-check")
    assert dana["status"] == "not_attempted"


def test_the_outcomes_record_the_hints_a_trainee_asked_for(graded):
    amina = {exercise["grade_id"]: exercise for exercise in outcomes_of(graded, "amina")["exercises"]}
    assert (amina["q1-check"]["status"], amina["q1-check"]["points"]) == ("correct", 1)
    assert (amina["q1-check"]["hints_shown"], amina["q2-check"]["hints_shown"]) == (2, 0)


def test_the_report_takes_what_went_wrong_from_the_outcomes_file(graded, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(graded, root, ignore=shutil.ignore_patterns("submitted"))
    path = root / "autograded" / "beatriz" / MODULE / f"{MODULE}.outcomes.json"
    record = json.loads(path.read_text())
    for exercise in record["exercises"]:
        if exercise["grade_id"] == "q1-check":
            exercise["message"] = "what the check recorded"
    path.write_text(json.dumps(record))
    mistakes = report.wrong_answers(cohort_of(root))
    assert any(w.message == "what the check recorded" and w.students == ("beatriz",) for w in mistakes)


def test_without_outcome_files_the_report_reads_the_records_in_the_notebooks(graded, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(graded, root, ignore=shutil.ignore_patterns("submitted", "*.outcomes.json"))

    def found(folder):
        return [(w.exercise.name, w.message, w.students) for w in report.wrong_answers(cohort_of(folder))]
    assert found(root) == found(graded) and found(root)


def test_a_forged_or_malformed_record_is_not_taken_for_a_checks_outcome():
    forged = {"output_type": "display_data", "data": {OUTCOME_MIME: {"version": 1, "status": "perfect"}}}
    error = {"output_type": "error", "ename": "CheckFailed", "evalue": "the real failure", "traceback": []}
    assert outcomes.cell_outcome([forged, error]) == {
        "exercise": "", "status": "error", "message": "CheckFailed: the real failure", "hints_shown": 0}


def test_report_exits_2_in_one_sentence_when_there_is_no_gradebook(tmp_path, capsys):
    assert main(["report", "--gradebook", str(tmp_path / "gradebook.db"), "--out", str(tmp_path / "r")]) == 2
    message = capsys.readouterr().err.strip()
    assert "There is no gradebook at" in message and message.count(". ") == 0


def test_report_exits_2_when_nothing_has_been_graded_yet(tmp_path, capsys):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", "campaign-ai-lab") as gradebook:
        gradebook.add_assignment(MODULE)
    assert main(["report", "--gradebook", str(tmp_path / "gradebook.db"), "--out", str(tmp_path / "r")]) == 2
    assert "Nothing has been graded yet" in capsys.readouterr().err


def test_a_file_that_is_not_a_gradebook_is_refused(tmp_path):
    (tmp_path / "gradebook.db").write_text("not a database")
    with pytest.raises(BadInput, match="could not be read"):
        report.load_cohort(tmp_path / "gradebook.db")


def test_the_hardest_exercise_is_one_with_no_answer_awaiting_the_trainer(graded):
    hardest = report.hardest_exercise(report.exercise_success(cohort_of(graded)))
    assert hardest.exercise.name != "reflection" and not hardest.counts.get(report.AWAITING)
