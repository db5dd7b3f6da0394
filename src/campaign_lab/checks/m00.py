"""Checks for notebook 00, "Start here".

The expected answers are computed from the profile, so the exercises work for
every country profile a trainer writes.
"""

from __future__ import annotations

from campaign_lab.checks.core import ChoiceExercise, ValueExercise
from campaign_lab.checks.solutions import from_notebook

__all__ = [
    "exercises",
]


@from_notebook
def exercises(campaign):
    """Return ``q1, q2, q3`` for the given profile (a loaded ``Profile``)."""
    wards = campaign.wards_frame()
    rural = wards.loc[wards["setting"] == "rural", "population_share"].sum()
    place = campaign.constituency.name
    q1 = ValueExercise(
        name="q1",
        answer_name="n_wards",
        expected=len(wards),
        hints=[
            "Look at the table of wards above: each row is one ward.",
            "You can count the rows by eye, or let pandas count them: `len(wards)`.",
        ],
        why=f"{place} has {len(wards)} wards. Campaigns plan canvassing, events and posters ward by ward.",
    )
    q2 = ChoiceExercise(
        name="q2",
        answer_name="leaves_the_machine",
        options={
            "A": "The voter file, because the AI model needs it.",
            "B": "Everything you type to the AI assistant, because it runs on a company's servers.",
            "C": "Nothing: the data is synthetic and the AI model runs on this machine.",
        },
        correct="C",
        feedback={
            "A": "the voter file is generated on this machine and no step sends it anywhere.",
            "B": "in this course the AI model is a small one running on this machine, not a company's service.",
        },
        hints=["Re-read the section \"What the sandbox is\"."],
        why="In this sandbox you can experiment freely. With a real voter file and a hosted AI service, "
        "you must check where every piece of personal data goes.",
    )
    q3 = ValueExercise(
        name="q3",
        answer_name="rural_share",
        expected=float(rural),
        tolerance=1e-6,
        track="deep-dive",
        reads={"wards": wards},
        hints=[
            "Keep only the rural rows: `wards[wards[\"setting\"] == \"rural\"]`.",
            "Then add up their `population_share` column with `.sum()`.",
            "Counting rural wards is not the same as counting rural people: wards differ in size.",
        ],
        why=f"{rural:.0%} of the people of {place} live in rural wards. Rural voters are easy to overlook "
        "when a campaign's volunteers live in town.",
    )
    return q1, q2, q3
