"""Each notebook, its check module and its solutions agree: one answer cell and one check cell per exercise."""

import ast
import importlib
import re
from functools import lru_cache
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

import notebook_tools as nbt
import campaign_lab.checks as checks_package
from campaign_lab import course
from campaign_lab.checks import solutions
from campaign_lab.profiles import load_profile

MODULES = course.modules()
HEADING = re.compile(
    r"^#+ (?P<deep>Deep dive · )?Exercise (?P<number>\d+) \((?:(?P<track>core|deep-dive), )?(?P<points>\d+) points?\)",
    re.M,
)


@lru_cache(maxsize=None)
def declared(module):
    """The exercises the module's check module makes for the default profile, by name."""
    checks = importlib.import_module(f"campaign_lab.checks.m{module[:2]}")
    return {exercise.name: exercise for exercise in checks.exercises(load_profile("default"))}


def _source(module):
    return nbt.read(course.source_notebook(module))


def _by_exercise(cells, kind):
    found = {}
    for cell in cells:
        name = nbt.nbgrader_meta(cell).get("grade_id", "").removesuffix(f"-{kind}")
        found.setdefault(name, []).append(cell)
    return found


def _heading(notebook, cell):
    """The exercise heading above a cell: number, track and points as the learner reads them."""
    for earlier in reversed(notebook.cells[: notebook.cells.index(cell)]):
        match = earlier.cell_type == "markdown" and HEADING.search(earlier.source)
        if match:
            track = "deep-dive" if match["deep"] else match["track"]
            return {"number": match["number"], "track": track, "points": int(match["points"])}
    return None


@pytest.mark.parametrize("module", MODULES)
def test_every_declared_exercise_has_exactly_one_answer_cell_and_one_check_cell(module):
    notebook = _source(module)
    answers = _by_exercise(nbt.answer_cells(notebook), "answer")
    checks = _by_exercise(nbt.test_cells(notebook), "check")
    names = set(declared(module))
    assert set(answers) == names, f"answer cells {sorted(answers)} but m{module[:2]} declares {sorted(names)}"
    assert set(checks) == names, f"check cells {sorted(checks)} but m{module[:2]} declares {sorted(names)}"
    assert all(len(cells) == 1 for cells in [*answers.values(), *checks.values()]), "an exercise has two cells"


@pytest.mark.parametrize("module", MODULES)
def test_the_notebook_binds_the_exercises_in_the_order_the_module_makes_them(module):
    code = "\n".join(c.source for c in _source(module).cells if c.cell_type == "code")
    [bound] = re.findall(r"^(\w+(?:, \w+)*) = exercises\(campaign\)$", code, re.M)
    assert bound.split(", ") == list(declared(module))


@pytest.mark.parametrize("module", MODULES)
def test_answer_and_check_cells_match_the_exercise_and_its_heading(module):
    notebook = _source(module)
    checks = {name: cells[0] for name, cells in _by_exercise(nbt.test_cells(notebook), "check").items()}
    for cell in nbt.answer_cells(notebook):
        name = nbt.meta(cell).get("exercise")
        exercise, check, heading = declared(module).get(name), checks.get(name), _heading(notebook, cell)
        assert exercise and check and heading, f"{module} {name}: no exercise, check cell or heading"
        assert nbt.nbgrader_meta(cell)["grade_id"] == solutions.answer_id(name)
        assert nbt.meta(check)["exercise"] == name and check.source.startswith(f"{name}.check()")
        assert nbt.answer_name(cell) == exercise.answer_name, f"{name}: the cell asks for another name"
        assert heading["number"] == name.removeprefix("q"), f"{name} sits under Exercise {heading['number']}"
        tracks = {exercise.track, nbt.meta(cell)["track"], nbt.meta(check)["track"], heading["track"]}
        assert tracks == {exercise.track}, f"{name}: tracks disagree: {tracks}"
        assert nbt.nbgrader_meta(check)["points"] == heading["points"], f"{name}: points differ from the heading"


@pytest.mark.parametrize("module", MODULES)
def test_every_answer_cell_records_a_wrong_answer_and_a_solution_that_gives_the_answer(module):
    for cell in nbt.answer_cells(_source(module)):
        name, answer = nbt.meta(cell).get("exercise"), nbt.answer_name(cell)
        assert nbt.meta(cell).get("wrong_answer", "").strip(), f"{name} records no wrong answer"
        shown = solutions.shown_solution(cell.source)
        assert re.search(rf"^\s*(def {answer}\(|{answer}\s*=)", shown, re.M), f"{name}: the solution never sets {answer}"


@pytest.mark.parametrize("module", MODULES)
def test_solution_shows_the_notebooks_solution_cell(module, capsys):
    for name, exercise in declared(module).items():
        exercise.solution()
        shown = capsys.readouterr().out
        expected = solutions.shown_solution(nbt.answer_cell(module, name).source)
        assert shown == f"📖 {exercise.label}, a solution:\n{expected}\n"


CHECK_MODULES = sorted(path.stem for path in Path(checks_package.__file__).parent.glob("*.py"))


@pytest.mark.parametrize("name", CHECK_MODULES)
def test_every_checks_module_says_what_it_offers_in_all(name):
    module = importlib.import_module(f"campaign_lab.checks.{name}")
    assert hasattr(module, "__all__"), f"campaign_lab.checks.{name} has no __all__"
    assert [item for item in module.__all__ if not hasattr(module, item)] == []


@pytest.mark.parametrize("module", MODULES)
def test_notebooks_import_only_what_the_checks_modules_offer(module):
    python = TransformerManager().transform_cell  # IPython's: magics become plain Python
    code = "\n".join(python(c.source) for c in _source(module).cells if c.cell_type == "code")
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("campaign_lab.checks"):
            offered = importlib.import_module(node.module).__all__
            assert [alias.name for alias in node.names if alias.name not in offered] == [], node.module
