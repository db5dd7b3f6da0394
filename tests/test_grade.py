"""``campaign-lab grade``: a batch of hostile submissions is graded, recorded and explained safely."""

from __future__ import annotations

import csv
import html
import re
import shutil

import pytest

from campaign_lab import course, paths
from campaign_lab.cli import main
from campaign_lab.errors import BadInput
from campaign_lab.grading import autograde
from campaign_lab.grading.sandbox import GiB, MiB, Limits, Status
from hostile.make_submissions import write_submissions
from hostile.tiny_course import ASSIGNMENT, HIDDEN_MARKER, POINTS, write_source

pytestmark = pytest.mark.slow

LIMITS = Limits(wall_seconds=120, cell_seconds=10, cpu_seconds=120, memory_bytes=3 * GiB // 2,
                max_processes=48, file_bytes=16 * MiB, output_bytes=1 * MiB)
KINDS = ("correct", "partly_correct", "empty", "endless_loop", "crash_segfault", "invalid_json",
         "deleted_test", "edited_test", "prints_tests")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade one submission of each kind in a throwaway copy of a tiny course."""
    root = tmp_path_factory.mktemp("course")
    source = write_source(root / "notebooks")
    write_submissions(source, root / "submitted", ASSIGNMENT, course_root=root, port=9, kinds=KINDS)
    before = snapshot(root / "submitted")
    out = root / "out"
    grades = autograde.grade_submissions(root / "submitted", root=root, limits=LIMITS, jobs=2, out_dir=out)
    return {"root": root, "out": out, "grades": {grade.student: grade for grade in grades},
            "submitted_before": before}


def snapshot(folder) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def visible_text(path) -> str:
    page = re.sub(r"(?s)<style.*?</style>|<script.*?</script>", "", path.read_text())
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.mark.parametrize("kind, status, score", [
    ("correct", Status.GRADED, POINTS),
    ("partly_correct", Status.GRADED, 1),
    ("empty", Status.GRADED, 0),
    ("endless_loop", Status.TIMED_OUT, POINTS),  # the loop is cut; the answers below still count
    ("crash_segfault", Status.CRASHED, 0),
    ("invalid_json", Status.NOT_A_NOTEBOOK, 0),
    ("deleted_test", Status.TAMPERED, POINTS),
    ("edited_test", Status.TAMPERED, POINTS),
])
def test_each_kind_gets_its_status_and_score(graded, kind, status, score):
    grade = graded["grades"][kind]
    assert (grade.status, grade.score, grade.max_score) == (status, score, POINTS), grade.message


def test_tampering_is_described_in_plain_words(graded):
    assert graded["grades"]["deleted_test"].tampering == ["test cell test_answer was deleted"]
    assert graded["grades"]["edited_test"].tampering == ["the code of test cell test_answer was changed"]


def test_grades_csv_has_one_row_per_notebook(graded):
    with (graded["out"] / "grades.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["student"] for row in rows) == sorted(KINDS)
    assert {row["status"] for row in rows} >= {"graded", "timed_out", "crashed", "not_a_notebook", "tampered"}


def test_scores_are_in_the_nbgrader_gradebook(graded):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{graded['root'] / 'gradebook.db'}") as gradebook:
        assert gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "correct").score == POINTS
        assert gradebook.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "empty").score == 0


def test_feedback_pages_never_show_hidden_tests(graded):
    pages = sorted((graded["out"] / "feedback").rglob("*.html"))
    assert len(pages) == len(KINDS) - 1  # every notebook but the one that is not a notebook
    for page in pages:
        assert HIDDEN_MARKER not in visible_text(page), page


def test_feedback_shows_the_check_message_of_a_failed_test(graded):
    text = visible_text(graded["grades"]["empty"].feedback)
    assert "Score: 0.0 / 3.0" in text or "Score: 0 / 3" in text
    assert "NotImplementedError" in text or "answer should be 42" in text


def test_feedback_that_repeats_test_code_is_replaced_by_scores_only(graded):
    text = visible_text(graded["grades"]["prints_tests"].feedback)
    assert "Score: 3 of 3" in text and "NEXT CELL" not in text


def test_original_submissions_are_left_as_they_were(graded):
    assert snapshot(graded["root"] / "submitted") == graded["submitted_before"]


def test_unknown_submitted_folder_is_refused_in_one_sentence(tmp_path):
    with pytest.raises(BadInput, match="is not a folder"):
        autograde.find_submissions(tmp_path / "nowhere")


def test_grade_command_exits_2_for_a_missing_folder(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_grade_command_grades_and_writes_the_table(tmp_path, monkeypatch, capsys):
    root = tmp_path / "course"
    (root / "graders").mkdir(parents=True)
    shutil.copy(paths.graders_dir() / "nbgrader_config.py", root / "graders")
    source = write_source(root / "notebooks")
    write_submissions(source, root / "submitted", ASSIGNMENT, course_root=root, port=9, kinds=("correct",))
    monkeypatch.setenv("CAMPAIGN_LAB_ROOT", str(root))
    code = main(["grade", str(root / "submitted"), "--assignment", ASSIGNMENT, "--jobs", "1",
                 "--out", str(tmp_path / "out")])
    assert code == 0
    assert "1 notebooks: 1 graded." in capsys.readouterr().out
    assert (tmp_path / "out" / "grades.csv").read_text().count("\n") == 2


def dry_run_values(capsys, *flags) -> dict[str, str]:
    assert main(["grade", "--dry-run", *flags]) == 0
    return dict(line.split(None, 1) for line in capsys.readouterr().out.splitlines() if line.startswith("  --"))


def test_dry_run_prints_every_limit_from_the_settings_with_flags_on_top(capsys):
    values = dry_run_values(capsys, "--memory-mib", "2048", "--jobs", "3")
    assert set(values) == {"--wall-seconds", "--cell-seconds", "--cpu-seconds", "--memory-mib", "--max-processes",
                           "--file-mib", "--output-mib", "--network", "--jobs"}
    assert (values["--memory-mib"], values["--jobs"]) == ("2048", "3")
    assert values["--cell-seconds"] == "120"  # nbgrader's Execute.timeout, in graders/nbgrader_config.py
    assert values["--network"] == "off"


def test_parallel_jobs_default_to_the_cpus_grading_may_use(capsys, monkeypatch):
    monkeypatch.setenv("CPU_LIMIT", "1")
    assert dry_run_values(capsys)["--jobs"] == "1 (one per usable CPU)"


def test_a_limit_out_of_range_is_refused_in_one_sentence(capsys):
    assert main(["grade", "--dry-run", "--max-processes", "0"]) == 2
    assert "--max-processes is 0; give a number of at least 8." in capsys.readouterr().err


def test_a_limit_flag_reaches_the_sandbox(tmp_path, monkeypatch, capsys):
    root = tmp_path / "course"
    (root / "graders").mkdir(parents=True)
    shutil.copy(paths.graders_dir() / "nbgrader_config.py", root / "graders")
    source = write_source(root / "notebooks")
    write_submissions(source, root / "submitted", ASSIGNMENT, course_root=root, port=9, kinds=("endless_loop",))
    monkeypatch.setenv("CAMPAIGN_LAB_ROOT", str(root))
    assert main(["grade", str(root / "submitted"), "--cell-seconds", "3", "--out", str(tmp_path / "out")]) == 0
    assert "1 notebooks: 1 timed out." in capsys.readouterr().out  # in seconds, not the 120 of the settings


@pytest.mark.parametrize("module", course.modules())
def test_each_course_notebook_grades_full_marks_for_answers_and_zero_for_the_release(tmp_path, module):
    """Sandboxed, in warm boxes that load each module's own libraries (09 and 10 reach no model).

    Also: the core answers alone earn every core point, and the recorded wrong answers earn none.
    """
    root = tmp_path / "course"
    shutil.copytree(paths.notebooks_dir() / module, root / "notebooks" / module)
    source = root / "notebooks" / module / f"{module}.ipynb"
    write_submissions(source, root / "submitted", module, course_root=root, port=9,
                      kinds=("correct", "empty", "core_only", "wrong"))
    grades = {g.student: g for g in autograde.grade_submissions(root / "submitted", root=root, jobs=2,
                                                                 out_dir=tmp_path / "out")}
    with course.nbgrader_api(root).gradebook as gradebook:
        auto_points = sum(cell.max_score for cell in gradebook.find_notebook(module, module).grade_cells
                          if cell.cell_type == "code")
    assert all(grade.status == Status.GRADED for grade in grades.values()), {k: g.status for k, g in grades.items()}
    assert grades["correct"].score == auto_points > 0
    assert grades["empty"].score == 0
    assert grades["core_only"].score == _core_points(source) > 0
    assert grades["wrong"].score == 0


def _core_points(source) -> float:
    import nbformat

    return sum(cell.metadata["nbgrader"].get("points", 0) for cell in nbformat.read(str(source), as_version=4).cells
               if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")
               and cell.metadata.get("campaign_lab", {}).get("track") == "core")


def test_raising_the_points_of_a_test_counts_as_tampering(graded, tmp_path):
    import nbformat
    from nbgrader.api import Gradebook

    from campaign_lab.grading import tamper

    notebook = nbformat.read(str(graded["root"] / "submitted" / "correct" / ASSIGNMENT / "ps1.ipynb"), 4)
    test = next(cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_answer")
    test.metadata["nbgrader"]["points"] = 100
    changed = tmp_path / "ps1.ipynb"
    nbformat.write(notebook, str(changed))
    with Gradebook(f"sqlite:///{graded['root'] / 'gradebook.db'}") as gradebook:
        protected = tamper.protected_cells(gradebook, ASSIGNMENT, ASSIGNMENT)
    assert tamper.find_tampering(changed, protected) == ["the points of cell test_answer were changed from 1 to 100"]
