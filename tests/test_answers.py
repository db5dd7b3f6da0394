"""Answers as plain data, and the grader's judgement outside the trainee's kernel (no box needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from campaign_lab.checks.core import ____
from campaign_lab.grading import answers
from campaign_lab.grading.answers import FunctionAnswer, Refused, decode, encode
from campaign_lab.grading.judge import CourseJudge, Replay, UnlistedCall, exercise_in_cell


@pytest.mark.parametrize("value", [
    7, 0.25, "C", True, None, [1, "a"], (1, 2), {3, 4}, {"x": [1.5]}, np.float64(0.38), np.int64(8),
    np.array([1.0, 2.0]), pd.Timestamp("2026-05-01"), Path("plan.md"), re.compile(r"\d+%", re.I),
])
def test_plain_values_come_back_as_they_went(value):
    back = decode(json.loads(json.dumps(encode(value))))
    assert type(back) is type(value)
    assert np.array_equal(back, value) if isinstance(value, np.ndarray) else back == value


def test_tables_come_back_with_their_index_and_names():
    frame = pd.DataFrame({"ward": ["North", "South"], "turnout": [0.61, 0.48]}).set_index("ward")
    pd.testing.assert_frame_equal(decode(encode(frame)), frame)
    series = frame["turnout"]
    pd.testing.assert_series_equal(decode(encode(series)), series)
    unnamed = pd.Series([1, 2])
    pd.testing.assert_series_equal(decode(encode(unnamed)), unnamed)


def test_the_blank_stays_blank():
    assert decode(encode(____)) is ____
    assert decode(encode(...)) is ____


class LiesAboutEquality(int):
    def __eq__(self, other):
        return True

    __hash__ = int.__hash__


@pytest.mark.parametrize("value", [LiesAboutEquality(3), [LiesAboutEquality(3)], object(), open])
def test_objects_of_their_own_are_refused(value):
    back = decode(encode(value))
    assert isinstance(back, Refused) or (isinstance(back, list) and isinstance(back[0], Refused))


@pytest.mark.parametrize("forged", [
    {"t": "int", "v": True}, {"t": "int", "v": "8"}, {"t": "frame", "parquet": "bm90IHBhcnF1ZXQ="},
    {"t": "np", "dtype": "|O", "v": 1}, {"t": "list", "v": "abc"}, {"t": "dict", "v": [[1]]},
    {"t": "function", "name": "f", "source": "def f(:"}, {"t": "pickle", "v": "gASV"}, ["t", "int"],
])
def test_forged_data_is_read_as_an_answer_the_grader_cannot_take(tmp_path, forged):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"format": answers.FORMAT, "version": answers.VERSION, "answers": {"n": forged}}))
    assert answers.load_answers(path) == {"n": Refused("malformed data")}


def test_a_file_that_is_not_the_format_is_refused_in_one_line(tmp_path):
    path = tmp_path / "answers.json"
    path.write_text("[1, 2]")
    with pytest.raises(answers.AnswersUnreadable):
        answers.load_answers(path)
    with pytest.raises(answers.AnswersUnreadable):
        answers.load_answers(tmp_path / "missing.json")


SEED = 4
DataFrame = pd.DataFrame


def helper(x):
    return np.sqrt(x) + SEED


def answer(x):
    return DataFrame({"a": [helper(x)]})


def test_a_function_goes_as_its_source_with_the_names_it_uses(monkeypatch):
    for function in (helper, answer):  # as if defined in a notebook
        monkeypatch.setattr(function, "__module__", "__main__")
    namespace = {"np": np, "SEED": SEED, "DataFrame": DataFrame, "helper": helper, "answer": answer}
    exported = decode(encode(answer, namespace))
    assert isinstance(exported, FunctionAnswer) and not callable(exported)
    assert exported.imports == {"np": "numpy", "DataFrame": "pandas.core.frame:DataFrame"}
    assert exported.constants == {"SEED": 4} and "helper" in exported.helpers
    rebuilt = answers.function_namespace(exported)["answer"]
    assert rebuilt(9)["a"][0] == 7.0


def test_a_replay_gives_back_each_call_in_turn_and_never_runs_code():
    first, second = ("V1", "salt"), ("V1", "other")
    replay = Replay([first, first, second], [{"returned": encode("a")}, {"returned": encode("b")},
                                             {"error": "ValueError", "message": "bad salt"}])
    assert replay("V1", "salt") == "a" and replay("V1", "salt") == "b"
    with pytest.raises(Exception, match="bad salt") as raised:
        replay("V1", "other")
    assert type(raised.value).__name__ == "ValueError"
    with pytest.raises(UnlistedCall):
        replay("V2", "salt")


def test_every_test_cell_of_every_course_notebook_checks_exactly_one_exercise():
    import nbformat

    from campaign_lab import course, paths
    from hostile.make_submissions import is_test_cell

    judge = CourseJudge()
    for module in course.modules():
        notebook = nbformat.read(str(paths.notebooks_dir() / module / f"{module}.ipynb"), 4)
        names = [exercise_in_cell(cell.source) for cell in notebook.cells if is_test_cell(cell)]
        assert names and None not in names, module
        assert sorted(names) == sorted(judge.exercises(module)), module


@pytest.fixture(scope="module")
def judge():
    return CourseJudge("default", "kenya-county")


def test_the_judge_scores_plain_answers_with_the_exercises_own_rules(judge):
    cells = {"q1-check": "q1", "q2-check": "q2", "q3-check": "q3"}
    right = judge.exercises("00-start-here")["q1"].expected
    verdicts = judge.judge("00-start-here", cells, {"n_wards": right, "leaves_the_machine": "B"}, {})
    assert [verdicts[c].status for c in cells] == ["correct", "incorrect", "not_attempted"]
    refused = judge.judge("00-start-here", {"q1-check": "q1"}, {"n_wards": Refused("Liar")}, {})
    assert refused["q1-check"].status == "incorrect" and "Liar" in refused["q1-check"].message


def test_a_function_right_only_on_the_classroom_data_is_not_right(judge):
    notebook, exercise = "05-fundraising", judge.exercises("05-fundraising")["q5"]
    other = judge.exercises(notebook, "second")["q5"]
    function = FunctionAnswer(exercise.answer_name, f"def {exercise.answer_name}(*args):\n    return 0\n")
    classroom = [{"returned": encode(expected)} for _, expected in exercise.cases]
    elsewhere = [{"returned": encode(-1.0)} for _ in other.calls()]  # right here, wrong there
    cells = {"q5-check": "q5"}
    answered = {exercise.answer_name: function}
    verdict = judge.judge(notebook, cells, answered, {exercise.answer_name: {"classroom": classroom, "second": elsewhere}})
    assert verdict["q5-check"].status == "incorrect" and "another profile" in verdict["q5-check"].message
    right = {"classroom": classroom, "second": [{"returned": encode(e)} for _, e in other.cases]}
    assert judge.judge(notebook, cells, answered, {exercise.answer_name: right})["q5-check"].correct


#: Function exercises checked on the course's own fixed examples, the same on every profile, so the
#: second profile cannot catch a table of their answers typed in (docs/grading.md says so).
FIXED_EXAMPLES = {("02", "q5"), ("06", "q6"), ("07", "q4")}


def test_function_exercises_try_other_inputs_on_the_second_profile(judge):
    import io

    from campaign_lab import course
    from campaign_lab.checks.core import FunctionExercise
    from campaign_lab.grading.judge import _CallsPickler

    def pickled(calls):
        buffer = io.BytesIO()
        _CallsPickler(buffer).dump(calls)
        return buffer.getvalue()

    same = set()
    for module in course.modules():
        for name, exercise in judge.exercises(module).items():
            if isinstance(exercise, FunctionExercise):
                if pickled(exercise.calls()) == pickled(judge.exercises(module, "second")[name].calls()):
                    same.add((module[:2], name))
    assert same == FIXED_EXAMPLES


def test_a_line_of_pandas_right_only_on_the_classroom_data_is_not_right(judge):
    notebook, cells = "00-start-here", {"q3-check": "q3"}
    exercise, other = judge.exercises(notebook)["q3"], judge.exercises(notebook, "second")["q3"]
    answered = {"rural_share": exercise.expected}
    assert judge.needs_calls(notebook, answered) and not judge.needs_calls(notebook, {"rural_share": 0.0})

    def verdict(outcome):
        return judge.judge(notebook, cells, answered, {"rural_share": {"second": [outcome]}})["q3-check"]

    typed_in = verdict({"returned": encode(exercise.expected)})  # the same number on another country's wards
    assert typed_in.status == "incorrect" and "another profile" in typed_in.message and "`wards`" in typed_in.message
    assert verdict({"returned": encode(other.expected)}).correct
    made_elsewhere = verdict({"error": "NameError", "message": "name 'rural' is not defined"})
    assert made_elsewhere.status == "incorrect" and "in this cell" in made_elsewhere.message
    assert judge.judge(notebook, cells, answered, {})["q3-check"].status == "incorrect"  # never rerun


def _solution_functions(module: str, exercises) -> dict:
    """The course's own solutions of a notebook's function exercises, defined, as a line may call them."""
    import numpy as np
    import pandas as pd

    from campaign_lab.checks import solutions
    from campaign_lab.checks.core import FunctionExercise

    namespace = {"pd": pd, "np": np}
    for exercise in exercises.values():
        if isinstance(exercise, FunctionExercise):
            exec(solutions.exercise_solution(module[:2], exercise.name), namespace)
    return {e.answer_name: namespace[e.answer_name] for e in exercises.values() if e.answer_name in namespace}


def test_every_answer_line_solution_stays_right_when_rerun_on_the_second_profile(judge):
    import pickle

    from campaign_lab import course
    from campaign_lab.checks import solutions
    from campaign_lab.grading import function_runner
    from campaign_lab.grading.answers import decode

    rerun = set()
    for module in course.modules():
        plans = pickle.loads(judge.calls(module))["lines"]
        functions = _solution_functions(module, judge.exercises(module))
        for exercise in judge.line_exercises(module):
            source = solutions.exercise_solution(module[:2], exercise.name)
            given = {**functions, **plans[exercise.answer_name]["second"]}
            outcome = function_runner._rerun(source, exercise.answer_name, given)
            other = judge.exercises(module, "second")[exercise.name]
            assert other.judge(decode(outcome["returned"])).correct, (module, exercise.name, outcome)
            rerun.add((module[:2], exercise.name))
    assert {("00", "q3"), ("02", "q2"), ("06", "q2"), ("07", "q5")} <= rerun


def test_the_runner_reruns_the_submitted_answer_cell_on_the_second_profiles_tables(tmp_path, judge):
    import json

    from campaign_lab.grading import function_runner
    from campaign_lab.grading.answers import decode, export_answers, load_answers

    notebook = "00-start-here"
    other = judge.exercises(notebook, "second")["q3"]
    (tmp_path / function_runner.CALLS).write_bytes(judge.calls(notebook))
    export_answers({"rural_share": 0.5}, ["rural_share"], tmp_path / "answers.json")
    worked = 'rural_share = ____\nrural_share = wards.loc[wards["setting"] == "rural", "population_share"].sum()\n'
    (tmp_path / function_runner.LINES).write_text(json.dumps({"rural_share": worked}))
    function_runner.run(tmp_path)
    result = json.loads((tmp_path / function_runner.RESULTS).read_text())["rural_share"]["second"][0]
    assert abs(decode(result["returned"]) - other.expected) < 1e-9
    assert load_answers(tmp_path / "answers.json")["rural_share"] == 0.5  # the exported answer is left as it was
