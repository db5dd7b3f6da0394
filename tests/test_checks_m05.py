"""The checks of notebook 05 (fundraising): right answers pass and typical mistakes do not, on several profiles."""

import pandas as pd
import pytest

import notebook_tools as nbt
from campaign_lab import data
from campaign_lab.checks import Outcome
from campaign_lab.checks.m05 import (
    LIFTS,
    SMALL_GIFT_MULTIPLE,
    cycle_start,
    exercises,
    people_needed,
    reference_smallest_lift,
)
from campaign_lab.profiles import available_profiles, load_profile

PROFILES = ["default", "us-state-house", "mexico-municipality"]
NOTEBOOK = "05-fundraising"


@pytest.fixture(scope="module", params=PROFILES)
def course(request):
    """A profile, its data and its exercises ``q1`` to ``q6``."""
    campaign = load_profile(request.param)
    tables = {name: data.load(name, campaign) for name in ("donors", "gifts", "email_test", "voters")}
    return campaign, tables, dict(zip(["q1", "q2", "q3", "q4", "q5", "q6"], exercises(campaign)))


def outcome(exercise, answer):
    return exercise.judge(answer).outcome


def per_donor(gifts):
    return gifts.groupby("donor_id").agg(last=("date", "max"), frequency=("amount", "size"), total=("amount", "sum"))


# -- q1: recent regulars -------------------------------------------------------------------------
def test_recent_regulars_right_count_is_correct(course):
    _, tables, q = course
    gifts = tables["gifts"]
    rfm = per_donor(gifts)
    recency = (gifts["date"].max() - rfm["last"]).dt.days
    assert outcome(q["q1"], int(((recency <= 90) & (rfm["frequency"] >= 3)).sum())) is Outcome.CORRECT


def test_recent_regulars_without_recency_or_with_more_than_three_is_not_quite(course):
    _, tables, q = course
    gifts = tables["gifts"]
    rfm = per_donor(gifts)
    recency = (gifts["date"].max() - rfm["last"]).dt.days
    assert outcome(q["q1"], int((rfm["frequency"] >= 3).sum())) is Outcome.INCORRECT  # the recorded wrong answer
    assert outcome(q["q1"], int(((recency <= 90) & (rfm["frequency"] > 3)).sum())) is Outcome.INCORRECT


# -- q2: women among small donors -------------------------------------------------------------------
def women_shares(campaign, tables):
    average = tables["gifts"].groupby("donor_id")["amount"].mean()
    small = average[average <= SMALL_GIFT_MULTIPLE * campaign.money.typical_gift].index
    people = tables["donors"].merge(tables["voters"][["voter_id", "sex"]], on="voter_id")
    is_small = people["donor_id"].isin(small)
    known = people["sex"].notna()
    woman = people["sex"] == "F"
    return woman[is_small & known].mean(), woman[~is_small & known].mean(), woman.mean()


def test_women_share_of_small_donors_is_correct_as_read_from_the_table(course):
    campaign, tables, q = course
    small, _, _ = women_shares(campaign, tables)
    assert outcome(q["q2"], small) is Outcome.CORRECT
    assert outcome(q["q2"], round(small, 2)) is Outcome.CORRECT


def test_women_share_of_all_or_large_donors_is_not_quite_and_says_which(course):
    campaign, tables, q = course
    _, large, everyone = women_shares(campaign, tables)
    result = q["q2"].judge(everyone)  # the recorded wrong answer
    assert result.outcome is Outcome.INCORRECT and "all donors" in result.message
    result = q["q2"].judge(large)
    assert result.outcome is Outcome.INCORRECT and "large donors" in result.message


def test_women_share_as_a_percentage_asks_for_a_share(course):
    campaign, tables, q = course
    small, _, _ = women_shares(campaign, tables)
    result = q["q2"].judge(100 * small)
    assert result.outcome is Outcome.INCORRECT and "between 0 and 1" in result.message


# -- q3: over the limit this cycle ------------------------------------------------------------------
def totals(gifts, since=None):
    chosen = gifts if since is None else gifts[gifts["date"] >= since]
    return chosen.groupby("donor_id")["amount"].sum()


def test_donors_over_the_limit_this_cycle_are_correct_in_any_order(course):
    campaign, tables, q = course
    cycle = totals(tables["gifts"], cycle_start(campaign))
    over = cycle[cycle > campaign.money.donation_limit.amount].index.tolist()
    assert over, "the data plant at least one donor over the limit"
    assert outcome(q["q3"], over[::-1]) is Outcome.CORRECT


def test_counting_gifts_from_earlier_cycles_is_not_quite_and_says_why():
    # The generator plants donors whom only earlier cycles' gifts push over the limit, in every profile.
    for name in available_profiles():
        campaign = load_profile(name)
        gifts = data.load("gifts", campaign)
        q3 = exercises(campaign)[2]
        all_time = totals(gifts)
        wrong = all_time[all_time > campaign.money.donation_limit.amount].index.tolist()  # the recorded wrong answer
        result = q3.judge(wrong)
        assert result.outcome is Outcome.INCORRECT and "before this cycle" in result.message


def test_a_list_missing_one_donor_over_the_limit_is_not_quite(course):
    campaign, tables, q = course
    cycle = totals(tables["gifts"], cycle_start(campaign))
    over = cycle[cycle > campaign.money.donation_limit.amount].index.tolist()
    result = q["q3"].judge(over[1:])
    assert result.outcome is Outcome.INCORRECT and "missing 1" in result.message


# -- q4: the smallest lift the list can see ----------------------------------------------------------
def visible_letter(email):
    base = email.loc[email["variant"] == "A", "gave"].mean()
    people = email["variant"].value_counts().min()
    fits = [letter for letter, points in LIFTS.items() if people_needed(base, points / 100) <= people]
    return fits[0] if fits else "F"


def test_smallest_visible_lift_is_correct(course):
    _, tables, q = course
    assert outcome(q["q4"], visible_letter(tables["email_test"])) is Outcome.CORRECT


def test_smallest_lift_in_the_list_and_a_lift_too_large_are_not_quite(course):
    _, tables, q = course
    right = visible_letter(tables["email_test"])
    assert right != "A", "the recorded wrong answer must differ from the right one"
    result = q["q4"].judge("A")  # the recorded wrong answer
    assert result.outcome is Outcome.INCORRECT and "people per version" in result.message
    bigger = "ABCDEF"["ABCDEF".index(right) + 1]
    assert outcome(q["q4"], bigger) is Outcome.INCORRECT


# -- q5: smallest_lift(base_rate, people, power) -----------------------------------------------------
smallest_lift = nbt.solved(NOTEBOOK, "q5", people_needed=people_needed)
smallest_lift_ignoring_power = nbt.solved(NOTEBOOK, "q5", wrong=True, people_needed=people_needed)


def test_smallest_lift_search_and_reference_are_correct(course):
    _, _, q = course
    assert outcome(q["q5"], smallest_lift) is Outcome.CORRECT
    assert outcome(q["q5"], reference_smallest_lift) is Outcome.CORRECT


def test_smallest_lift_that_ignores_power_or_answers_in_points_is_not_quite(course):
    _, _, q = course
    assert outcome(q["q5"], smallest_lift_ignoring_power) is Outcome.INCORRECT  # the recorded wrong answer
    in_points = lambda base_rate, people, power=0.8: 100 * smallest_lift(base_rate, people, power)
    assert outcome(q["q5"], in_points) is Outcome.INCORRECT


def test_an_empty_smallest_lift_is_not_attempted(course):
    _, _, q = course

    def empty(base_rate, people, power=0.8):
        """Not written yet."""
        raise NotImplementedError()

    assert outcome(q["q5"], empty) is Outcome.NOT_ATTEMPTED


def test_halving_the_lift_needs_three_to_four_times_the_people():
    assert 3 < people_needed(0.01, 0.005) / people_needed(0.01, 0.01) < 4


# -- q6: the honest appeal ---------------------------------------------------------------------------
def test_only_the_honest_appeal_is_correct(course):
    _, _, q = course
    assert outcome(q["q6"], "C") is Outcome.CORRECT
    assert outcome(q["q6"], " c ") is Outcome.CORRECT
    for letter in "ABD":  # "A", the false deadline that won opens, is the recorded wrong answer
        result = q["q6"].judge(letter)
        assert result.outcome is Outcome.INCORRECT and result.message


# -- the scenario ------------------------------------------------------------------------------------
def test_the_cycle_starts_a_year_before_the_campaign():
    campaign = load_profile("kenya-county")
    assert cycle_start(campaign) == pd.Timestamp(campaign.calendar.campaign_start) - pd.Timedelta(days=365)
