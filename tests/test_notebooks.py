"""The source notebooks: clean in git, complete, runnable, and their checks catch wrong answers."""


from functools import lru_cache

import pytest

import notebook_tools as nbt
from campaign_lab import content_note, course, data, runner
from campaign_lab.profiles import available_profiles

MODULES = course.modules()
SKELETON = ["## Overview", "## Prerequisites", "## Ethics check", "## Try it for your own campaign",
            "## Summary", "## What's next", "## Resources"]


def _source(module):
    return nbt.read(course.source_notebook(module))


@pytest.mark.parametrize("module", MODULES)
def test_notebook_in_git_has_no_outputs(module):
    for cell in _source(module).cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"strip outputs of {module}"


@pytest.mark.parametrize("module", MODULES)
def test_notebook_follows_the_lesson_skeleton(module):
    text = "\n".join(c.source for c in _source(module).cells if c.cell_type == "markdown")
    missing = [heading for heading in SKELETON if heading not in text]
    assert not missing, f"{module} lacks sections: {missing}"


@pytest.mark.parametrize("module", MODULES)
def test_notebook_has_core_and_deep_dive_exercises_and_a_reflection(module):
    notebook = _source(module)
    tracks = [nbt.meta(c).get("track") for c in nbt.test_cells(notebook) if c.cell_type == "code"]
    manual = [c for c in notebook.cells if c.cell_type == "markdown" and nbt.nbgrader_meta(c).get("grade")]
    assert tracks.count("core") >= 2 and tracks.count("deep-dive") >= 1
    assert manual and all("rubric" in _previous_markdown(notebook, c).lower() for c in manual)


def _previous_markdown(notebook, cell):
    index = notebook.cells.index(cell)
    return notebook.cells[index - 1].source


# Each exercise's cells, heading, wrong answer and check module agree: tests/test_checks_notebooks.py.


@pytest.mark.parametrize("module", MODULES)
def test_source_notebook_runs_top_to_bottom(module, tmp_path):
    [run] = runner.run_notebooks(module, out_dir=tmp_path)
    assert run.ok, run.line()
    assert (tmp_path / f"{module}.ipynb").exists()


OTHER_PROFILES = [p for p in available_profiles() if p != "default"]


@pytest.mark.slow
@pytest.mark.parametrize("profile", OTHER_PROFILES)
@pytest.mark.parametrize("module", MODULES)
def test_source_notebook_runs_on_other_profiles(module, profile, tmp_path):
    [run] = runner.run_notebooks(module, profile=profile, out_dir=tmp_path)
    assert run.ok, f"{profile}: {run.line()}"


# -- one run per notebook with the recorded wrong answers, abusive posts hidden where a notebook can hide them --
@lru_cache(maxsize=None)
def wrong_answers_run(module):
    source = course.source_notebook(module)
    notebook = nbt.read(source)
    hide = {content_note.SETTING: False} if nbt.has_parameter(notebook, content_note.SETTING) else None
    return nbt.execute(nbt.with_wrong_answers(notebook), source.parent, parameters=hide)


@pytest.mark.parametrize("module", MODULES)
def test_wrong_answers_make_every_check_say_not_quite(module):
    executed = wrong_answers_run(module)
    for cell in nbt.test_cells(executed):
        name = nbt.meta(cell)["exercise"]
        [error] = nbt.errors(cell) or [None]
        assert error is not None, f"{name}: the check accepted the wrong answer"
        assert error["ename"] == "CheckFailed", f"{name}: {error['ename']}: {error['evalue']}"
        assert "Not quite" in error["evalue"], f"{name}: {error['evalue']}"


@pytest.fixture(scope="module")
def abusive_texts():
    labels = data.load("post_labels")
    posts = data.load("posts").merge(labels[["post_id", "abusive"]], on="post_id")
    return sorted({text[:40] for text in posts.loc[posts["abusive"], "text"]})


@pytest.mark.parametrize("module", MODULES)
def test_with_the_content_setting_off_no_cell_shows_an_abusive_post(module, abusive_texts):
    """Every notebook can be gone through on counts alone: cells that show abusive posts obey the setting."""
    shown = []
    for index, cell in enumerate(wrong_answers_run(module).cells):
        text = nbt.shown_text(cell) if cell.cell_type == "code" else ""
        shown += [(index, post) for post in abusive_texts if post in text]
    assert shown == [], f"{module}: cells show abusive posts with {content_note.SETTING} = False: {shown[:5]}"


@pytest.mark.parametrize("module", MODULES)
def test_a_notebook_that_shows_abusive_posts_has_the_content_note_and_the_setting(module):
    notebook = _source(module)
    marked = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.startswith(content_note.MARKER)]
    if not marked:
        return
    assert nbt.has_parameter(notebook, content_note.SETTING), f"{module}: no {content_note.SETTING} in Settings"
    assert content_note.MARKER in notebook.cells[0].source, f"{module}: the first cell's content note names the marker"
    assert all("show_or_count(" in cell.source for cell in marked), f"{module}: a marked cell ignores the setting"


def test_the_safety_section_shows_the_profiles_harassment_law_and_whom_to_call():
    from campaign_lab.profiles import load_profile

    safety = load_profile("default").safety
    shown = "\n".join(nbt.shown_text(c) for c in wrong_answers_run("07-abuse-and-disinformation").cells
                      if c.cell_type == "code")
    for name in [law.law for law in safety.harassment_law] + [contact.name for contact in safety.contacts]:
        assert name in shown, f"07 does not show {name!r} from the profile"


# -- one core-only run per notebook: core answers solved, deep dives blank, probes before each answer --
@lru_cache(maxsize=None)
def core_only_run(module):
    source = course.source_notebook(module)
    return nbt.execute(nbt.core_only_with_probes(nbt.read(source)), source.parent)


@pytest.mark.slow
@pytest.mark.parametrize("module", MODULES)
def test_core_only_run_goes_to_the_end_and_says_not_attempted_for_each_deep_dive(module):
    executed = core_only_run(module)
    failed = [(index, error["ename"], error["evalue"][:200]) for index, cell in enumerate(executed.cells)
              for error in nbt.errors(cell)]
    assert failed == [], f"{module} stops on a core-only run: {failed}"
    for cell in nbt.test_cells(executed):
        headline = "Not attempted yet" if nbt.meta(cell)["track"] == "deep-dive" else "Correct"
        assert headline in nbt.text_of(cell), f"{module} {nbt.meta(cell)['exercise']}: {nbt.text_of(cell)[:200]}"


@pytest.mark.slow
@pytest.mark.parametrize("module", MODULES)
def test_hidden_tests_fail_on_a_blank_answer_so_it_scores_zero(module):
    passed_blank = [probe["exercise"] for probe in nbt.probes(core_only_run(module)) if probe["blank"] is None]
    assert passed_blank == [], f"{module}: hidden tests pass on a blank answer: {passed_blank}"


@pytest.mark.slow
@pytest.mark.parametrize("module", MODULES)
def test_every_answer_the_check_calls_correct_passes_the_hidden_tests(module):
    for probe in nbt.probes(core_only_run(module)):
        if probe["solution"]:  # a deep dive built on a deep dive left blank in this run
            assert declared_track(module, probe["exercise"]) == "deep-dive", f"{probe['exercise']}: {probe['solution']}"
            continue
        assert probe["variants"][0]["check"] == "CORRECT", f"{module} {probe['exercise']}: the check rejects the solution"
        disagree = [(v["variant"], v["hidden"]) for v in probe["variants"] if v["hidden"]]
        assert disagree == [], f"{module} {probe['exercise']}: the check says correct, hidden tests fail: {disagree}"


def declared_track(module, exercise):
    [cell] = [c for c in nbt.answer_cells(_source(module)) if nbt.meta(c)["exercise"] == exercise]
    return nbt.meta(cell)["track"]
