"""Checks for notebook 11, "Fairness and privacy audit".

The module rebuilds module 04's outreach list (with :func:`campaign_lab.checks.m04.targeting_table`)
and audits the same support model on the part of the survey it did not learn from (with module 03's
split), so every expected answer is computed from the profile's data and works for every profile.
The breach exercises read the data-protection rules of the profile, and nothing else.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

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
from campaign_lab.checks.m03 import split
from campaign_lab.checks.m04 import FEATURES, SUPPORTER, targeting_table
from campaign_lab.profiles import parse_band

__all__ = [
    "AUDIT_GROUPS", "CLOSE_CALL", "LEFT_OUT_TOLERANCE", "NOTICE_WORDS", "EXPORT_COLUMNS", "age_band",
    "held_out_survey", "reference_audit_table", "supporters_left_out", "rules_table", "notice_rules",
    "example_audit", "exercises",
]

#: The groups the notebook audits: sex, age band, community and ward.
AUDIT_GROUPS = ["sex", "age_band", "community", "ward"]
#: Wards whose false-negative rates are this close (in proportion) count as tied: a chart cannot tell them apart.
CLOSE_CALL = 0.02
#: The estimate of supporters left out may differ this much (as a share) from ours: rounding.
LEFT_OUT_TOLERANCE = 0.01
#: Words that show a rule asks the campaign to tell someone (a regulator or the people affected).
NOTICE_WORDS = re.compile(r"\b(notif\w*|inform\w*|report\w*|tell\w*|disclos\w*)", re.IGNORECASE)
#: The columns of the export on the lost laptop.
EXPORT_COLUMNS = ["voter_id", "first_name", "last_name", "address", "phone", "email", "age", "sex",
                  "community", "support_score", "segment"]


# ----------------------------------------------------------------------------- the tables


def age_band(campaign, ages: pd.Series) -> pd.Series:
    """The profile's age band of each age, as text (``"nan"`` where the age is missing).

    Examples
    --------
    >>> from campaign_lab.profiles import load_profile
    >>> age_band(load_profile("default"), pd.Series([19, 70])).tolist()
    ['18-24', '65+']
    """
    bands = campaign.age_band_names
    edges = [parse_band(band)[0] for band in bands] + [200]
    return pd.cut(ages.astype(float), bins=edges, right=False, labels=bands).astype(str)


def held_out_survey(campaign) -> pd.DataFrame:
    """The survey's test part (module 03's split) with ``score``, ``selected``, ``supporter`` and ``age_band``.

    The support model of module 04 (a logistic regression on age, sex and ward) learns from the other
    part; ``selected`` means its score puts the respondent on the list of likely supporters.

    Examples
    --------
    >>> from campaign_lab.profiles import load_profile
    >>> len(held_out_survey(load_profile("default")))
    600
    """
    survey = data.load("survey", campaign)
    survey["supporter"] = survey["support"] >= 4
    X_train, X_test, y_train, _ = split(survey, FEATURES)
    model = LogisticRegression(max_iter=1000).fit(X_train, y_train)
    test = survey.loc[X_test.index].copy()
    test["score"] = model.predict_proba(X_test)[:, 1]
    test["selected"] = test["score"] >= SUPPORTER
    test["age_band"] = age_band(campaign, test["age"])
    return test


def reference_audit_table(frame: pd.DataFrame, group_col: str) -> pd.DataFrame:
    """One row per group: ``size``, ``selection_rate`` and ``false_negative_rate``.

    ``frame`` needs the yes/no columns ``selected`` (put on the list) and ``supporter`` (the truth).
    The false-negative rate is the share of a group's supporters that the list leaves out.
    """
    groups = frame.groupby(group_col)
    supporters = frame[frame["supporter"]]
    return pd.DataFrame({
        "size": groups.size(),
        "selection_rate": groups["selected"].mean(),
        "false_negative_rate": (~supporters["selected"]).groupby(supporters[group_col]).mean(),
    })


def supporters_left_out(campaign, targets: pd.DataFrame, survey: pd.DataFrame) -> tuple[str, float]:
    """The oldest age band, and its voters on the list times its share of supporters in the survey."""
    oldest = campaign.age_band_names[-1]
    voters = int((age_band(campaign, targets["age"]) == oldest).sum())
    share = float((survey["support"] >= 4)[age_band(campaign, survey["age"]) == oldest].mean())
    return oldest, voters * share


def rules_table(campaign) -> pd.DataFrame:
    """The profile's data-protection rules, one row each, labelled ``R1``, ``R2``, ...

    Examples
    --------
    >>> from campaign_lab.profiles import load_profile
    >>> rules_table(load_profile("default")).index.tolist()
    ['R1']
    """
    rows = [
        {"law": rule.law, "section": rule.section, "requires": rule.requires,
         "illustrative": rule.illustrative, "source": rule.citation.title if rule.citation else "no citation"}
        for rule in campaign.rules.data_protection
    ]
    return pd.DataFrame(rows, index=pd.Index([f"R{i}" for i in range(1, len(rows) + 1)], name="rule"))


def notice_rules(rules: pd.DataFrame) -> list[str]:
    """The labels of the rules whose text asks the campaign to tell (notify, inform, report to) someone."""
    return [label for label, text in rules["requires"].items() if NOTICE_WORDS.search(text)]


class _Labelled(pd.DataFrame):
    """A table that shows a short name in messages instead of all its rows."""

    _metadata = ["label"]

    @property
    def _constructor(self):
        return pd.DataFrame

    def __repr__(self) -> str:
        return self.label


def _labelled(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    table = _Labelled(frame)
    table.label = label
    return table


def example_audit() -> pd.DataFrame:
    """Ten made-up respondents in three groups, for trying an audit function.

    Examples
    --------
    >>> reference_audit_table(example_audit(), "group")["false_negative_rate"].to_dict()
    {'Lake': 1.0, 'North': 0.5, 'South': 0.0}
    """
    table = pd.DataFrame({
        "group": ["North", "North", "North", "North", "South", "South", "South", "Lake", "Lake", "Lake"],
        "supporter": [True, True, False, False, True, False, False, True, True, False],
        "selected": [True, False, True, False, True, True, False, False, False, False],
    })
    return _labelled(table, "example_audit()")


# ----------------------------------------------------------------------------- exercises


@from_notebook
def exercises(campaign):
    """Return ``q1`` to ``q6`` for the given profile (a loaded ``Profile``)."""
    test = held_out_survey(campaign)
    targets = targeting_table(campaign)
    rules = rules_table(campaign)
    return (
        _q1_most_missed_ward(campaign, reference_audit_table(test, "ward")),
        _q2_parity(test),
        _q3_left_out(campaign, targets, data.load("survey", campaign)),
        _q4_audit_function(test),
        _q5_notice_rules(rules),
        _q6_breach_first_steps(),
    )


# -- q1: the ward where the model misses most supporters -------------------------------------
def _q1_most_missed_ward(campaign, audit: pd.DataFrame) -> CustomExercise:
    missed = audit["false_negative_rate"]
    worst = float(missed.max())
    by_name = {str(name).casefold(): (str(name), float(value)) for name, value in missed.items()}

    def problem(answer) -> str | None:
        if not isinstance(answer, str):
            return f"`most_missed_ward` should be a ward's name in quotes, but it is {answer!r}."
        key = answer.strip().casefold()
        if key not in by_name:
            return f"{answer!r} is not one of the wards of {campaign.constituency.name}. Copy the name as the table shows it."
        name, value = by_name[key]
        if value >= worst - CLOSE_CALL:
            return None
        return (
            f"the model misses {value:.0%} of the supporters it was tested on in {name}. Look for the highest "
            "false-negative rate, not the lowest, and not the lowest selection rate."
        )

    return CustomExercise(
        name="q1",
        answer_name="most_missed_ward",
        problem=problem,
        hints=[
            "Look at the bar chart of missed supporters by ward: which bar is the longest?",
            "In code: `ward_audit[\"false_negative_rate\"].idxmax()`. Copy the name exactly, in quotes.",
        ],
        why=f"There the model misses {worst:.0%} of supporters, against {missed.min():.0%} in the ward where it misses "
        "fewest. A list built from it would skip most of that ward's supporters without anyone deciding so.",
    )


# -- q2: equal selection rates are not equal error rates -----------------------------------
def _q2_parity(test: pd.DataFrame) -> ChoiceExercise:
    support = test.groupby("sex")["supporter"].mean()
    words = {"F": "women", "M": "men"}
    more, fewer = (words.get(str(group), str(group)) for group in support.sort_values(ascending=False).index[:2])
    return ChoiceExercise(
        name="q2",
        answer_name="parity_effect",
        options={
            "A": "The model would then miss supporters equally often among women and among men.",
            "B": f"Both groups would have the same share on the list. But more {more} than {fewer} support the candidate, "
            f"so the list would have to leave out more supporting {more}, or add more {fewer} who do not support her: "
            "equal selection rates and equal error rates pull apart.",
            "C": "Nothing would change: selection rates and error rates are two names for the same thing.",
            "D": "It would be against the law to compare the list by sex, so the campaign should not look.",
        },
        correct="B",
        feedback={
            "A": "equal shares on the list say nothing about how many supporters each group loses. Compare the "
            "selection rates and the false-negative rates in the table.",
            "C": "the selection rate counts everyone put on the list; the false-negative rate counts only supporters left off.",
            "D": "counting what a list does to each group is an audit, and it is how you find unfairness. "
            "Using sex or community to *target* is a different matter.",
        },
        hints=[
            "Look at the survey's share of supporters among women and among men: is it the same?",
            "If two groups support the candidate at different rates, can a list pick them at the same rate and still "
            "leave out the same share of supporters in each?",
        ],
        why="When groups differ in how many support you, you cannot have equal selection rates and equal error rates at "
        "once. Choosing which to aim for is a decision for people, written down, not a setting a model picks for you.",
    )


# -- q3: the cost of leaving a group out ------------------------------------------------------
def _q3_left_out(campaign, targets: pd.DataFrame, survey: pd.DataFrame) -> ValueExercise:
    oldest, expected = supporters_left_out(campaign, targets, survey)
    return ValueExercise(
        name="q3",
        answer_name="left_out",
        expected=expected,
        tolerance=LEFT_OUT_TOLERANCE,
        unit="supporters",
        hints=[
            f"Two numbers: how many voters aged {oldest} are on the outreach list (`oldest_on_list`), and what share of "
            f"the surveyed voters aged {oldest} are supporters (`oldest_support`).",
            "Multiply them: a share of a number of people is a number of people.",
        ],
        why=f"About {expected:,.0f} supporters aged {oldest} would never hear from the campaign if the list is the plan. "
        "A model's cut-off is a decision about people; this is its price in one group.",
    )


# -- q4: the audit function -------------------------------------------------------------------
_COLUMNS = ["size", "selection_rate", "false_negative_rate"]


@dataclass(frozen=True)
class _AuditTarget:
    """What a correct audit table holds: one row per group and three columns that match ours."""

    expected: pd.DataFrame

    def accepts(self, table) -> bool:
        return self.explain(table) is None

    def explain(self, table) -> str | None:
        """``None`` if the table is right, else one sentence on what is wrong with it."""
        if not isinstance(table, pd.DataFrame):
            return "It should return a table (a pandas DataFrame)."
        missing = [column for column in _COLUMNS if column not in table.columns]
        if missing:
            return f"Its table has no column {missing[0]!r}; name the columns {', '.join(map(repr, _COLUMNS))}."
        if sorted(map(str, table.index)) != sorted(map(str, self.expected.index)):
            return "Its table should have one row per group, with the group names as the index (what `groupby` gives)."
        got = table.rename(index=str).reindex(list(map(str, self.expected.index)))
        for column in _COLUMNS:
            if not _close(got[column], self.expected[column]):
                return _COLUMN_HINTS[column]
        return None


_COLUMN_HINTS = {
    "size": "Its `size` column is off: it should count every row of the group.",
    "selection_rate": "Its `selection_rate` is off: it is the share of the whole group with `selected` true.",
    "false_negative_rate": "Its `false_negative_rate` is off: keep only the supporters first, then take the share "
    "of them with `selected` false.",
}


def _close(got: pd.Series, expected: pd.Series) -> bool:
    try:
        pairs = zip(got.astype(float), expected.astype(float))
        return all((math.isnan(a) and math.isnan(b)) or math.isclose(a, b, abs_tol=1e-9) for a, b in pairs)
    except (TypeError, ValueError):
        return False


def _audit_case(frame: pd.DataFrame, group_col: str):
    return (frame, group_col), _AuditTarget(reference_audit_table(frame, group_col))


def _q4_audit_function(test: pd.DataFrame) -> TargetFunctionExercise:
    course = _labelled(test[["sex", "age_band", "ward", "supporter", "selected"]], "the survey's test part")
    return TargetFunctionExercise(
        name="q4",
        answer_name="audit_table",
        track="deep-dive",
        cases=[_audit_case(example_audit(), "group"), _audit_case(course, "sex"), _audit_case(course, "ward")],
        hints=[
            "`df.groupby(group_col).size()` counts the rows of each group; `df.groupby(group_col)[\"selected\"].mean()` "
            "is the share selected.",
            "For the false-negative rate, keep only the supporters: `supporters = df[df[\"supporter\"]]`, then "
            "`(~supporters[\"selected\"]).groupby(supporters[group_col]).mean()`.",
            "Put the three Series in one table: `pd.DataFrame({\"size\": ..., \"selection_rate\": ..., "
            "\"false_negative_rate\": ...})`, and return it.",
        ],
        why="One function now audits any list by any group. Run it every time the model or the cut-off changes, "
        "and keep the tables with the campaign's records.",
    )


# -- q5: what the profile's rules say about telling people -------------------------------------
def _q5_notice_rules(rules: pd.DataFrame) -> SelectionExercise:
    notice = notice_rules(rules)
    return SelectionExercise(
        name="q5",
        answer_name="notice_rules",
        required=notice,
        forbidden={
            label: f"its text ({rules.loc[label, 'section']}) does not ask the campaign to tell anyone: it is about "
            "something else. A rule only counts here if its words say to notify, inform or report."
            for label in rules.index
            if label not in notice
        },
        allowed=list(rules.index),
        hints=[
            "Read the `requires` column of each rule. Does it say to notify, inform, report to or tell a regulator "
            "or the people whose data it is?",
            "If no rule says so, the answer is an empty list: `notice_rules = []`. That is an answer, not a gap in your work.",
        ],
        why="You read the rules for what they say, not for what you expect them to say. "
        + ("Where the list is silent, ask the regulator or a lawyer: the full law may still require notice."
           if not notice else "Follow these rules, and check the full law for deadlines and details."),
    )


# -- q6: the first steps after the laptop is lost ----------------------------------------------
def _q6_breach_first_steps() -> ChoiceExercise:
    return ChoiceExercise(
        name="q6",
        answer_name="first_steps",
        options={
            "A": "Wait a week to see whether the file turns up online; there is no need to worry anyone before then.",
            "B": "Write down what was on the laptop and when it went missing, tell the person accountable for data, "
            "change the passwords it stored, then check the profile's rules and ask the regulator or a lawyer what "
            "notice the law requires, to the regulator and to the people in the file.",
            "C": "Delete the campaign's own copy of the export, so that there is nothing left to report.",
            "D": "Announce that a rival stole the laptop, so that the story is about them and not about the campaign.",
        },
        correct="B",
        feedback={
            "A": "waiting loses days in which people could still protect themselves, and you do not yet know what notice the law asks for.",
            "C": "deleting the record destroys what you need to know who is affected; it looks like a cover-up because it is one.",
            "D": "that is an invented accusation, and it does nothing for the people whose data is on the laptop.",
        },
        hints=[
            "Which option helps the people in the file, and keeps a record of what happened?",
        ],
        why="A breach is handled by people with a record and a plan: know what was lost, who is accountable, and "
        "what the law asks. Practise it before it happens.",
    )
