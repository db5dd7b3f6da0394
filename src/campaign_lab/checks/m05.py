"""Checks for notebook 05, "Fundraising".

Every expected answer is computed from the profile and its generated data (the
donors, their gifts and the e-mail A/B test), so the exercises work for every
country profile. The module also holds two pieces of the scenario that the
notebook uses: the first day of the current election cycle and the four
appeals of Exercise 6.
"""

from __future__ import annotations

import random
from typing import Any

import pandas as pd

from campaign_lab import data
from campaign_lab.stats import people_needed
from campaign_lab.checks.core import (
    ChoiceExercise,
    CustomExercise,
    FunctionExercise,
    SelectionExercise,
    ValueExercise,
)
from campaign_lab.checks.solutions import from_notebook

__all__ = [
    "SMALL_GIFT_MULTIPLE", "RECENT_DAYS", "REGULAR_GIFTS", "CYCLE_DAYS", "LIFTS", "LIFT_STEP",
    "SHARE_TOLERANCE", "cycle_start", "appeals", "reference_smallest_lift", "exercises",
]

#: A *small donor* gives on average at most this many times the profile's typical gift.
SMALL_GIFT_MULTIPLE = 5

#: Exercise 1: a "recent regular" gave in the last this many days ...
RECENT_DAYS = 90
#: ... and has given at least this many times.
REGULAR_GIFTS = 3

#: The current election cycle starts this many days before the campaign (see the `gifts` data card).
CYCLE_DAYS = 365

#: Exercise 4's options: lifts in the gift rate, in percentage points, by letter.
LIFTS = {"A": 0.1, "B": 0.25, "C": 0.5, "D": 1.0, "E": 2.0}

#: Exercise 5 searches lifts in steps of this size (0.01 percentage points); answers may differ by one step.
LIFT_STEP = 0.0001

#: How far a learner's share of women may sit from ours (reading a table rounded to two decimals).
SHARE_TOLERANCE = 0.006



# ----------------------------------------------------------------------------- the scenario


def cycle_start(campaign) -> pd.Timestamp:
    """The first day of the current election cycle: a year before the campaign started.

    Examples
    --------
    >>> from campaign_lab.profiles import load_profile
    >>> cycle_start(load_profile("default")).date().isoformat()
    '2026-02-01'
    """
    return pd.Timestamp(campaign.calendar.campaign_start) - pd.Timedelta(days=CYCLE_DAYS)


def appeals(campaign) -> dict[str, str]:
    """The four fundraising appeals of Exercise 6, by letter; only ``"C"`` is honest.

    Examples
    --------
    >>> from campaign_lab.profiles import load_profile
    >>> sorted(appeals(load_profile("default")))
    ['A', 'B', 'C', 'D']
    """
    polling_day = campaign.calendar.election_day
    gift = _money(campaign, campaign.money.typical_gift)
    return {
        "A": "\"URGENT: midnight deadline and we are falling behind.\" (Nothing happens at midnight.)",
        "B": "\"A supporter will double every gift made today.\" (No such supporter has offered.)",
        "C": f"\"Polling day is {polling_day.day} {polling_day:%B}. {gift} prints leaflets for one more street "
        "before then. Can you help?\" (The date is real, and the money goes where the e-mail says.)",
        "D": "\"We see you have not given yet, though your neighbours have. Don't let them down.\"",
    }


def reference_smallest_lift(base_rate: float, people: int, power: float = 0.8) -> float | None:
    """The smallest lift, in steps of :data:`LIFT_STEP`, that ``people`` per version can detect.

    Returns ``None`` if no lift up to a rate of 1 can be detected.

    Examples
    --------
    >>> reference_smallest_lift(0.01, 2316)
    0.01
    """
    steps = round((1 - base_rate) / LIFT_STEP)
    for step in range(1, steps + 1):
        lift = round(step * LIFT_STEP, 6)
        if people_needed(base_rate, lift, power) <= people:
            return lift
    return None


def _points(points: float) -> str:
    """A lift in words: "1 percentage point", "0.25 percentage points"."""
    return f"{points:g} percentage point{'' if points == 1 else 's'}"


def _money(campaign, amount: float) -> str:
    """An amount in the profile's currency, such as KSh 1,000 (as the notebook writes it)."""
    symbol = campaign.money.symbol
    return f"{symbol}{' ' if len(symbol) > 1 else ''}{amount:,.0f}"


# ----------------------------------------------------------------------------- reference answers


def _per_donor(gifts: pd.DataFrame) -> pd.DataFrame:
    """Last gift date, number of gifts, total and average gift of each donor."""
    return gifts.groupby("donor_id").agg(
        last_gift=("date", "max"), frequency=("amount", "size"), monetary=("amount", "sum"), average=("amount", "mean")
    )


def _women_shares(campaign, per_donor: pd.DataFrame) -> dict[str, float]:
    """Share of women among small donors, large donors and all donors whose sex is recorded."""
    donors = data.load("donors", campaign)
    voters = data.load("voters", campaign)[["voter_id", "sex"]]
    people = donors.merge(voters, on="voter_id", how="left").set_index("donor_id")
    small = per_donor["average"] <= SMALL_GIFT_MULTIPLE * campaign.money.typical_gift
    woman = people["sex"].dropna().eq("F")
    return {
        "small": float(woman[woman.index.isin(small[small].index)].mean()),
        "large": float(woman[woman.index.isin(small[~small].index)].mean()),
        "all": float(woman.mean()),
    }


def _test_numbers(campaign) -> tuple[float, int]:
    """Version A's gift rate and the people per version in the e-mail test."""
    email = data.load("email_test", campaign)
    return float(email.loc[email["variant"] == "A", "gave"].mean()), int(email["variant"].value_counts().min())


# ----------------------------------------------------------------------------- exercises


@from_notebook
def exercises(campaign):
    """Return ``q1`` to ``q6`` for the given profile (a loaded ``Profile``)."""
    gifts = data.load("gifts", campaign)
    per_donor = _per_donor(gifts)
    base_rate, per_version = _test_numbers(campaign)
    return (
        _q1_recent_regulars(per_donor, gifts["date"].max()),
        _q2_women_share(_women_shares(campaign, per_donor)),
        _q3_over_limit(campaign, gifts),
        _q4_detectable_lift(base_rate, per_version),
        _q5_smallest_lift(base_rate, per_version, _profile_setting(campaign)),
        _q6_honest_appeal(campaign),
    )


# -- q1: recency and frequency ------------------------------------------------------------
def _q1_recent_regulars(per_donor: pd.DataFrame, today: pd.Timestamp) -> ValueExercise:
    recency = (today - per_donor["last_gift"]).dt.days
    count = int(((recency <= RECENT_DAYS) & (per_donor["frequency"] >= REGULAR_GIFTS)).sum())
    return ValueExercise(
        name="q1",
        answer_name="recent_regulars",
        expected=count,
        tolerance=0,
        unit="donors",
        hints=[
            f"In the cell above the answer, set `last_gift_within_days = {RECENT_DAYS}` and `at_least_gifts = "
            f"{REGULAR_GIFTS}`, then run that cell: it prints the count.",
            "Type the number it prints, without quotes: `recent_regulars = 42` (with your number).",
        ],
        why=f"{count} of {len(per_donor)} donors gave in the last {RECENT_DAYS} days and have given at least "
        f"{REGULAR_GIFTS} times. They are the backbone of your fundraising: thank them before you ask again.",
    )


# -- q2: who are the small donors? ---------------------------------------------------------
def _q2_women_share(shares: dict[str, float]) -> CustomExercise:
    expected = shares["small"]

    def problem(answer: Any) -> str | None:
        if isinstance(answer, (bool, str)) or not hasattr(answer, "__float__"):
            return f"`women_share_small` should be a number, a share between 0 and 1 such as 0.5, but it is {answer!r}."
        value = float(answer)
        if value > 1:
            return "give a share between 0 and 1 (0.5 for 50%), not a percentage or a count."
        if abs(value - expected) <= SHARE_TOLERANCE:
            return None
        for group, words in (("all", "all donors"), ("large", "large donors")):
            if abs(value - shares[group]) <= SHARE_TOLERANCE:
                return f"{value:.3f} looks like the share of women among {words}. Read the row for small donors."
        direction = "too high" if value > expected else "too low"
        return f"{value:.3f} is {direction}. Read the share of women (`F`) in the row for small donors."

    return CustomExercise(
        name="q2",
        answer_name="women_share_small",
        problem=problem,
        hints=[
            "Look at the table `sex_by_segment`: one row per kind of donor, one column per sex.",
            "Take the number in the row `small` and the column `F`, as a share between 0 and 1.",
        ],
        why=f"About {expected:.0%} of small donors are women, against {shares['large']:.0%} of large donors. "
        "In this campaign, small gifts are how most women donors give: a fundraising plan built only around "
        "big cheques leaves them out.",
    )


# -- q3: over the legal limit ---------------------------------------------------------------
def _q3_over_limit(campaign, gifts: pd.DataFrame) -> SelectionExercise:
    limit = campaign.money.donation_limit.amount
    this_cycle = gifts[gifts["date"] >= cycle_start(campaign)].groupby("donor_id")["amount"].sum()
    all_time = gifts.groupby("donor_id")["amount"].sum()
    over = sorted(this_cycle[this_cycle > limit].index)
    earlier = "their gifts add up to more than the limit only if you count gifts from before this cycle began."
    within = "their total this cycle is within the limit."
    forbidden = {donor: earlier if all_time[donor] > limit else within for donor in all_time.index if donor not in over}
    return SelectionExercise(
        name="q3",
        answer_name="over_limit_donors",
        required=over,
        forbidden=forbidden,
        allowed=sorted(data.load("donors", campaign)["donor_id"]),
        hints=[
            "Use the table `cycle_totals`: each donor's total since the cycle began, largest first.",
            "Keep the donors whose total is above `limit` and list their `donor_id`s, in quotes, "
            "for example `[\"D00001\", \"D00002\"]`.",
        ],
        why=f"These {len(over)} donors have given more this cycle than the limit of {_money(campaign, limit)} allows. "
        "Each needs action now: take no more from them, record the excess, and ask your election authority "
        "(or read your cited rule) what to do with it.",
    )


# -- q4 and q5: how big a test must be ---------------------------------------------------------
def _q4_detectable_lift(base_rate: float, per_version: int) -> ChoiceExercise:
    needed = {letter: people_needed(base_rate, points / 100) for letter, points in LIFTS.items()}
    fits = [letter for letter in LIFTS if needed[letter] <= per_version]
    correct = fits[0] if fits else "F"
    feedback = {}
    for letter, points in LIFTS.items():
        if needed[letter] > per_version:
            feedback[letter] = f"to see a lift of {_points(points)} you need about {needed[letter]:,} people per version, and you have {per_version:,}."
        else:
            feedback[letter] = f"your list can see a lift of {_points(points)}, but that is not the smallest lift in the list that it can see."
    feedback["F"] = "your list is big enough for at least one of these lifts: look for the first one below the line."
    why = (
        f"With {per_version:,} people per version, a lift of {_points(LIFTS[correct])} needs {needed[correct]:,}: "
        f"it is the smallest in the list you can see. A lift of {_points(LIFTS['A'])} would need {needed['A']:,} per version."
        if fits
        else f"Even a lift of {_points(LIFTS['E'])} needs {needed['E']:,} people per version, more than your {per_version:,}."
    )
    return ChoiceExercise(
        name="q4",
        answer_name="smallest_visible_lift",
        options={**{letter: _points(points) for letter, points in LIFTS.items()}, "F": "None of these"},
        correct=correct,
        feedback=feedback,
        hints=[
            "In the table `needs`, compare each row's `people per version` with the number of people you have per version.",
            "Choose the smallest lift whose `people per version` is no more than what you have.",
        ],
        why=why + " Small lists can only answer big questions: test big choices, not commas.",
    )


def _same_lift(got: Any, expected: float | None) -> bool:
    if expected is None:
        return got is None
    if isinstance(got, bool) or not hasattr(got, "__float__"):
        return False
    return abs(float(got) - expected) <= LIFT_STEP + 1e-9


def _profile_setting(campaign) -> tuple[float, int, float]:
    """A test setting of this profile's own (drawn from its place's name), so every profile tries other inputs."""
    draw = random.Random(f"{campaign.country.name}/{campaign.constituency.name}")
    return round(draw.uniform(0.005, 0.08), 4), draw.randrange(500, 20_000, 100), 0.8


def _q5_smallest_lift(base_rate: float, per_version: int, own: tuple[float, int, float]) -> FunctionExercise:
    settings = [(base_rate, per_version, 0.8), (base_rate, per_version, 0.9), (0.02, 3000, 0.8), (0.05, 800, 0.9),
                (0.01, 50_000, 0.8), own]
    return FunctionExercise(
        name="q5",
        answer_name="smallest_lift",
        track="deep-dive",
        cases=[(args, reference_smallest_lift(*args)) for args in settings],
        compare=_same_lift,
        hints=[
            "Start with `lift = 0.0001`. While `people_needed(base_rate, lift, power)` is more than `people`, "
            "add 0.0001 to `lift`. Then return `lift`.",
            "Pass `power` on to `people_needed`: the check also asks for 90% power.",
            "Give the lift as a share (0.005 for half a percentage point), not in percentage points.",
        ],
        why="Now you can answer the question before every test: with the people I have, what is the smallest "
        "difference I could see? If it is bigger than any difference you could hope for, do not run the test.",
    )


# -- q6: manipulation ------------------------------------------------------------------------
def _q6_honest_appeal(campaign) -> ChoiceExercise:
    return ChoiceExercise(
        name="q6",
        answer_name="honest_appeal",
        options=appeals(campaign),
        correct="C",
        feedback={
            "A": "the deadline is invented: nothing happens at midnight. Pressure from a false deadline is "
            "manipulation, even when it wins more opens.",
            "B": "the matching offer does not exist, so the appeal lies about what a gift will do.",
            "D": "it shames the reader, claims to know who has given, and uses the neighbours as pressure.",
        },
        hints=[
            "For each appeal ask: is every fact in it true? Does it give the reader a real reason, or only pressure?",
            "Urgency is honest when the date is real and the money does what the appeal says.",
        ],
        why="Appeal C gives a real date and says what the money does. Urgency is fine when it is true; invented "
        "deadlines, fake matches and shame spend the trust of the people who fund you.",
    )
