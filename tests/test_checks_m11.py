"""Module 11's checks accept the right answers and say "Not quite" to typical mistakes, on two profiles."""

import pandas as pd
import pytest

import notebook_tools as nbt
from campaign_lab import data
from campaign_lab.checks import Outcome
from campaign_lab.checks.m04 import targeting_table
from campaign_lab.checks.m11 import (
    age_band,
    example_audit,
    exercises,
    held_out_survey,
    reference_audit_table,
    rules_table,
)
from campaign_lab.profiles import load_profile

PROFILES = ["default", "kenya-county"]
NOTEBOOK = "11-fairness-and-privacy"


@pytest.fixture(scope="module", params=PROFILES)
def course(request):
    """The exercises of one profile, with the tables a learner works from."""
    campaign = load_profile(request.param)
    targets = targeting_table(campaign)
    targets["age_band"] = age_band(campaign, targets["age"])
    test = held_out_survey(campaign)
    return {
        "campaign": campaign,
        "q": dict(zip(["q1", "q2", "q3", "q4", "q5", "q6"], exercises(campaign))),
        "targets": targets,
        "survey": data.load("survey", campaign),
        "test": test,
        "ward_audit": reference_audit_table(test, "ward"),
        "rules": rules_table(campaign),
    }


def outcome(course, name, answer):
    return course["q"][name].judge(answer).outcome


# -- q1: the ward where the model misses most supporters ----------------------------------
def test_q1_accepts_the_highest_false_negative_rate_in_any_case(course):
    worst = nbt.solved(NOTEBOOK, "q1", ward_audit=course["ward_audit"])
    assert outcome(course, "q1", worst) is Outcome.CORRECT
    assert outcome(course, "q1", f" {worst.upper()} ") is Outcome.CORRECT


def test_q1_rejects_the_lowest_rate_the_lowest_selection_and_an_unknown_ward(course):
    audit = course["ward_audit"]
    assert outcome(course, "q1", audit["false_negative_rate"].idxmin()) is Outcome.INCORRECT
    lowest_selection = audit["selection_rate"].idxmin()
    if audit.loc[lowest_selection, "false_negative_rate"] < audit["false_negative_rate"].max() - 0.02:
        assert outcome(course, "q1", lowest_selection) is Outcome.INCORRECT
    result = course["q"]["q1"].judge("Nowhere")
    assert result.outcome is Outcome.INCORRECT and "not one of the wards" in result.message


# -- q2: parity versus equal error rates --------------------------------------------------------
def test_q2_accepts_that_the_two_kinds_of_fair_pull_apart(course):
    assert outcome(course, "q2", "B") is Outcome.CORRECT
    assert outcome(course, "q2", " b ") is Outcome.CORRECT


def test_q2_rejects_equal_errors_and_not_looking(course):
    assert outcome(course, "q2", "A") is Outcome.INCORRECT
    assert outcome(course, "q2", "D") is Outcome.INCORRECT


# -- q3: supporters left out ---------------------------------------------------------------------
def _oldest_numbers(course):
    campaign, targets, survey = course["campaign"], course["targets"], course["survey"]
    oldest = campaign.age_band_names[-1]
    on_list = int((targets["age_band"] == oldest).sum())
    share = (survey["support"] >= 4)[age_band(campaign, survey["age"]) == oldest].mean()
    return on_list, share


def test_q3_accepts_voters_times_support_share_and_a_rounded_value(course):
    on_list, share = _oldest_numbers(course)
    assert outcome(course, "q3", on_list * share) is Outcome.CORRECT
    assert outcome(course, "q3", round(on_list * share)) is Outcome.CORRECT


def test_q3_rejects_every_voter_of_that_age_and_the_models_selection(course):
    on_list, share = _oldest_numbers(course)
    oldest = course["targets"]["age_band"] == course["campaign"].age_band_names[-1]
    assert outcome(course, "q3", on_list) is Outcome.INCORRECT
    assert outcome(course, "q3", int(course["targets"].loc[oldest, "support_score"].ge(0.6).sum())) is Outcome.INCORRECT


# -- q4: the audit function ------------------------------------------------------------------------
audit_table = nbt.solved(NOTEBOOK, "q4", pd=pd)
misses_among_everyone = nbt.solved(NOTEBOOK, "q4", wrong=True, pd=pd)


def supporters_only_size(df, group_col):
    table = audit_table(df, group_col)
    table["size"] = df[df["supporter"]].groupby(group_col).size()
    return table


def test_q4_accepts_the_audit_function(course):
    assert outcome(course, "q4", audit_table) is Outcome.CORRECT


def test_q4_rejects_false_negatives_counted_among_everyone(course):
    result = course["q"]["q4"].judge(misses_among_everyone)
    assert result.outcome is Outcome.INCORRECT and "keep only the supporters" in result.message
    assert "example_audit()" in result.message  # names the example table, not its rows


def test_q4_rejects_a_size_that_counts_only_supporters_and_a_missing_column(course):
    assert outcome(course, "q4", supporters_only_size) is Outcome.INCORRECT
    result = course["q"]["q4"].judge(lambda df, group_col: audit_table(df, group_col).drop(columns="size"))
    assert result.outcome is Outcome.INCORRECT and "'size'" in result.message


def test_q4_says_not_attempted_for_an_empty_function(course):
    def empty(df, group_col):
        """Return the audit table."""

    assert outcome(course, "q4", empty) is Outcome.NOT_ATTEMPTED


def test_example_audit_is_a_plain_table_for_pandas():
    table = example_audit()
    assert repr(table) == "example_audit()"
    assert type(table.groupby("group").size().to_frame()) is pd.DataFrame


# -- q5: rules that say to tell someone ----------------------------------------------------------
def test_q5_accepts_the_rules_that_mention_notice(course):
    notice = nbt.solved(NOTEBOOK, "q5", rules=course["rules"])
    assert outcome(course, "q5", notice) is Outcome.CORRECT


def test_q5_rejects_every_rule_when_none_says_to_tell_anyone(course):
    rules = course["rules"]
    assert outcome(course, "q5", rules.index.tolist()) is Outcome.INCORRECT
    result = course["q"]["q5"].judge(["R99"])
    assert result.outcome is Outcome.INCORRECT and "not one of the choices" in result.message


def test_q5_answer_is_empty_on_the_shipped_profiles_and_the_notebook_says_ask(course):
    assert course["q"]["q5"].required == []
    assert outcome(course, "q5", []) is Outcome.CORRECT


# -- q6: the first steps after a breach ----------------------------------------------------------
def test_q6_accepts_record_tell_secure_and_ask(course):
    assert outcome(course, "q6", "B") is Outcome.CORRECT


def test_q6_rejects_waiting_and_deleting_the_record(course):
    assert outcome(course, "q6", "A") is Outcome.INCORRECT
    assert outcome(course, "q6", "C") is Outcome.INCORRECT
