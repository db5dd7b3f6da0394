"""Checks for notebook 06, "Social listening".

Every expected answer is computed here from the profile's generated posts and
their held-out labels, so the exercises work for every country profile.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd

from campaign_lab import data, text
from campaign_lab.checks.core import ChoiceExercise, CustomExercise, FunctionExercise, ValueExercise
from campaign_lab.checks.solutions import from_notebook

__all__ = [
    "SPIKE_WINDOW", "SPIKE_K", "DEBATE_HOUR", "exercises", "scored_posts", "reference_flag_spikes",
    "daily_mentions", "biggest_spike", "positive_shares", "trend_letter", "FlagsExercise",
]

SPIKE_WINDOW = 7  # days of history the spike detector compares with
SPIKE_K = 3  # how many standard deviations above normal count as a spike
DEBATE_HOUR = 20  # the debate transcript says it was broadcast at 8 pm


@from_notebook
def exercises(campaign):
    """Return ``q1`` to ``q6`` for the given profile (a loaded ``Profile``)."""
    posts = scored_posts(campaign)
    spike = biggest_spike(campaign, posts)
    return (
        _q1_confusion(posts),
        _q2_accuracy_by_target(posts),
        _q3_trend(campaign, posts),
        _q4_spike_issue(spike),
        _q5_spike_response(campaign, posts, spike),
        _q6_spike_detector(),
    )


# -- the data, computed independently of the notebook -----------------------------
def scored_posts(campaign) -> pd.DataFrame:
    """Posts with their labels and VADER's label (positive / negative / neutral)."""
    posts = data.load("posts", campaign).merge(data.load("post_labels", campaign), on="post_id")
    posts["vader"] = [text.label(score) for score in text.compound_scores(posts["text"])]
    return posts


def reference_flag_spikes(counts, window: int = SPIKE_WINDOW, k: float = SPIKE_K) -> list[bool]:
    """True for each day whose count is above the mean + k standard deviations of the ``window`` days before it."""
    counts = pd.Series(counts, dtype=float).reset_index(drop=True)
    before = counts.shift(1).rolling(window)
    return (counts > before.mean() + k * before.std()).tolist()


def daily_mentions(campaign, posts: pd.DataFrame) -> pd.DataFrame:
    """Posts a day mentioning each of the profile's issues (days x issues, zeros filled in)."""
    days = pd.date_range(posts["timestamp"].min().normalize(), posts["timestamp"].max().normalize(), freq="D")
    columns = {}
    for issue in campaign.issues:
        mentioned = posts["text"].str.contains(issue, case=False, regex=False)
        columns[issue] = posts.loc[mentioned, "timestamp"].dt.floor("D").value_counts().reindex(days, fill_value=0)
    return pd.DataFrame(columns)


def biggest_spike(campaign, posts: pd.DataFrame) -> tuple[pd.Timestamp, str, int]:
    """The flagged (day, issue) with the most posts, and that count."""
    daily = daily_mentions(campaign, posts)
    flags = pd.DataFrame({issue: reference_flag_spikes(daily[issue]) for issue in daily}, index=daily.index)
    flagged = daily.where(flags).stack()
    day, issue = flagged.idxmax()
    return day, issue, int(flagged.max())


def _debate_time(campaign) -> pd.Timestamp:
    match = re.search(r"Date: (.+?)\.", data.load("debate", campaign))
    return pd.Timestamp(match.group(1)) + pd.Timedelta(hours=DEBATE_HOUR)


def positive_shares(campaign, posts: pd.DataFrame) -> pd.DataFrame:
    """Share of positive posts about the candidate before and after the debate, by VADER and by the labels."""
    accounts = data.load("accounts", campaign)
    official = accounts.loc[accounts["official"], "account_id"]
    about_her = posts[posts["text"].str.contains(campaign.candidate.name, regex=False) & ~posts["account_id"].isin(official)]
    after = about_her["timestamp"] >= _debate_time(campaign)
    period = np.where(after, "after the debate", "before the debate")
    return about_her.groupby(period)[["vader", "sentiment"]].agg(lambda column: (column == "positive").mean())


def trend_letter(shares: pd.DataFrame) -> str:
    """The option of q3 that describes the change, in points: A/B warmer, C no change, D colder."""
    change = (shares.loc["after the debate"] - shares.loc["before the debate"]) * 100
    if change["sentiment"] <= -5:
        return "D"
    if change["sentiment"] < 5:
        return "C"
    return "A" if change["vader"] >= change["sentiment"] / 2 else "B"


# -- the exercises ------------------------------------------------------------------
def _q1_confusion(posts: pd.DataFrame) -> ValueExercise:
    count = int(((posts["sentiment"] == "negative") & (posts["vader"] == "positive")).sum())
    return ValueExercise(
        name="q1",
        answer_name="negative_called_positive",
        expected=count,
        tolerance=0,
        unit="posts",
        hints=[
            "In the table, rows are what people said and columns are what VADER said.",
            "Find the row `negative`, then move along it to the column `positive`.",
            'In code: `confusion.loc["negative", "positive"]`.',
        ],
        why=f"VADER called {count:,} negative posts positive. A dashboard built on it would tell you people are "
        "happier with the campaign than they are.",
    )


def _q2_accuracy_by_target(posts: pd.DataFrame) -> CustomExercise:
    expected = (posts["vader"] == posts["sentiment"]).groupby(posts["target"]).mean()

    def problem(answer):
        if isinstance(answer, dict):
            answer = pd.Series(answer)
        if not isinstance(answer, pd.Series):
            return ("`accuracy_by_target` should be a table with one accuracy for each target "
                    f"({', '.join(expected.index)}), such as the result of a `groupby`.")
        if sorted(map(str, answer.index)) != sorted(expected.index):
            return f"your table should have one row for each target: {', '.join(expected.index)}."
        values = pd.to_numeric(answer, errors="coerce")
        if values.isna().any() or not values.between(0, 1).all():
            return "each value should be a share between 0 and 1: the part of posts VADER got right."
        off = (values.rename(index=str).reindex(expected.index) - expected).abs()
        if off.max() > 1e-6:
            return (f"the value for {off.idxmax()!r} is not the share of posts where VADER's label equals the "
                    "people's label. Compare the two label columns first, then group.")
        return None

    worst = expected.idxmin()
    return CustomExercise(
        name="q2",
        answer_name="accuracy_by_target",
        problem=problem,
        track="deep-dive",
        reads={"checked": posts},
        hints=[
            'Make a column of True/False: `checked["vader"] == checked["sentiment"]`.',
            'Group those True/False values by `checked["target"]` and take the `.mean()`: the mean of True/False is the share of True.',
            'accuracy_by_target = (checked["vader"] == checked["sentiment"]).groupby(checked["target"]).mean()',
        ],
        why=f"VADER is least accurate on posts about '{worst}' ({expected[worst]:.0%}). A tool can be fine on "
        "average and poor exactly where you need it.",
    )


def _q3_trend(campaign, posts: pd.DataFrame) -> ChoiceExercise:
    shares = positive_shares(campaign, posts)
    correct = trend_letter(shares)
    options = {
        "A": "Warmer after the debate, and VADER shows the rise about as clearly as the labelled posts.",
        "B": "Warmer after the debate according to the labelled posts; VADER shows much less of the change, or none.",
        "C": "No real change: the share of positive posts moved by less than 5 points.",
        "D": "Colder after the debate: fewer positive posts than before.",
    }
    feedback = {
        "A": "compare the two columns: the change in VADER's column is much smaller than in the labels' column.",
        "B": "look at the labels' column: the change is small or goes the other way.",
        "C": "subtract the 'before' row from the 'after' row in the labels' column, in points.",
        "D": "the share of positive posts did not fall in the labels' column.",
    }
    feedback.pop(correct, None)
    return ChoiceExercise(
        name="q3",
        answer_name="trend",
        options=options,
        correct=correct,
        feedback=feedback,
        hints=[
            "Read the `change` table: one column is VADER, the other the labels people gave.",
            "For each column, subtract 'before the debate' from 'after the debate'. Which column moved more?",
        ],
        why="Trust the labelled sample over the tool when they disagree: a tool with many errors can hide a "
        "real change in how people talk about you.",
    )


def _q4_spike_issue(spike: tuple[pd.Timestamp, str, int]) -> ValueExercise:
    day, issue, count = spike
    return ValueExercise(
        name="q4",
        answer_name="spike_issue",
        expected=issue,
        hints=[
            "The table `flagged` lists the days and issues the detector flagged, biggest first.",
            "Copy the issue from the first row, exactly as written, in quotes.",
        ],
        why=f"{count} posts mentioned {issue} on {day.day} {day:%B}, far above its usual level: an emerging issue "
        "that the campaign heard about from the public, not from the news.",
    )


def _q5_spike_response(campaign, posts: pd.DataFrame, spike: tuple[pd.Timestamp, str, int]) -> ChoiceExercise:
    day, issue, count = spike
    spike = posts[posts["text"].str.contains(issue, case=False, regex=False) & (posts["timestamp"].dt.floor("D") == day)]
    wards = {ward.name: int(spike["text"].str.contains(ward.name, regex=False).sum()) for ward in campaign.constituency.wards}
    ward = max(wards, key=wards.get)
    rival = campaign.rivals[0].name
    return ChoiceExercise(
        name="q5",
        answer_name="response",
        options={
            "A": "Do nothing: a few angry people online is normal noise.",
            "B": f"Check the facts with people in {ward}, then say publicly that you have heard about {issue}, "
            "what you will do, and promise only what your platform supports.",
            "C": "Reply to every complaint with the same copied message, so everyone gets an answer.",
            "D": f"Run a paid ad tonight blaming {rival} for {issue}.",
        },
        correct="B",
        feedback={
            "A": f"{count} posts in one day from {spike['account_id'].nunique()} different accounts is not a few people.",
            "C": "identical replies look automated, can be flagged as spam, and do not fix anything.",
            "D": "blaming a rival before you know the facts turns residents' problem into point-scoring.",
        },
        hints=[
            "Look at who posted: many different ordinary accounts, or a few?",
            "A good response starts with the facts on the ground and ends with a promise you can keep.",
        ],
        why="A real local problem deserves a real answer: listen first, act, and promise only what you can deliver.",
    )


_SPIKE_CASES = (
    ([5, 6, 5, 7, 6, 5, 6, 5, 30, 6, 5], 7, 3),
    ([40, 4, 5, 4, 6, 5, 4, 5, 5, 4], 3, 2),
    ([4, 4, 4, 4, 5, 4], 4, 3),
    ([10, 12, 11, 13, 12, 10, 11, 30, 32, 12], 5, 3),
)


class FlagsExercise(FunctionExercise):
    """A function exercise whose answer returns one True/False per day.

    The learner may return a list, an array or a pandas Series. A wrong answer's
    message names the days it flagged ("flags the days [3, 8]") instead of
    printing a whole Series.
    """

    def find_problem(self, answer):
        if not callable(answer):
            return super().find_problem(answer)

        @functools.wraps(answer)
        def as_list(*args):
            result = answer(*args)
            return result if result is None or isinstance(result, (str, bool)) else _plain_list(result)

        problem = super().find_problem(as_list)
        if isinstance(problem, str) and problem.endswith("which is not what it should give."):
            return self._which_days(as_list)
        return problem

    def _which_days(self, function) -> str:
        """Name the first example the function gets wrong, and the days it flagged (counting from 0)."""
        for args, expected in self.cases:
            got = function(*args)
            if not self.compare(got, expected):
                shown = ", ".join(repr(arg) for arg in args)
                if not isinstance(got, list):
                    return f"`{self.answer_name}({shown})` gives {got!r}, not one True/False per day."
                if len(got) != len(args[0]):
                    return f"`{self.answer_name}({shown})` gives {len(got)} values for {len(args[0])} days: give one True/False per day."
                flagged = [day for day, flag in enumerate(got) if flag]
                return (f"`{self.answer_name}({shown})` flags the days {flagged} (counting from 0), "
                        "which is not what it should flag.")
        return "one of the examples gives a different answer each time the function runs."

    def _returns_nothing(self, function) -> bool:
        return super()._returns_nothing(getattr(function, "__wrapped__", function))


def _plain_list(result):
    try:
        return [bool(value) for value in result]
    except TypeError:
        return result


def _same_flags(got, expected) -> bool:
    return isinstance(got, list) and got == list(expected)


def _q6_spike_detector() -> FunctionExercise:
    return FlagsExercise(
        name="q6",
        answer_name="flag_spikes",
        cases=[(args, reference_flag_spikes(*args)) for args in _SPIKE_CASES],
        compare=_same_flags,
        track="deep-dive",
        hints=[
            "Start with `counts = pd.Series(counts, dtype=float)` so lists and Series both work.",
            "`counts.shift(1)` moves every value one day later, so each day sees only the days before it. "
            "Then `.rolling(window)` gives `.mean()` and `.std()` over the last `window` days.",
            "Return `counts > mean + k * std`. Days without a full history compare with NaN and come out False.",
        ],
        why="Leaving today out of its own baseline matters: a big spike otherwise raises the bar it has to clear.",
    )
