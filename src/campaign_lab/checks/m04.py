"""Checks for notebook 04, "Targeting and outreach".

The check module rebuilds the notebook's targeting table (support score,
turnout likelihood, segment), its contact rates and its table of volunteer
hours by ward, with the same settings, so every expected answer is computed
from the profile's data and the exercises work for every country profile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from campaign_lab import data
from campaign_lab.checks.core import (
    ChoiceExercise,
    CustomExercise,
    SelectionExercise,
    TargetFunctionExercise,
    ValueExercise,
)
from campaign_lab.checks.solutions import from_notebook
from campaign_lab.profiles import parse_band

__all__ = [
    "FEATURES", "SUPPORTER", "PERSUADABLE", "LIKELY_VOTER", "LOW_CONTACT", "DOORS_PER_HOUR",
    "SHIFT_MINUTES", "EXTRA_VOTES_PER_CONVERSATION", "VOLUNTEER_HOURS", "FLOOR_HOURS", "CLOSE_CALL",
    "SEGMENTS", "clean_voters", "contact_rates", "targeting_table", "segment", "ward_hours_table", "hours_table",
    "reference_allocation", "plan_votes", "exercises", "example_wards",
]

#: The notebook's settings, repeated here so the checks rebuild the same table.
FEATURES = ["age", "sex", "ward"]
#: A support score at or above this is a "likely supporter"; below PERSUADABLE it is a "likely opponent".
SUPPORTER = 0.6
PERSUADABLE = 0.4
#: A turnout likelihood at or above this is a "likely voter".
LIKELY_VOTER = 0.6
#: A ward whose contact rate is below this is a low-contact ward.
LOW_CONTACT = 0.2
#: Field assumptions for the volunteer plan (illustrative, to be replaced with the campaign's own).
DOORS_PER_HOUR = 8
SHIFT_MINUTES = 180
EXTRA_VOTES_PER_CONVERSATION = {"mobilise": 0.06, "persuade": 0.03}
VOLUNTEER_HOURS = 300
FLOOR_HOURS = 20
#: Wards this close (as a share) to the best votes per hour count as "the best": a chart cannot tell them apart.
CLOSE_CALL = 0.02

SEGMENTS = ["base", "mobilise", "persuade", "low priority"]


# ----------------------------------------------------------------------------- the tables


def clean_voters(campaign) -> pd.DataFrame:
    """The voter file without repeated registrations, with each ward taken from the address.

    Examples
    --------
    >>> from campaign_lab.profiles import load_profile
    >>> clean_voters(load_profile("default"))["ward"].nunique()
    8
    """
    voters = data.load("voters", campaign)
    repeated = voters.duplicated(["first_name", "last_name", "date_of_birth", "address"])
    clean = voters[~repeated].copy()
    clean["ward"] = clean["address"].str.rsplit(", ", n=1).str[-1]
    return clean


def contact_rates(clean: pd.DataFrame, by: str) -> pd.Series:
    """Share of voters the last campaign contacted at least once, by ``by`` (a column)."""
    return (clean["contacts_last_campaign"] > 0).groupby(clean[by]).mean()


def targeting_table(campaign) -> pd.DataFrame:
    """Contactable voters with ``support_score``, ``turnout_likelihood``, ``likely_voter`` and ``segment``.

    Voters who asked not to be contacted, or whose age or sex is unknown or
    impossible, are left out, as in the notebook.
    """
    clean = clean_voters(campaign)
    plausible = clean["age"].between(18, 110).fillna(False) & clean["sex"].notna()
    table = clean[plausible & ~clean["do_not_contact"]].copy()
    table["support_score"] = _support_scores(campaign, table)
    table["turnout_likelihood"] = _turnout_likelihood(campaign, table)
    table["likely_voter"] = table["turnout_likelihood"] >= LIKELY_VOTER
    table["segment"] = segment(table["support_score"], table["likely_voter"])
    return table


def _support_scores(campaign, table: pd.DataFrame) -> np.ndarray:
    survey = data.load("survey", campaign)
    X = pd.get_dummies(survey[FEATURES], drop_first=True, dtype=float)
    model = LogisticRegression(max_iter=1000).fit(X, survey["support"] >= 4)
    X_all = pd.get_dummies(table[FEATURES], drop_first=True, dtype=float).reindex(columns=X.columns, fill_value=0)
    return model.predict_proba(X_all)[:, 1]


def _turnout_likelihood(campaign, table: pd.DataFrame) -> pd.Series:
    past = [f"voted_{election.date.year}" for election in campaign.calendar.past_elections]
    could_vote = table[past].notna().sum(axis=1)
    did_vote = table[past].fillna(False).astype(int).sum(axis=1)
    bands = campaign.age_band_names
    edges = [parse_band(band)[0] for band in bands] + [200]
    age_band = pd.cut(table["age"].astype(float), bins=edges, right=False, labels=bands).astype(str)
    band_rate = age_band.map({rate.band: rate.rate for rate in campaign.turnout.by_age})
    return (did_vote / could_vote.replace(0, np.nan)).fillna(band_rate).astype(float)


def segment(support_score: pd.Series, likely_voter: pd.Series) -> pd.Series:
    """The four outreach segments from a support score and a likely-voter flag."""
    supporter = support_score >= SUPPORTER
    persuadable = (support_score >= PERSUADABLE) & ~supporter
    labels = np.select(
        [supporter & likely_voter, supporter & ~likely_voter, persuadable & likely_voter],
        ["base", "mobilise", "persuade"],
        default="low priority",
    )
    return pd.Series(labels, index=support_score.index)


def ward_hours_table(campaign, table: pd.DataFrame) -> pd.DataFrame:
    """One row per ward: targets, conversations and extra votes per volunteer hour, hours to reach all, underserved."""
    wards = data.load("wards", campaign).set_index("ward")
    counts = pd.crosstab(table["ward"], table["segment"]).reindex(index=wards.index, columns=SEGMENTS, fill_value=0)
    return hours_table(campaign, wards, counts)


def hours_table(campaign, wards: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """The hours table from the voters of each segment by ward (``counts``) and the wards table (indexed by ward).

    Shared with ``campaign_lab.scale``, which counts the segments of a national file.
    """
    plan = counts.reindex(wards.index, fill_value=0)[["mobilise", "persuade"]].astype("int64")
    plan["conversations_per_hour"] = DOORS_PER_HOUR * SHIFT_MINUTES / (SHIFT_MINUTES + 2 * wards["travel_minutes_from_hq"])
    extra_votes = plan["mobilise"] * EXTRA_VOTES_PER_CONVERSATION["mobilise"] + plan["persuade"] * EXTRA_VOTES_PER_CONVERSATION["persuade"]
    targets = plan["mobilise"] + plan["persuade"]
    plan["votes_per_hour"] = plan["conversations_per_hour"] * extra_votes / targets
    plan["max_hours"] = targets / plan["conversations_per_hour"]
    underserved = {ward.name for ward in campaign.constituency.wards if ward.underserved}
    plan["underserved"] = plan.index.isin(underserved)
    return plan


def reference_allocation(table: pd.DataFrame, hours: float, floor: float) -> dict[str, float]:
    """Hours by ward: each underserved ward first gets its floor, then the rest goes by votes per hour."""
    plan = {ward: 0.0 for ward in table.index}
    left = float(hours)
    order = table.sort_values("votes_per_hour", ascending=False, kind="stable")
    for ward, row in order[order["underserved"]].iterrows():
        plan[ward] = min(floor, row["max_hours"], left)
        left -= plan[ward]
    for ward, row in order.iterrows():
        more = min(row["max_hours"] - plan[ward], left)
        plan[ward] += more
        left -= more
    return plan


def plan_votes(table: pd.DataFrame, plan) -> float:
    """Expected extra votes of a plan (ward -> hours)."""
    return float(sum(table.loc[ward, "votes_per_hour"] * float(plan.get(ward, 0)) for ward in table.index))


# ----------------------------------------------------------------------------- exercises


@from_notebook
def exercises(campaign):
    """Return ``q1`` to ``q5`` for the given profile (a loaded ``Profile``)."""
    table = targeting_table(campaign)
    clean = clean_voters(campaign)
    hours_table = ward_hours_table(campaign, table)
    return (
        _mobilise_count(table),
        _low_contact_wards(campaign, contact_rates(clean, "ward")),
        _sensitive_targeting(campaign),
        _best_ward(campaign, hours_table),
        _allocation(hours_table),
    )


# -- q1: the mobilise segment --------------------------------------------------------------
def _mobilise_count(table: pd.DataFrame) -> ValueExercise:
    counts = table["segment"].value_counts()
    mobilise = int(counts.get("mobilise", 0))
    return ValueExercise(
        name="q1",
        answer_name="n_mobilise",
        expected=mobilise,
        tolerance=0.002,
        unit="voters",
        hints=[
            "Mobilise means: likely to support the candidate, but not likely to vote. Which row of the segment count is that?",
            "`targets[\"segment\"].value_counts()` counts the voters in each segment; pick the `\"mobilise\"` entry with `[\"mobilise\"]`.",
            "Or count the rows directly: `(targets[\"segment\"] == \"mobilise\").sum()`.",
        ],
        why=f"{mobilise:,} voters probably back the candidate but may stay at home. Every one of them who votes "
        "is a vote won without changing anyone's mind: that is why mobilisation is often the cheapest vote there is.",
    )


# -- q2: low-contact wards ------------------------------------------------------------------
def _low_contact_wards(campaign, rates: pd.Series) -> SelectionExercise:
    official = [ward.name for ward in campaign.constituency.wards]
    rates = rates.reindex(official)
    low = [ward for ward in official if rates[ward] < LOW_CONTACT]
    return SelectionExercise(
        name="q2",
        answer_name="low_contact_wards",
        required=low,
        forbidden={
            ward: f"the last campaign reached {rates[ward]:.0%} of its voters, which is not below {LOW_CONTACT:.0%}."
            for ward in official
            if ward not in low
        },
        allowed=official,
        hints=[
            f"Look at the chart or at `contact_by_ward`: which wards sit below the dashed line at {LOW_CONTACT:.0%}?",
            f"In code: `contact_by_ward[contact_by_ward < {LOW_CONTACT}].index.tolist()`.",
            "Copy every such ward's name exactly, in quotes, in a list like `[\"Ward A\", \"Ward B\"]`.",
        ],
        why=f"The last campaign reached fewer than one voter in five in {len(low)} ward(s). Voters who never hear "
        "from a campaign have less reason to vote: these wards are where new contact can make the most difference.",
    )


# -- q4: the best ward for an hour of door-knocking -----------------------------------------
def _best_ward(campaign, hours_table: pd.DataFrame) -> CustomExercise:
    per_hour = hours_table["votes_per_hour"]
    best = per_hour.max()
    by_name = {str(name).casefold(): (str(name), float(value)) for name, value in per_hour.items()}

    def problem(answer) -> str | None:
        if not isinstance(answer, str):
            return f"`best_ward` should be a ward's name in quotes, like 'Some Ward', but it is {answer!r}."
        key = answer.strip(" *").casefold()
        if key not in by_name:
            return f"{answer!r} is not one of the wards of {campaign.constituency.name}. Copy the name as the chart shows it."
        name, value = by_name[key]
        if value >= best * (1 - CLOSE_CALL):
            return None
        return (
            f"an hour in {name} brings about {value:.2f} extra votes. Look for the longest bar: "
            "the number of voters in a ward is not what counts here, the votes per hour are."
        )

    return CustomExercise(
        name="q4",
        answer_name="best_ward",
        problem=problem,
        hints=[
            "Look at the bar chart of extra votes per volunteer hour: which bar is the longest?",
            "Copy the ward's name exactly as the chart shows it, in quotes. In code: `ward_hours[\"votes_per_hour\"].idxmax()`.",
        ],
        why=f"An hour there brings about {best:.2f} extra votes, against {per_hour.min():.2f} in the ward where an hour "
        "counts least. Travel time and the mix of voters matter as much as the size of a ward.",
    )


# -- q5: the allocation function ------------------------------------------------------------
@dataclass(frozen=True)
class _HoursAllocationTarget:
    """What a correct plan must do: spend what it can, respect the floor and limits, and win as many votes as ours."""

    table: pd.DataFrame
    hours: float
    floor: float

    def accepts(self, plan) -> bool:
        return self.explain(plan) is None

    def explain(self, plan) -> str | None:
        """``None`` if the plan is right, else one sentence on what is wrong with it."""
        if not hasattr(plan, "get") or not hasattr(plan, "keys"):
            return "It should return a dictionary that maps each ward to its hours."
        wards = list(self.table.index)
        if set(map(str, plan.keys())) != set(wards):
            return "Its dictionary should have exactly one entry per ward in the table (0 for wards that get nothing)."
        try:
            given = {ward: float(plan.get(ward)) for ward in wards}
        except (TypeError, ValueError):
            return "Each ward's hours should be a number."
        return self._limits_problem(given) or self._total_problem(given) or self._floor_problem(given) or self._votes_problem(given)

    def _limits_problem(self, given: dict) -> str | None:
        for ward, hours in given.items():
            if hours < -1e-9:
                return f"It gives {ward} a negative number of hours."
            if hours > self.table.loc[ward, "max_hours"] + 1e-6:
                return f"It gives {ward} more hours than it takes to talk to every target voter there (`max_hours`)."
        return None

    def _total_problem(self, given: dict) -> str | None:
        can_use = min(self.hours, float(self.table["max_hours"].sum()))
        used = sum(given.values())
        if math.isclose(used, can_use, rel_tol=1e-6, abs_tol=1e-6):
            return None
        return f"Its hours add up to {used:,.1f}, but the volunteers have {self.hours:,.1f} hours and the wards can use {can_use:,.1f}."

    def _floor_problem(self, given: dict) -> str | None:
        for ward, row in self.table[self.table["underserved"]].iterrows():
            if given[ward] < min(self.floor, row["max_hours"]) - 1e-6:
                return f"It gives the underserved ward {ward} {given[ward]:,.1f} hours, less than the floor of {self.floor:g}."
        return None

    def _votes_problem(self, given: dict) -> str | None:
        best = plan_votes(self.table, reference_allocation(self.table, self.hours, self.floor))
        votes = plan_votes(self.table, given)
        if votes < best * (1 - 1e-6) - 1e-9:
            return (
                f"It brings {votes:,.1f} expected extra votes; after the floors, giving the remaining hours to the wards "
                "with the most votes per hour first brings more."
            )
        return None


def example_wards() -> pd.DataFrame:
    """A small made-up table of four wards, for testing an allocation function.

    Examples
    --------
    >>> example_wards().index.tolist()
    ['North', 'South', 'Lakeside', 'Hills']
    """
    return pd.DataFrame(
        {
            "votes_per_hour": [0.40, 0.30, 0.25, 0.10],
            "max_hours": [50.0, 80.0, 40.0, 60.0],
            "underserved": [False, False, True, True],
        },
        index=pd.Index(["North", "South", "Lakeside", "Hills"], name="ward"),
    )


def _case(table: pd.DataFrame, hours: float, floor: float):
    return (table, hours, floor), _HoursAllocationTarget(table, hours, floor)


def _allocation(hours_table: pd.DataFrame) -> TargetFunctionExercise:
    columns = ["votes_per_hour", "max_hours", "underserved"]
    course = hours_table[columns]
    return TargetFunctionExercise(
        name="q5",
        answer_name="allocate_hours",
        track="deep-dive",
        cases=[
            _case(example_wards(), 100.0, 15.0),
            _case(example_wards(), 500.0, 15.0),
            _case(course, VOLUNTEER_HOURS, FLOOR_HOURS),
        ],
        hints=[
            "Start with `plan = {ward: 0.0 for ward in wards.index}` and `left = hours`. First loop over the underserved "
            "wards and give each `min(floor, max_hours, left)`; take what you gave away from `left`.",
            "Then sort the wards by `votes_per_hour`, highest first (`wards.sort_values(\"votes_per_hour\", ascending=False)`), "
            "and give each ward as many more hours as it can take (`max_hours` minus what it has) until `left` runs out.",
            "`for ward, row in table.iterrows():` gives each ward's name and its row; `row[\"max_hours\"]` is its limit. "
            "Return the `plan` dictionary.",
        ],
        why="Your plan puts every hour where it wins the most votes, after a floor that keeps underserved wards "
        "from being left out. Writing the rule down makes the trade-off visible, and open to argument.",
    )


# -- q3: sensitive categories ---------------------------------------------------------------
def _sensitive_targeting(campaign) -> ChoiceExercise:
    underserved = [community.name for community in campaign.population.communities if community.underserved]
    group = f"\"{underserved[0]}\"" if underserved else "one community"
    return ChoiceExercise(
        name="q3",
        answer_name="community_plan",
        options={
            "A": f"Build the list from the `community` column: every voter recorded as {group} gets the same targeted message.",
            "B": "Plan by ward and by contact history (low-contact wards, voters never contacted), reach the community through "
            "open events and partners it trusts, and keep `community` out of the targeting list.",
            "C": "Leave the community out of all outreach: using any data about it is too risky.",
        },
        correct="B",
        feedback={
            "A": "the `community` column can reveal ethnic or social origin, which data-protection laws treat as sensitive. "
            "A list built from it is exactly the profiling those laws restrict.",
            "C": "that repeats the last campaign's mistake: the people contacted least would be left out again.",
        },
        hints=[
            "Two things must both be true: the community is not left out, and no list is built from a sensitive category.",
            "Which option reaches people through where they live and whether they were contacted, not through who they are?",
        ],
        why="You can close a contact gap without profiling anyone: ward, contact history and open, public outreach "
        "reach the people the last campaign missed, and sensitive data stays out of the lists.",
    )
