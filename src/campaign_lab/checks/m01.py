"""Checks for notebook 01, "A tour of AI campaign tools".

The vendor's test list is scenario data kept here, so the notebook and its
checks read the same numbers; every expected answer is computed from it or
from the profile's voter file, so the exercises work for every country profile.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from campaign_lab import data
from campaign_lab.checks.core import ChoiceExercise, SelectionExercise, ValueExercise
from campaign_lab.checks.solutions import from_notebook

__all__ = [
    "VENDOR_TEST", "VENDOR_QUESTIONS", "vendor_test_list", "points_above_guessing", "contact_rates",
    "exercises",
]

#: The vendor's own test: 1,000 people from a list of the party's past volunteers and
#: petition signers, how many were supporters, and what the vendor's model said about them.
VENDOR_TEST = {
    "supporter, model says supporter": 740,
    "supporter, model says not": 40,
    "not a supporter, model says supporter": 160,
    "not a supporter, model says not": 60,
}

#: Questions a campaign could put to a vendor; the keys are what the learner lists.
VENDOR_QUESTIONS = {
    "base_rate": "What share of your test list were supporters before the model picked anyone?",
    "unseen_people": "Did you measure the accuracy on people the model never saw while it learned?",
    "groups": "How well does it work for women, young, rural and minority voters, each group on its own?",
    "data_source": "Where does the personal data come from, did people agree to it, and where is it kept?",
    "total_cost": "What will it cost us in total, including the hours our team spends using it?",
    "latest_ai": "Is it built on the very latest AI?",
    "famous_clients": "Which famous campaigns have used it?",
    "facts_per_voter": "How many thousands of facts does it hold about each voter?",
}
_GOOD_QUESTIONS = ("base_rate", "unseen_people", "groups", "data_source", "total_cost")
_RED_HERRINGS = {
    "latest_ai": "a label such as \"the latest AI\" says nothing about whether the tool works for you.",
    "famous_clients": "a famous campaign's win is not evidence that the tool caused it.",
    "facts_per_voter": "more facts about each person means more privacy risk, and says nothing about accuracy.",
}


def vendor_test_list(seed: int = 1) -> pd.DataFrame:
    """Return the vendor's test as one row per person, in a shuffled order.

    Columns: ``supporter`` (the truth, from a survey) and ``model_says_supporter``
    (the vendor model's call), both yes/no.

    Examples
    --------
    >>> int(vendor_test_list()["supporter"].sum())
    780
    """
    truth_and_call = {
        "supporter, model says supporter": (True, True),
        "supporter, model says not": (True, False),
        "not a supporter, model says supporter": (False, True),
        "not a supporter, model says not": (False, False),
    }
    rows = [truth_and_call[cell] for cell, count in VENDOR_TEST.items() for _ in range(count)]
    order = np.random.default_rng(seed).permutation(len(rows))
    frame = pd.DataFrame([rows[i] for i in order], columns=["supporter", "model_says_supporter"])
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="person")
    return frame


def points_above_guessing(test: pd.DataFrame) -> float:
    """Accuracy of the model minus the accuracy of always guessing the commoner answer, in points."""
    accuracy = (test["supporter"] == test["model_says_supporter"]).mean()
    base_rate = test["supporter"].mean()
    return float(100 * (accuracy - max(base_rate, 1 - base_rate)))


def contact_rates(campaign) -> tuple[float, float]:
    """Share of voters contacted by the last campaign in underserved wards and in the other wards."""
    voters = data.load("voters", campaign)
    wards = campaign.wards_frame()
    underserved = set(wards.loc[wards["underserved"], "name"])
    official = voters[voters["ward"].isin(wards["name"])]
    contacted = official["contacts_last_campaign"] > 0
    in_underserved = official["ward"].isin(underserved)
    return float(contacted[in_underserved].mean()), float(contacted[~in_underserved].mean())


@from_notebook
def exercises(campaign):
    """Return ``q1`` to ``q4`` for the given profile (a loaded ``Profile``)."""
    return _q1_low_scores(campaign), _q2_vendor_questions(), _q3_vendor_claim(), _q4_tool_for_the_job()


def _q1_low_scores(campaign) -> ChoiceExercise:
    underserved, others = contact_rates(campaign)
    return ChoiceExercise(
        name="q1",
        answer_name="low_score_meaning",
        options={
            "A": "Skip those wards: their voters will not turn out whatever you do.",
            "B": "The score describes the past. Past campaigns rarely contacted these voters, so a low score "
            "is a question to look into, not a verdict.",
            "C": "The model must be broken, because every ward should get the same score.",
            "D": "Their voters support your rivals, so they are not worth your time.",
        },
        correct="B",
        feedback={
            "A": "the score learns from the past, when campaigns rarely knocked on these doors; skipping them "
            "again repeats the neglect and tells you nothing about what a visit would change.",
            "C": "wards really do differ; the model finds a pattern that is there. The question is what causes it.",
            "D": "a turnout score predicts whether someone votes, not whom they vote for.",
        },
        hints=[
            "Look at the column of contacts from the last campaign in the table under the chart.",
            "A model learns from what happened. What happened in these wards during the last campaign?",
        ],
        why=f"The last campaign reached {underserved:.0%} of voters in underserved wards and {others:.0%} elsewhere. "
        "A score built on that history can steer you away from the people who were left out.",
    )


def _q2_vendor_questions() -> SelectionExercise:
    return SelectionExercise(
        name="q2",
        answer_name="good_questions",
        required=_GOOD_QUESTIONS,
        forbidden=_RED_HERRINGS,
        allowed=tuple(VENDOR_QUESTIONS),
        hints=[
            "Keep the questions whose answer would change your decision: does it work, for whom, at what cost, "
            "and with whose data?",
            "Three of the eight are the kind of thing a sales pitch likes to answer. Leave those out.",
        ],
        why="These five questions turn a sales pitch into evidence. A vendor who cannot answer them is selling a story.",
    )


def _q3_vendor_claim() -> ValueExercise:
    expected = points_above_guessing(vendor_test_list())
    return ValueExercise(
        name="q3",
        answer_name="points_above_guessing",
        expected=expected,
        tolerance=0.01,
        unit="points",
        track="deep-dive",
        hints=[
            "Work out two accuracies: the model's, and that of a 'model' that calls everyone a supporter.",
            "The model's accuracy: `(vendor_test[\"supporter\"] == vendor_test[\"model_says_supporter\"]).mean()`. "
            "Guessing 'supporter' for everyone is right as often as `vendor_test[\"supporter\"].mean()`.",
            "Subtract the second from the first and multiply by 100 to get percentage points.",
        ],
        why=f"The model is right {expected:.0f} percentage points more often than a guess that needs no data at all. "
        "An accuracy figure means nothing until you know the base rate.",
    )


def _q4_tool_for_the_job() -> ChoiceExercise:
    return ChoiceExercise(
        name="q4",
        answer_name="plan_for_a_volunteer_team",
        options={
            "A": "Buy a vendor's AI voter-scoring platform and use it for all three jobs.",
            "B": "Wards: count past turnout and past contacts per ward in a spreadsheet. Rumours: a volunteer runs "
            "a free sentiment tool each morning and reads the posts it flags. Newsletter: an AI assistant drafts, "
            "and a person checks every fact against the platform before it goes out.",
            "C": "Wards: ask an AI assistant which wards lean your way. Rumours: wait until the last week. "
            "Newsletter: let the AI assistant write and send it on its own.",
            "D": "Wards: build a turnout model from the 40 doors you knocked last weekend. Rumours: an AI bot "
            "replies to every critic. Newsletter: skip it.",
        },
        correct="B",
        feedback={
            "A": "a scoring platform costs money you do not have, and it neither watches social media nor writes.",
            "C": "an AI assistant does not know your voters and invents facts; nothing should go out unchecked.",
            "D": "40 doors are far too few to learn from, and a bot arguing in the candidate's name is a risk, not a plan.",
        },
        hints=[
            "For each job, ask: what does the tool need (data, skills, money), and what can it not do?",
            "Which plan keeps a person in charge of everything that goes out in the candidate's name?",
        ],
        why="Free tools and careful people go a long way. Spend money only where it buys something your "
        "volunteers cannot do, and keep a person responsible for every word published.",
    )
