"""Checks for notebook 08, "Message testing and paid digital ads".

Every expected answer is computed from the profile and its generated data (the
e-mail A/B test, the ads library), so the exercises work for every country
profile. The module also holds the next week's draft ads that the notebook
audits, built from the profile (candidate, issues, age bands, languages).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from campaign_lab import data
from campaign_lab.checks.core import (
    ChoiceExercise,
    FunctionExercise,
    SelectionExercise,
    TargetFunctionExercise,
)
from campaign_lab.checks.solutions import from_notebook

__all__ = [
    "SPECIAL_CATEGORIES", "BUDGET_STEPS", "draft_ads", "exercises",
]

#: Targeting categories that reveal special-category data (GDPR Art. 9 names these among others);
#: EU Regulation 2024/900 bans online political-ad targeting based on such data.
SPECIAL_CATEGORIES = ("political views", "ethnicity", "religion", "health")

#: Ads are planned in this many equal steps of the budget.
BUDGET_STEPS = 50

_Z95 = NormalDist().inv_cdf(0.975)


# ----------------------------------------------------------------------------- the scenario


def draft_ads(campaign) -> pd.DataFrame:
    """Next week's eight draft ads, built from the profile; some break a disclosure rule.

    Each row has ``ad_id``, ``platform``, ``theme``, ``format``, ``ai_generated``,
    ``ai_disclosed``, ``sponsor_label`` (``None`` when missing) and ``targeting``,
    a text of ``category: value`` pairs separated by semicolons.

    Examples
    --------
    >>> from campaign_lab.profiles import load_profile
    >>> draft_ads(load_profile("default"))["ad_id"].tolist()[:3]
    ['N1', 'N2', 'N3']
    """
    issues, bands = campaign.issues, campaign.age_band_names
    language = campaign.languages[-1].name
    paid_by = f"Paid for by the {campaign.candidate.name} campaign"
    front_group = f"Paid for by Friends of {campaign.constituency.name}"
    rival = campaign.rivals[0].name
    rows = [
        ("Instagram", issues[1], "AI-made image", True, True, paid_by, f"age: {bands[0]}; area: rural"),
        ("Facebook", issues[0], "photo of the candidate", False, False, paid_by, f"age: {bands[-1]}; language: {language}"),
        ("YouTube", issues[2], "AI-made video", True, False, paid_by, f"age: {bands[1]}; area: urban"),
        ("Facebook", issues[3], "photo and text", False, False, front_group, f"age: {bands[2]}"),
        ("Facebook", issues[4], "photo and text", False, False, paid_by, f"age: {bands[2]}; religion: regular worshippers"),
        ("Instagram", issues[1], "AI-made image", True, True, paid_by, f"age: {bands[0]}; political views: follows {rival}"),
        ("Google Search", issues[0], "text ad", False, False, None, "search words: " + issues[0]),
        ("YouTube", issues[2], "AI-made voice-over", True, True, paid_by, f"area: urban; language: {language}"),
    ]
    columns = ["platform", "theme", "format", "ai_generated", "ai_disclosed", "sponsor_label", "targeting"]
    drafts = pd.DataFrame(rows, columns=columns)
    drafts.insert(0, "ad_id", [f"N{i}" for i in range(1, len(rows) + 1)])
    return drafts


# ----------------------------------------------------------------------------- reference answers


def _problems(ad, sponsor: str, banned) -> list[str]:
    """The reference compliance check: the rules ("sponsor", "ai_label", "targeting") an ad breaks."""
    found = []
    label = ad.get("sponsor_label")
    if not isinstance(label, str) or sponsor.lower() not in label.lower():
        found.append("sponsor")
    if bool(ad.get("ai_generated")) and not bool(ad.get("ai_disclosed")):
        found.append("ai_label")
    targeting = ad.get("targeting")
    categories = {part.split(":")[0].strip().lower() for part in targeting.split(";")} if isinstance(targeting, str) else set()
    if categories & {word.strip().lower() for word in banned}:
        found.append("targeting")
    return found


def _same_problems(got, expected) -> bool:
    return isinstance(got, (list, tuple, set)) and all(isinstance(item, str) for item in got) and set(got) == set(expected)


def _difference_interval(successes_a, n_a, successes_b, n_b) -> tuple[float, float]:
    """95% interval for rate(B) - rate(A), in proportions."""
    rate_a, rate_b = successes_a / n_a, successes_b / n_b
    spread = math.sqrt(rate_a * (1 - rate_a) / n_a + rate_b * (1 - rate_b) / n_b)
    return rate_b - rate_a - _Z95 * spread, rate_b - rate_a + _Z95 * spread


def _gift_interval(campaign) -> tuple[float, float]:
    email = data.load("email_test", campaign)
    gave = email.groupby("variant")["gave"].agg(["sum", "count"])
    return _difference_interval(gave.loc["A", "sum"], gave.loc["A", "count"], gave.loc["B", "sum"], gave.loc["B", "count"])


def _fit_reach_curve(spend, impressions, n_grid: int = 300) -> tuple[float, float]:
    """Least-squares ``(ceiling, scale)`` of ``impressions = ceiling * (1 - exp(-spend / scale))``.

    The scale is searched on a grid; for each scale the best ceiling has a formula.
    """
    x, y = np.asarray(spend, float), np.asarray(impressions, float)
    scales = np.geomspace(x.min(), x.max() * 10, n_grid)
    shapes = 1 - np.exp(-x[:, None] / scales[None, :])
    ceilings = (shapes * y[:, None]).sum(axis=0) / (shapes**2).sum(axis=0)
    errors = ((y[:, None] - shapes * ceilings[None, :]) ** 2).sum(axis=0)
    best = int(np.argmin(errors))
    return float(ceilings[best]), float(scales[best])


def _budget_setup(campaign) -> dict:
    """The budget section's inputs: theme, curves (audience -> (ceiling, scale)), budget and step."""
    ads, audiences = data.load("ads", campaign), data.load("ad_audiences", campaign)
    ceiling, scale = _fit_reach_curve(audiences["spend"], audiences["impressions"])
    theme = campaign.issues[1]
    shown = audiences.merge(ads[["ad_id", "theme"]], on="ad_id").query("theme == @theme")
    totals = shown.groupby("audience", sort=False)[["clicks", "impressions"]].sum()
    click_rate = totals["clicks"] / totals["impressions"]
    curves = {audience: (ceiling * rate, scale) for audience, rate in click_rate.items()}
    budget = float(f"{ads['spend'].median():.2g}")  # about what one past ad cost
    return {"theme": theme, "curves": curves, "click_rate": click_rate, "budget": budget, "step": budget / BUDGET_STEPS}


def _total_clicks(curves: dict, plan: dict) -> float:
    """Expected clicks of a plan (audience -> spend) under the response curves."""
    return sum(ceiling * (1 - math.exp(-float(plan.get(audience, 0)) / scale)) for audience, (ceiling, scale) in curves.items())


def _greedy(curves: dict, budget: float, step: float) -> dict:
    spend = {audience: 0.0 for audience in curves}

    def extra(audience):
        ceiling, scale = curves[audience]
        return ceiling * (math.exp(-spend[audience] / scale) - math.exp(-(spend[audience] + step) / scale))

    for _ in range(int(round(budget / step))):
        spend[max(spend, key=extra)] += step
    return spend


def _candidate_plans(setup: dict) -> dict[str, dict]:
    """The four plans of Exercise 2, by letter."""
    curves, budget, rate = setup["curves"], setup["budget"], setup["click_rate"]
    top3 = rate.nlargest(3).index
    return {
        "A": {audience: budget / len(curves) for audience in curves},
        "B": {rate.idxmax(): budget},
        "C": {audience: budget * share for audience, share in (rate / rate.sum()).items()},
        "D": {audience: budget / len(top3) for audience in top3},
    }


@dataclass(frozen=True)
class _AdBudgetTarget:
    """What a correct allocation must achieve: spend the whole budget, as well as the step-by-step plan."""

    curves: dict
    budget: float
    best: float

    def accepts(self, plan) -> bool:
        return self.explain(plan) is None

    def explain(self, plan) -> str | None:
        """``None`` if the plan is right, else one sentence on what is wrong with it."""
        if not hasattr(plan, "get") or not hasattr(plan, "keys"):
            return "It should return a dictionary that maps each audience to its money."
        missing = [audience for audience in self.curves if audience not in plan.keys()]
        if missing or set(plan.keys()) - set(self.curves):
            return "Its dictionary should have exactly one entry per audience in `curves` (0 for those that get nothing)."
        try:
            spend = {audience: float(plan.get(audience)) for audience in self.curves}
        except (TypeError, ValueError):
            return "Each audience's money should be a number."
        if min(spend.values(), default=0) < -1e-9:
            return "It gives an audience a negative amount."
        spent = sum(spend.values())
        if not math.isclose(spent, self.budget, rel_tol=1e-6, abs_tol=1e-6):
            return f"Its amounts add up to {spent:,.2f}, but the budget is {self.budget:,.2f}."
        clicks = _total_clicks(self.curves, spend)
        if clicks < self.best * (1 - 1e-6) - 1e-9:
            return f"It brings {clicks:,.1f} expected clicks; a plan that gives each step where it adds the most brings more."
        return None


def _plan_case(curves: dict, budget: float, step: float):
    return (curves, budget, step), _AdBudgetTarget(curves, budget, _total_clicks(curves, _greedy(curves, budget, step)))


# ----------------------------------------------------------------------------- exercises


@from_notebook
def exercises(campaign):
    """Return ``q1, q2, q3, q4, q5`` for the given profile (a loaded ``Profile``)."""
    return _q1_gift_test(campaign), *_budget_exercises(campaign), *_disclosure_exercises(campaign)


def _q1_gift_test(campaign) -> ChoiceExercise:
    low, high = _gift_interval(campaign)
    correct = "A" if low > 0 else "C" if high < 0 else "B"
    interval = f"from {low * 100:+.2f} to {high * 100:+.2f} percentage points"
    verdicts = {
        "A": "to say that B raised the share who gave, the whole interval for gifts would have to sit above zero.",
        "B": "to say that the test cannot tell, the interval for gifts would have to include zero.",
        "C": "to say that A raised the share who gave, the whole interval for gifts would have to sit below zero.",
    }
    feedback = {letter: f"{verdicts[letter]} Here the interval runs {interval}." for letter in verdicts}
    feedback["D"] = "more opens is not more gifts. Read the row for gifts, not the row for opens."
    why = {
        "A": f"B's gift rate is higher ({interval}), but only just: the interval is wide, and B's deadline is invented.",
        "B": f"The gift interval ({interval}) includes zero: B's extra opens did not turn into a gift rate you can tell apart from A's.",
        "C": f"A's gift rate is higher ({interval}): B's extra opens did not turn into gifts.",
    }[correct]
    return ChoiceExercise(
        name="q1",
        answer_name="gift_verdict",
        options={
            "A": "B raised the share of recipients who gave.",
            "B": "The test cannot tell whether B changes the share who give.",
            "C": "A raised the share of recipients who gave.",
            "D": "B raised the share who gave, because more people opened it.",
        },
        correct=correct,
        feedback=feedback,
        hints=[
            "Look at the row for `gave` in the table of differences: where do `low` and `high` sit compared with zero?",
            "If the interval includes zero, the true difference could be nothing at all.",
        ],
        why=why + " Judge a test on the outcome that matters to you, with its interval.",
    )


def _budget_exercises(campaign):
    setup = _budget_setup(campaign)
    plans = _candidate_plans(setup)
    clicks = {letter: _total_clicks(setup["curves"], plan) for letter, plan in plans.items()}
    best = max(clicks, key=clicks.get)
    reasons = {
        "A": "an even split gives as much to audiences that rarely click as to those that click most.",
        "B": "with diminishing returns, each extra unit of money in one audience buys less and less.",
        "C": "a split in proportion to click rates can still over-feed the best audiences, whose curves have flattened.",
        "D": "leaving most audiences out wastes the cheap first clicks you could get in each of them.",
    }
    q2 = ChoiceExercise(
        name="q2",
        answer_name="best_plan",
        options={
            "A": "Split the budget evenly across all audiences.",
            "B": "Put the whole budget on the audience with the highest click rate.",
            "C": "Split the budget in proportion to each audience's click rate.",
            "D": "Split the budget evenly across the three audiences with the highest click rates.",
        },
        correct=best,
        feedback={letter: f"it brings about {clicks[letter]:,.0f} expected clicks, fewer than another plan: {reasons[letter]}" for letter in plans if letter != best},
        hints=[
            "Run `expected_clicks(plan_a)`, then the same for `plan_b`, `plan_c` and `plan_d`, and compare the four numbers.",
            "Choose the letter of the plan with the most expected clicks.",
        ],
        why=f"Plan {best} brings about {clicks[best]:,.0f} expected clicks against {clicks['B']:,.0f} for putting everything on one audience: "
        "when returns diminish, spreading the money wins.",
    )
    small = {"young rural": (900.0, 300.0), "older urban": (300.0, 300.0), "students": (600.0, 100.0)}
    q3 = TargetFunctionExercise(
        name="q3",
        answer_name="allocate",
        track="deep-dive",
        cases=[
            _plan_case(small, 600.0, 50.0),
            _plan_case({"town": (1000.0, 200.0), "villages": (1000.0, 800.0)}, 1000.0, 100.0),
            _plan_case(setup["curves"], setup["budget"], setup["step"]),
        ],
        hints=[
            "Start with `spend = {audience: 0 for audience in curves}`. Then repeat `round(budget / step)` times: "
            "find the audience where one more step brings the most extra clicks, and add `step` to it.",
            "The extra clicks of one more step in an audience are "
            "`ceiling * (math.exp(-s / scale) - math.exp(-(s + step) / scale))`, where `s` is what it has already.",
            "`max(spend, key=extra)` returns the audience whose `extra(audience)` is largest. Return the `spend` dictionary.",
        ],
        why="This step-by-step (\"greedy\") plan is the best possible when every curve flattens out: "
        "each step goes where it buys the most.",
    )
    return q2, q3


def _disclosure_exercises(campaign):
    drafts = draft_ads(campaign)
    sponsor = campaign.candidate.name
    records = drafts.to_dict("records")
    found = {ad["ad_id"]: _problems(ad, sponsor, SPECIAL_CATEGORIES) for ad in records}
    why_not = {
        "sponsor": "its sponsor line is missing or does not name the campaign that pays for it.",
        "ai_label": "it was made with AI and carries no AI label.",
        "targeting": "it targets people by special-category data (such as religion or political views).",
    }
    q4 = SelectionExercise(
        name="q4",
        answer_name="compliant_drafts",
        required=[ad_id for ad_id, problems in found.items() if not problems],
        forbidden={ad_id: why_not[problems[0]] for ad_id, problems in found.items() if problems},
        allowed=list(found),
        hints=[
            "Go through the draft table row by row and ask three questions: does the sponsor line name the campaign that pays? "
            "If AI made it, is it labelled? Does the targeting use political views, ethnicity, religion or health?",
            "A sponsor line that names a group other than the campaign hides who pays. Missing values show as `None`.",
        ],
        why="Only these drafts can go out as they are; each of the others needs one fix before it runs.",
    )
    fields = ["ad_id", "sponsor_label", "ai_generated", "ai_disclosed", "targeting"]
    examples = [{key: ad[key] for key in fields} for ad in records]
    unlabelled = {**examples[0], "sponsor_label": None, "ai_generated": True, "ai_disclosed": False}
    q5 = FunctionExercise(
        name="q5",
        answer_name="ad_problems",
        track="deep-dive",
        cases=[((ad, sponsor, list(SPECIAL_CATEGORIES)), found[ad["ad_id"]]) for ad in examples]
        + [((unlabelled, sponsor, list(SPECIAL_CATEGORIES)), _problems(unlabelled, sponsor, SPECIAL_CATEGORIES))],
        compare=_same_problems,
        hints=[
            "Start with `problems = []` and add one name for each rule the ad breaks: "
            "`\"sponsor\"`, `\"ai_label\"` or `\"targeting\"`. Return the list (empty if the ad is fine).",
            "Sponsor: the label must be a text (`isinstance(label, str)`) that contains the sponsor's name, ignoring capitals. "
            "AI: `ad[\"ai_generated\"] and not ad[\"ai_disclosed\"]`.",
            "Targeting: split the text on `;`, take the part before `:` of each piece, `.strip().lower()` it, "
            "and see whether it is in the banned list (lower-cased too). Targeting may be missing (`None`).",
        ],
        why="A check you can run on every ad before it goes out turns the rules into a habit, not a memory test.",
    )
    return q4, q5
