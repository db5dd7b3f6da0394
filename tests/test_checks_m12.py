"""Module 12's checks: each right answer is Correct; the recorded wrong answer and one other plausible mistake are Not quite."""

import numpy as np
import pytest
from cryptography.exceptions import InvalidSignature

import notebook_tools as nbt
from campaign_lab.checks import Outcome
from campaign_lab.checks.m12 import exercises
from campaign_lab.profiles import load_profile

PROFILES = ["default", "kenya-county", "us-state-house"]
NOTEBOOK = "12-deepfakes-and-provenance"


@pytest.fixture(scope="module", params=PROFILES)
def questions(request):
    return dict(zip(["q1", "q2", "q3", "q4", "q5", "q6", "q7"], exercises(load_profile(request.param))))


def outcome(exercise, answer):
    return exercise.judge(answer).outcome


# -- right answers: the notebook's own solutions --------------------------------------------------
changed_box = nbt.solved(NOTEBOOK, "q3", np=np)
is_authentic = nbt.solved(NOTEBOOK, "q5", InvalidSignature=InvalidSignature)

RIGHT = {
    "q1": ["R2", "R3"],
    "q2": ["Author", "Description", "Creation Time"],
    "q3": changed_box,
    "q4": "B",
    "q5": is_authentic,
    "q6": nbt.solved(NOTEBOOK, "q6"),
    "q7": nbt.solved(NOTEBOOK, "q7"),
}


@pytest.mark.parametrize("name", sorted(RIGHT))
def test_right_answer_is_correct(questions, name):
    assert outcome(questions[name], RIGHT[name]) is Outcome.CORRECT


def test_answers_in_another_order_or_case_are_correct(questions):
    assert outcome(questions["q1"], ["R3", "R2"]) is Outcome.CORRECT
    assert outcome(questions["q4"], " b ") is Outcome.CORRECT


# -- recorded wrong answers (as in the notebook's metadata) and other plausible mistakes --------
box_one_short = nbt.solved(NOTEBOOK, "q3", wrong=True, np=np)


def box_first_channel_only(before, after):
    before, after = np.asarray(before), np.asarray(after)
    if before.ndim == 3:
        before, after = before[..., 0], after[..., 0]
    rows, columns = np.nonzero(before != after)
    return (int(columns.min()), int(rows.min()), int(columns.max()) + 1, int(rows.max()) + 1)


verify_without_try = nbt.solved(NOTEBOOK, "q5", wrong=True)


def signature_length_only(manifest_bytes, signature, public_key):
    return len(signature) == 64


WRONG = [
    ("q1", ["R2"]),
    ("q1", ["R1", "R2", "R3"]),
    ("q2", ["Author"]),
    ("q2", ["Author", "Description", "Creation Time", "width"]),
    ("q3", box_one_short),
    ("q3", box_first_channel_only),
    ("q4", "A"),
    ("q4", "D"),
    ("q5", verify_without_try),
    ("q5", signature_length_only),
    ("q6", ["A", "C", "B", "E"]),
    ("q6", ["B", "C", "A", "E"]),
    ("q6", ["B", "C", "D", "E", "A"]),
    ("q7", nbt.solved(NOTEBOOK, "q7", wrong=True)),
    ("q7", ["C", "E"]),
    ("q7", ["A", "C", "D", "E"]),
]


@pytest.mark.parametrize(("name", "answer"), WRONG, ids=[f"{name}-{i}" for i, (name, _) in enumerate(WRONG)])
def test_wrong_answer_is_not_quite(questions, name, answer):
    result = questions[name].judge(answer)
    assert result.outcome is Outcome.INCORRECT
    assert str(result).find("Not quite") > 0


def test_box_message_names_the_off_by_one_without_printing_pixels(questions):
    message = questions["q3"].judge(box_one_short).message
    assert "one pixel short" in message and "picture, 6 x 8 pixels" in message and "[[" not in message


def test_verifier_message_describes_the_case_without_printing_the_manifest(questions):
    message = questions["q5"].judge(signature_length_only).message
    assert "one word changed" in message and len(message) < 300


def test_response_plan_explains_a_fake_in_return(questions):
    assert "fake of your own" in questions["q6"].judge(["B", "C", "D", "E", "A"]).message


def test_sexualised_fake_says_why_a_step_spreads_the_image(questions):
    assert "copy" in questions["q7"].judge(["A", "C", "E", "D"]).message
    assert "repeats the attack" in questions["q7"].judge(["A", "C", "E", "F"]).message


# -- not attempted yet ------------------------------------------------------------------------
def test_empty_functions_are_not_attempted(questions):
    def empty(before, after):
        """Nothing yet."""

    def unwritten(manifest_bytes, signature, public_key):
        raise NotImplementedError

    assert outcome(questions["q3"], empty) is Outcome.NOT_ATTEMPTED
    assert outcome(questions["q5"], unwritten) is Outcome.NOT_ATTEMPTED
