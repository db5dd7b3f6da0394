"""Module 04's checks accept the right answers and say "Not quite" to typical mistakes, on two profiles."""

import pytest

import notebook_tools as nbt
from campaign_lab.checks import Outcome
from campaign_lab.checks.m04 import (
    FLOOR_HOURS,
    LOW_CONTACT,
    VOLUNTEER_HOURS,
    clean_voters,
    contact_rates,
    example_wards,
    exercises,
    targeting_table,
    ward_hours_table,
)
from campaign_lab.profiles import load_profile

PROFILES = ["default", "kenya-county"]
NOTEBOOK = "04-targeting-and-outreach"


@pytest.fixture(scope="module", params=PROFILES)
def course(request):
    """The exercises of one profile, with the tables a learner works from."""
    campaign = load_profile(request.param)
    targets = targeting_table(campaign)
    return {
        "q": dict(zip(["q1", "q2", "q3", "q4", "q5"], exercises(campaign))),
        "targets": targets,
        "contact_by_ward": contact_rates(clean_voters(campaign), "ward"),
        "ward_hours": ward_hours_table(campaign, targets),
    }


def outcome(course, name, answer):
    return course["q"][name].judge(answer).outcome


# -- q1: the mobilise count --------------------------------------------------------------
def test_q1_accepts_the_mobilise_count(course):
    assert outcome(course, "q1", nbt.solved(NOTEBOOK, "q1", targets=course["targets"])) is Outcome.CORRECT


def test_q1_rejects_the_persuade_count_and_the_base_count(course):
    segment = course["targets"]["segment"]
    assert outcome(course, "q1", int((segment == "persuade").sum())) is Outcome.INCORRECT
    assert outcome(course, "q1", int((segment == "base").sum())) is Outcome.INCORRECT


# -- q2: low-contact wards ----------------------------------------------------------------
def test_q2_accepts_the_wards_below_the_line(course):
    answer = nbt.solved(NOTEBOOK, "q2", contact_by_ward=course["contact_by_ward"], LOW_CONTACT=LOW_CONTACT)
    assert outcome(course, "q2", answer) is Outcome.CORRECT


def test_q2_rejects_a_list_that_stops_early_or_adds_a_well_contacted_ward(course):
    rates = course["contact_by_ward"]
    low = rates[rates < LOW_CONTACT].index.tolist()
    assert outcome(course, "q2", rates.nsmallest(2).index.tolist()) is Outcome.INCORRECT
    result = course["q"]["q2"].judge(low + [rates.idxmax()])
    assert result.outcome is Outcome.INCORRECT and "not below" in result.message


# -- q3: sensitive categories -------------------------------------------------------------
def test_q3_accepts_planning_without_the_community_column(course):
    assert outcome(course, "q3", "B") is Outcome.CORRECT
    assert outcome(course, "q3", " b ") is Outcome.CORRECT


def test_q3_rejects_a_community_list_and_leaving_the_community_out(course):
    assert outcome(course, "q3", "A") is Outcome.INCORRECT
    assert outcome(course, "q3", "C") is Outcome.INCORRECT


# -- q4: the best ward --------------------------------------------------------------------
def test_q4_accepts_the_longest_bar_with_or_without_the_star(course):
    best = nbt.solved(NOTEBOOK, "q4", ward_hours=course["ward_hours"])
    assert outcome(course, "q4", best) is Outcome.CORRECT
    assert outcome(course, "q4", f"{best.upper()} *") is Outcome.CORRECT


def test_q4_rejects_the_shortest_bar_and_an_unknown_ward(course):
    assert outcome(course, "q4", course["ward_hours"]["votes_per_hour"].idxmin()) is Outcome.INCORRECT
    result = course["q"]["q4"].judge("Nowhere")
    assert result.outcome is Outcome.INCORRECT and "not one of the wards" in result.message


# -- q5: the allocation function ------------------------------------------------------------
allocate_hours = nbt.solved(NOTEBOOK, "q5")
ranking_without_floor = nbt.solved(NOTEBOOK, "q5", wrong=True)


def floor_without_limits(wards, hours, floor):
    plan = {ward: (floor if wards.loc[ward, "underserved"] else 0.0) for ward in wards.index}
    best = wards["votes_per_hour"].idxmax()
    plan[best] += hours - sum(plan.values())
    return plan


def test_q5_accepts_the_floor_then_ranking_plan(course):
    assert outcome(course, "q5", allocate_hours) is Outcome.CORRECT


def test_q5_rejects_a_plan_that_forgets_the_floor(course):
    result = course["q"]["q5"].judge(ranking_without_floor)
    assert result.outcome is Outcome.INCORRECT and "floor" in result.message


def test_q5_rejects_a_plan_that_ignores_max_hours(course):
    result = course["q"]["q5"].judge(floor_without_limits)
    assert result.outcome is Outcome.INCORRECT and "max_hours" in result.message


def test_q5_says_not_attempted_for_an_empty_function(course):
    def empty(wards, hours, floor):
        """Plan the hours."""
        # YOUR CODE HERE

    assert outcome(course, "q5", empty) is Outcome.NOT_ATTEMPTED


def test_the_course_plan_leaves_no_underserved_ward_below_the_floor(course):
    table = course["ward_hours"]
    plan = allocate_hours(table, VOLUNTEER_HOURS, FLOOR_HOURS)
    assert all(plan[ward] >= min(FLOOR_HOURS, table.loc[ward, "max_hours"]) for ward in table.index[table["underserved"]])
    assert sum(plan.values()) == pytest.approx(VOLUNTEER_HOURS)


def test_example_wards_give_the_plan_the_notebook_shows():
    assert allocate_hours(example_wards(), 100, 15) == {"North": 50, "South": 20, "Lakeside": 15, "Hills": 15}
