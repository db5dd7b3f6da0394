"""Every kind of check answers correct, incorrect and not attempted, in plain words."""

import pytest

from campaign_lab.checks import (
    ____,
    CheckFailed,
    ChoiceExercise,
    CustomExercise,
    FunctionExercise,
    Outcome,
    SelectionExercise,
    ValueExercise,
)


def number_exercise():
    return ValueExercise(name="q1", answer_name="n_wards", expected=7, hints=["Count rows.", "Use len()."])


def text_exercise():
    return ValueExercise(name="q2", answer_name="biggest", expected="Riverside")


def choice_exercise():
    return ChoiceExercise(
        name="q3", answer_name="choice", options={"A": "a", "B": "b", "C": "c"}, correct="C",
        feedback={"A": "A sends data away."},
    )


def selection_exercise():
    return SelectionExercise(
        name="q4", answer_name="columns", required=["ward", "address"], allowed=["ward", "address", "phone", "age"],
        forbidden={"phone": "canvassers knock on doors; they do not need phone numbers."},
    )


def function_exercise():
    return FunctionExercise(name="q5", answer_name="double", cases=[((2,), 4), ((5,), 10)])


def custom_exercise():
    return CustomExercise(name="q6", answer_name="share", problem=lambda x: None if 0 <= x <= 1 else "a share lies between 0 and 1.")


def good_double(x):
    return 2 * x


def wrong_double(x):
    return x + 2


def empty_double(x):
    """Return twice x."""
    # YOUR CODE HERE


def crashing_double(x):
    return x / 0


CASES = [
    (number_exercise, 7, 8),
    (text_exercise, " riverside ", "Hilltop"),
    (choice_exercise, "c", "A"),
    (selection_exercise, ["ward", "address", "age"], ["ward", "address", "phone"]),
    (function_exercise, good_double, wrong_double),
    (custom_exercise, 0.4, 1.4),
]
IDS = ["number", "text", "choice", "selection", "function", "custom"]


@pytest.mark.parametrize("make, right, wrong", CASES, ids=IDS)
def test_a_right_answer_is_correct_with_a_reason(make, right, wrong):
    result = make().judge(right)
    assert result.outcome is Outcome.CORRECT
    assert "Correct" in str(result)


@pytest.mark.parametrize("make, right, wrong", CASES, ids=IDS)
def test_a_wrong_answer_is_incorrect_with_a_message(make, right, wrong):
    result = make().judge(wrong)
    assert result.outcome is Outcome.INCORRECT
    assert "Not quite" in str(result) and len(result.message) > 20


@pytest.mark.parametrize("make, right, wrong", CASES, ids=IDS)
def test_the_placeholder_is_not_attempted(make, right, wrong):
    result = make().judge(____)
    assert result.outcome is Outcome.NOT_ATTEMPTED
    assert "____" in result.message


@pytest.mark.parametrize("make, right, wrong", CASES, ids=IDS)
def test_a_missing_variable_is_not_attempted(make, right, wrong):
    result = make().judge_namespace({})
    assert result.outcome is Outcome.NOT_ATTEMPTED
    assert "Run the cell" in result.message


def test_a_wrong_number_says_too_high_without_giving_the_answer():
    message = number_exercise().judge(8).message
    assert "too high" in message and "7" not in message


def test_a_number_given_as_text_says_a_number_is_expected():
    assert "should be a number" in number_exercise().judge("7").message


def test_a_choice_outside_the_options_lists_the_letters():
    message = choice_exercise().judge("D").message
    assert '"A", "B", "C"' in message


def test_a_wrong_choice_explains_why():
    assert "sends data away" in choice_exercise().judge("A").message


def test_a_forbidden_column_says_why_it_is_not_needed():
    message = selection_exercise().judge(["ward", "address", "phone"]).message
    assert "do not need phone numbers" in message


def test_an_empty_function_is_not_attempted():
    assert function_exercise().judge(empty_double).outcome is Outcome.NOT_ATTEMPTED


def test_a_function_that_crashes_is_incorrect_and_names_the_error():
    result = function_exercise().judge(crashing_double)
    assert result.outcome is Outcome.INCORRECT
    assert "ZeroDivisionError" in result.message


def test_a_function_that_forgets_return_is_told_so():
    def no_return(x):
        y = 2 * x  # noqa: F841

    assert "forget `return`" in function_exercise().judge(no_return).message


def test_check_reads_the_answer_from_the_callers_variables(capsys):
    exercise = number_exercise()
    globals()["n_wards"] = 7
    try:
        result = exercise.check()
    finally:
        del globals()["n_wards"]
    assert result.correct
    assert "✅" in capsys.readouterr().out


def test_check_raises_a_friendly_error_instead_of_a_traceback():
    globals()["n_wards"] = 3
    try:
        with pytest.raises(CheckFailed) as caught:
            number_exercise().check()
    finally:
        del globals()["n_wards"]
    shown = caught.value._render_traceback_()
    assert len(shown) == 1 and "Not quite" in shown[0] and "Traceback" not in shown[0]


def test_hints_come_in_steps(capsys):
    exercise = number_exercise()
    exercise.hint()
    exercise.hint(2)
    exercise.hint(9)
    out = capsys.readouterr().out.splitlines()
    assert "hint 1 of 2" in out[0] and "q1.hint(2)" in out[0]
    assert "hint 2 of 2" in out[1] and "hint 2 of 2" in out[2]


def test_course_errors_show_one_friendly_line_in_a_notebook():
    from campaign_lab.errors import BadInput

    assert BadInput("the profile file x.yaml does not exist.")._render_traceback_() == [
        "⚠️ the profile file x.yaml does not exist."
    ]


def test_check_on_a_blank_says_not_attempted_and_does_not_stop_run_all(capsys):
    globals()["n_wards"] = ____
    try:
        result = number_exercise().check()
    finally:
        del globals()["n_wards"]
    assert result.outcome is Outcome.NOT_ATTEMPTED
    assert "Not attempted yet" in capsys.readouterr().out


def test_a_demo_gets_the_courses_version_of_an_unfinished_answer_and_says_so(capsys):
    import numpy as np
    from campaign_lab.checks.m12 import exercises
    from campaign_lab.profiles import load_profile

    q3 = exercises(load_profile("default"))[2]
    namespace = {"changed_box": ____, "np": np}
    reference = q3.answer_or_reference(namespace)
    assert q3.judge(reference).correct
    assert "Using the course's version of `changed_box`" in capsys.readouterr().out
    assert namespace["changed_box"] is ____  # her own answer is left as it is
    assert q3.answer_or_reference({"changed_box": reference}) is reference


def test_a_check_on_a_cells_last_line_shows_its_message_once_in_a_kernel(tmp_path):
    """In Jupyter, a check as the last line prints its message; the returned result adds no `Out` of its own."""
    import nbformat

    from notebook_tools import execute, shown_text

    source = ("from campaign_lab.checks import ValueExercise\n"
              "q1 = ValueExercise(name='q1', answer_name='n_wards', expected=7)\n"
              "n_wards = 7\n"
              "q1.check()")
    notebook = execute(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)]), tmp_path, timeout=120)
    cell = notebook.cells[0]
    assert "execute_result" not in [output.output_type for output in cell.outputs]
    assert shown_text(cell).count("Correct") == 1 and "Result(" not in shown_text(cell)
