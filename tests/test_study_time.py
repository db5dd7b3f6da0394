"""Each notebook's stated time to learn comes from the reading and exercise model, and so does the README's."""

import nbformat
import pytest

from campaign_lab import cli, study_time


def _notebook(*cells):
    return nbformat.v4.new_notebook(cells=list(cells))


md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell


def test_every_notebook_and_the_readme_state_the_models_time(capsys):
    assert cli.main(["times"]) == 0, capsys.readouterr().out


def test_text_code_and_exercises_add_up_and_deep_dives_leave_the_core_track():
    words = " ".join(["word"] * 300)  # 2 minutes of reading
    notebook = _notebook(
        md(f"## Overview\n{words}"),
        code("x = 1"), code("x"),                                   # 1 minute
        md("## Exercise 1 (core, 2 points): a value"),               # 4
        md("## Exercise 2 (deep-dive, 3 points): a function"),       # 10, deep-dive
        code("def f(): pass"),                                       # 0.5, deep-dive
        md("## Reflection (core, 2 points, graded by your trainer)"),  # 6
        md(f"## Try it for your own campaign\n{words} {words}"),     # take-home: 0
    )
    time = study_time.estimate(notebook)
    assert (time.total, time.core) == (25, 15)  # 23.5 and 13 minutes (headings' words included), rounded to 5


def test_a_cell_with_two_headings_counts_each_part_in_its_own_section():
    notebook = _notebook(md("## Part 6 · Export\nRead this.\n\n## Exercise 4 (deep-dive, 3 points): write it"))
    time = study_time.estimate(notebook)
    assert time.total == 10 and time.core == 5  # the deep-dive's 10 minutes stay off the core track


def test_write_rewrites_a_stale_line_and_leaves_a_right_one_alone():
    notebook = _notebook(md("## Overview\n- **Time to learn**: 500 minutes.\n- **Track**: core"))
    time = study_time.estimate(notebook)
    assert study_time.with_time_line(notebook, time)
    assert study_time.stated_line(notebook) == study_time.time_line(time)
    assert notebook.cells[0].source.endswith("- **Track**: core")
    assert not study_time.with_time_line(notebook, time)


@pytest.mark.parametrize("minutes, rounded", [(0.2, 5), (7.4, 5), (7.5, 10), (62.6, 65)])
def test_figures_are_rounded_to_five_minutes(minutes, rounded):
    assert study_time._round5(minutes) == rounded
