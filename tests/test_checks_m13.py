"""Module 13's checks accept right answers and say "Not quite" to typical mistakes, on two profiles."""

from pathlib import Path

import pandas as pd
import pytest

import notebook_tools as nbt
from campaign_lab.checks import Outcome
from campaign_lab.checks.m13 import (
    CHECK,
    CITED,
    NEEDS,
    budget,
    exercises,
    legal_checklist,
    legal_rules,
    risk_register,
    tool_catalogue,
)
from campaign_lab.profiles import load_profile

PROFILES = ["default", "mexico-municipality"]
NOTEBOOK = "13-capstone-ai-plan"


@pytest.fixture(scope="module", params=PROFILES)
def course(request):
    """The exercises of one profile, with the tables a learner works from."""
    campaign = load_profile(request.param)
    return {
        "campaign": campaign,
        "q": dict(zip(["q1", "q2", "q3", "q4"], exercises(campaign))),
        "catalogue": tool_catalogue(campaign),
        "risks": risk_register(campaign),
    }


def judge(course, name, answer):
    return course["q"][name].judge(answer)


def outcome(course, name, answer):
    return judge(course, name, answer).outcome


# -- q1: choosing tools ---------------------------------------------------------------------
def test_q1_accepts_the_cheapest_safe_tool_for_each_need(course):
    answer = nbt.solved(NOTEBOOK, "q1", catalogue=course["catalogue"], NEEDS=NEEDS)
    assert outcome(course, "q1", answer) is Outcome.CORRECT


def test_q1_accepts_another_set_that_follows_the_rules(course):
    choice = ["Ward Insights dashboard", "SocialPulse dashboard", "Hosted assistant with redaction"]
    chosen = course["catalogue"].set_index("tool").loc[choice]
    assert chosen["monthly_cost"].sum() <= budget(course["campaign"])
    assert outcome(course, "q1", choice) is Outcome.CORRECT


def test_q1_rejects_tools_that_send_personal_data_out(course):
    result = judge(course, "q1", ["VoterScore Cloud", "SocialPulse dashboard", "Hosted assistant with inbox plug-in"])
    assert result.outcome is Outcome.INCORRECT and "personal data" in result.message


def test_q1_rejects_going_over_budget_and_tools_that_need_python(course):
    over = ["Ward Insights dashboard", "SocialPulse dashboard", "Hosted assistant with redaction", "SpeechCoach online"]
    result = judge(course, "q1", over)
    assert result.outcome is Outcome.INCORRECT and "budget" in result.message
    python = ["Course notebooks (pandas, scikit-learn)", "SocialPulse dashboard", "Hosted assistant with redaction"]
    assert outcome(course, "q1", python) is Outcome.INCORRECT


def test_q1_rejects_a_missing_need_and_a_blank(course):
    assert outcome(course, "q1", ["Spreadsheet with pivot tables", "SocialPulse dashboard"]) is Outcome.INCORRECT
    from campaign_lab.checks import ____

    assert outcome(course, "q1", ____) is Outcome.NOT_ATTEMPTED


# -- q2: top risks ----------------------------------------------------------------------------
def _top(risks, column):
    return risks.assign(score=risks["likelihood"] * risks["impact"]).nlargest(3, column)["risk_id"].tolist()


def test_q2_accepts_the_three_highest_scores(course):
    scored = course["risks"].assign(score=course["risks"]["likelihood"] * course["risks"]["impact"])  # the given cell
    assert outcome(course, "q2", nbt.solved(NOTEBOOK, "q2", risks=scored)) is Outcome.CORRECT


def test_q2_rejects_ranking_by_likelihood_or_by_impact_alone(course):
    assert outcome(course, "q2", _top(course["risks"], "likelihood")) is Outcome.INCORRECT
    assert outcome(course, "q2", _top(course["risks"], "impact")) is Outcome.INCORRECT


# -- q3: which rules to check ----------------------------------------------------------------------
def _ids(rules, mask):
    return list(rules.loc[mask, "rule_id"])


def test_q3_accepts_every_illustrative_rule(course):
    rules = legal_rules(course["campaign"])
    assert outcome(course, "q3", nbt.solved(NOTEBOOK, "q3", rules=rules)) is Outcome.CORRECT
    assert outcome(course, "q3", list(reversed(_ids(rules, rules["illustrative"])))) is Outcome.CORRECT


def test_q3_rejects_trusting_a_link_on_an_illustrative_rule(course):
    rules = legal_rules(course["campaign"])
    if not (rules["illustrative"] & rules["link"].notna()).any():
        pytest.skip("no illustrative rule with a link in this profile")
    result = judge(course, "q3", nbt.solved(NOTEBOOK, "q3", wrong=True, rules=rules))
    assert result.outcome is Outcome.INCORRECT


def test_q3_rejects_a_cited_rule_naming_it(course):
    rules = legal_rules(course["campaign"])
    cited = rules[~rules["illustrative"]]
    if cited.empty:
        pytest.skip("every rule of this profile is illustrative")
    result = judge(course, "q3", [*_ids(rules, rules["illustrative"]), cited["rule_id"].iloc[0]])
    assert result.outcome is Outcome.INCORRECT and cited["law"].iloc[0] in result.message


def test_the_checklist_marks_the_chosen_rules_to_check(course):
    rules = legal_rules(course["campaign"])
    checklist = legal_checklist(course["campaign"], ["L1"])
    assert len(checklist) == len(rules) and list(checklist["status"]) == [CHECK] + [CITED] * (len(rules) - 1)
    assert list(legal_checklist(course["campaign"])["status"] == CHECK) == list(rules["illustrative"])


# -- q4: one-page plan -----------------------------------------------------------------------------
one_page_plan = nbt.solved(NOTEBOOK, "q4", Path=Path)
keeps_everything = nbt.solved(NOTEBOOK, "q4", wrong=True, Path=Path)


def forgets_to_return(path, title, sections, max_items=5):
    one_page_plan(path, title, sections, max_items)


def test_q4_accepts_a_plan_that_trims_each_section(course):
    assert outcome(course, "q4", one_page_plan) is Outcome.CORRECT


def test_q4_rejects_a_plan_that_keeps_every_item(course):
    result = judge(course, "q4", keeps_everything)
    assert result.outcome is Outcome.INCORRECT and "keep the first" in result.message


def test_q4_rejects_a_function_that_returns_nothing(course):
    result = judge(course, "q4", forgets_to_return)
    assert result.outcome is Outcome.INCORRECT and "return" in result.message
