"""Checks for notebook 07, "Online abuse and disinformation".

Every expected answer is computed here from the profile's generated posts,
accounts and held-out labels (a classifier trained the notebook's way, the
coordinated network found the notebook's way), so the exercises work for every
country profile.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from campaign_lab import data
from campaign_lab.checks.core import ChoiceExercise, FunctionExercise, SelectionExercise, ValueExercise
from campaign_lab.checks.solutions import from_notebook

__all__ = [
    "LABELLED_SAMPLE", "SAMPLE_SEED", "THRESHOLDS", "RECALL_TARGET", "SIMILAR", "MAX_MINUTES",
    "MIN_PARTNERS", "exercises", "tables", "abuse_scores", "review_threshold", "similar_pairs",
    "partner_counts", "reference_flag_network", "accounts_to_judge", "judge_frame", "STEPS",
    "ExamplePairs",
]

LABELLED_SAMPLE = 500  # posts the team labels by hand to train the classifier
SAMPLE_SEED = 7
THRESHOLDS = tuple(np.round(np.arange(0.1, 1.0, 0.1), 1))
RECALL_TARGET = 0.9  # the review queue must find at least 9 in 10 abusive posts
SIMILAR = 0.7  # TF-IDF cosine similarity above which two posts are near-duplicates
MAX_MINUTES = 10
MIN_PARTNERS = 3


@from_notebook
def exercises(campaign):
    """Return ``q1`` to ``q6`` for the given profile (a loaded ``Profile``)."""
    posts, accounts = tables(campaign)
    pairs = similar_pairs(posts)
    return (
        _q1_threshold(abuse_scores(campaign, posts, accounts)),
        _q2_steps(),
        _q3_judge(judge_frame(posts, accounts, pairs)),
        _q4_detector(),
        _q5_precision(posts, pairs),
        _q6_debunk(campaign),
    )


# -- the data, computed independently of the notebook -----------------------------
def tables(campaign) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Posts with their labels, and the accounts."""
    posts = data.load("posts", campaign).merge(data.load("post_labels", campaign), on="post_id")
    return posts, data.load("accounts", campaign)


def abuse_scores(campaign, posts: pd.DataFrame, accounts: pd.DataFrame) -> pd.DataFrame:
    """Posts naming the candidate that the classifier did not learn from, with its score for each.

    The classifier is TF-IDF (words and word pairs) plus logistic regression,
    trained on a random sample of posts naming the candidate.
    """
    official = accounts.loc[accounts["official"], "account_id"]
    about_her = posts[posts["text"].str.contains(campaign.candidate.name, regex=False) & ~posts["account_id"].isin(official)]
    labelled = about_her.sample(LABELLED_SAMPLE, random_state=SAMPLE_SEED)
    rest = about_her.drop(labelled.index)
    vectoriser = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    model = LogisticRegression(class_weight="balanced", max_iter=1000)
    model.fit(vectoriser.fit_transform(labelled["text"]), labelled["gendered_abuse"])
    return rest.assign(score=model.predict_proba(vectoriser.transform(rest["text"]))[:, 1])


def review_threshold(scored: pd.DataFrame) -> float:
    """The highest threshold on the grid whose queue still finds ``RECALL_TARGET`` of the gendered abuse."""
    abusive = scored["gendered_abuse"].to_numpy(bool)
    good = [t for t in THRESHOLDS if (scored["score"].to_numpy()[abusive] >= t).mean() >= RECALL_TARGET]
    return max(good, default=THRESHOLDS[0])


def similar_pairs(posts: pd.DataFrame) -> pd.DataFrame:
    """Pairs of near-duplicate posts by different accounts, with the minutes between them."""
    weights = TfidfVectorizer(stop_words="english", max_df=0.1).fit_transform(posts["text"])
    similarity = (weights @ weights.T).tocoo()
    keep = (similarity.data >= SIMILAR) & (similarity.row < similarity.col)
    first, second = similarity.row[keep], similarity.col[keep]
    account = posts["account_id"].to_numpy()
    time = posts["timestamp"].to_numpy()
    pairs = pd.DataFrame({
        "account_a": account[first],
        "account_b": account[second],
        "minutes_apart": np.abs(time[second] - time[first]) / np.timedelta64(1, "m"),
    })
    return pairs[pairs["account_a"] != pairs["account_b"]].reset_index(drop=True)


def partner_counts(pairs: pd.DataFrame, max_minutes: float = MAX_MINUTES) -> pd.Series:
    """For each account, how many different accounts posted a near-duplicate within ``max_minutes`` of it."""
    close = pairs[pairs["minutes_apart"] <= max_minutes]
    links = {}
    for a, b in zip(close["account_a"], close["account_b"]):
        links.setdefault(a, set()).add(b)
        links.setdefault(b, set()).add(a)
    return pd.Series({account: len(partners) for account, partners in links.items()}, dtype=int)


def reference_flag_network(pairs, max_minutes: float = MAX_MINUTES, min_partners: int = MIN_PARTNERS) -> list[str]:
    """Accounts with near-duplicates from at least ``min_partners`` other accounts within ``max_minutes``, sorted."""
    partners = partner_counts(pairs, max_minutes)
    return sorted(partners[partners >= min_partners].index)


def accounts_to_judge(campaign) -> pd.DataFrame:
    """Three accounts for exercise 3, as rows "A", "B", "C" (sorted by handle), with their ``account_id`` and ``handle``."""
    posts, accounts = tables(campaign)
    return judge_frame(posts, accounts, similar_pairs(posts))[["account_id", "handle"]]


def judge_frame(posts: pd.DataFrame, accounts: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """The three accounts of exercise 3 and what each one is (``kind``).

    One account of the bot network (echoed by the most others), the ordinary
    person whose posts look most like coordination (the most near-duplicate
    partners in time, no abuse), and the person who wrote the most abuse.
    """
    partners = partner_counts(pairs)
    bots = set(posts.loc[posts["coordinated"], "account_id"])
    official = set(accounts.loc[accounts["official"], "account_id"])
    abusers = posts.loc[posts["abusive"] & ~posts["account_id"].isin(bots), "account_id"].value_counts()
    chosen = {
        "bot": _most(partners[partners.index.isin(bots)]),
        "echo": _most(partners[~partners.index.isin(bots | official | set(abusers.index))]),
        "abuser": _most(abusers),
    }
    frame = accounts.set_index("account_id").loc[list(chosen.values()), ["handle"]].reset_index()
    frame["kind"] = list(chosen)
    frame = frame.sort_values("handle").reset_index(drop=True)
    frame.index = ["A", "B", "C"]
    return frame


def _most(counts: pd.Series) -> str:
    """The account with the highest count (the lowest id on ties)."""
    return sorted(counts.index, key=lambda account: (-counts[account], account))[0]


# -- the exercises ------------------------------------------------------------------
def _q1_threshold(scored: pd.DataFrame) -> ValueExercise:
    best = review_threshold(scored)
    flagged = scored["score"] >= best
    precision = scored.loc[flagged, "gendered_abuse"].mean()
    return ValueExercise(
        name="q1",
        answer_name="review_threshold",
        expected=float(best),
        tolerance=1e-9,
        hints=[
            "In the table, look down the `recall` column: which thresholds find at least 0.9 (9 in 10) of the abuse?",
            "Of those, take the highest threshold: it keeps the queue shortest while still finding 9 in 10.",
        ],
        why=f"At {best:g}, {precision:.0%} of the posts in the queue are gendered abuse and fewer than 1 in 10 is "
        "missed. A lower threshold adds supporters' posts to the queue; a higher one misses abuse.",
    )


STEPS = {
    "save_evidence": "Save the post: time, account, text, link and a fingerprint, before anything else.",
    "report_to_platform": "Report it to the platform with the saved record.",
    "mute_or_block": "Mute or block the account so the candidate stops seeing it.",
    "log_for_weekly_summary": "Add it to the log the team reviews each week.",
    "reply_publicly": "Reply from the candidate's account to put the abuser in their place.",
    "delete_without_saving": "Delete or hide it at once, without saving a copy.",
    "share_abusers_details": "Post the abuser's real name and workplace so others can confront them.",
}


def _q2_steps() -> SelectionExercise:
    return SelectionExercise(
        name="q2",
        answer_name="steps",
        required=["save_evidence", "report_to_platform"],
        forbidden={
            "reply_publicly": "a public reply rewards the abuser with attention and spreads the post to the candidate's followers.",
            "delete_without_saving": "without a saved copy there is nothing to show the platform or the police if it gets worse.",
            "share_abusers_details": "publishing someone's personal details (doxxing) is itself harassment and may be illegal.",
        },
        allowed=list(STEPS),
        hints=[
            "Which steps keep a record and get the platform to act? Which ones could make things worse?",
            "Evidence first, then report; muting and logging are good extras. Never reply, delete unsaved or dox.",
        ],
        why="Document, report, protect: the record lets platforms and police act, and the candidate does not have to "
        "read or answer every attack.",
    )


def _q3_judge(judge: pd.DataFrame) -> SelectionExercise:
    letter = {row.kind: index for index, row in judge.iterrows()}
    return SelectionExercise(
        name="q3",
        answer_name="report_as_network",
        required=[letter["bot"]],
        forbidden={
            letter["echo"]: "it is an ordinary account, years old. People who post about the same thing at the same "
            "time, even in the same words, are not a network.",
            letter["abuser"]: "it acts alone. It is abusive: report it for abuse, not as part of a network.",
        },
        allowed=list(judge.index),
        hints=[
            "Look at several signals together: how new the account is, its followers and follows, its picture and "
            "bio, and how many other accounts posted the same words within minutes.",
            "One signal alone is never proof. Which account shows all of them at once?",
        ],
        why="Only one of the three shows every sign of coordination at once. Reporting real people as bots hurts "
        "them and your credibility with the platform.",
    )


class ExamplePairs(pd.DataFrame):
    """A small table of pairs for the checks, printed in one line in messages.

    Anything computed from it is a plain DataFrame again.
    """

    @property
    def _constructor(self):
        return pd.DataFrame

    def __repr__(self) -> str:
        shown = ", ".join(f"{a}-{b} {minutes:g} min" for a, b, minutes in self[["account_a", "account_b", "minutes_apart"]].itertuples(index=False))
        return f"pairs({shown})"


_PAIRS_SMALL = ExamplePairs({
    "account_a": ["A1", "A1", "A2", "A1", "A5", "A6"],
    "account_b": ["A2", "A3", "A3", "A4", "A6", "A7"],
    "minutes_apart": [2.0, 4.5, 1.0, 9.0, 30.0, 3.0],
})
_PAIRS_REPEAT = ExamplePairs({
    "account_a": ["B1", "B1", "B1", "B2", "B3", "B4"],
    "account_b": ["B2", "B2", "B2", "B3", "B4", "B2"],
    "minutes_apart": [1.0, 2.0, 3.0, 8.0, 12.0, 5.0],
})
_DETECTOR_CASES = (
    (_PAIRS_SMALL, 10, 3),
    (_PAIRS_SMALL, 10, 2),
    (_PAIRS_SMALL, 60, 2),
    (_PAIRS_REPEAT, 10, 2),
)


def _same_accounts(got, expected) -> bool:
    try:
        return sorted(map(str, got)) == list(expected)
    except TypeError:
        return False


def _q4_detector() -> FunctionExercise:
    return FunctionExercise(
        name="q4",
        answer_name="flag_network",
        cases=[(args, reference_flag_network(*args)) for args in _DETECTOR_CASES],
        compare=_same_accounts,
        track="deep-dive",
        hints=[
            'Keep the close pairs first: `close = pairs[pairs["minutes_apart"] <= max_minutes]`.',
            "Each pair links two accounts both ways. Stack the pairs the other way round under them with "
            "`pd.concat`, then `groupby` the first account and count its *different* partners with `.nunique()`.",
            "Keep the accounts with at least `min_partners` partners and return them as a sorted list.",
        ],
        why="Counting different partners, not pairs, matters: two friends who share each other's posts all day are "
        "one link, not a network.",
    )


def _q5_precision(posts: pd.DataFrame, pairs: pd.DataFrame) -> ValueExercise:
    flagged = set(reference_flag_network(pairs))
    bots = set(posts.loc[posts["coordinated"], "account_id"])
    precision = len(flagged & bots) / len(flagged)
    return ValueExercise(
        name="q5",
        answer_name="network_precision",
        expected=precision,
        tolerance=1e-6,
        track="deep-dive",
        reads={"posts": posts, "pairs": pairs},
        hints=[
            "Precision = (flagged accounts that really are in the network) / (all flagged accounts).",
            "The real network's accounts are those with a post labelled `coordinated`: "
            '`set(posts.loc[posts["coordinated"], "account_id"])`. Use `&` to intersect two sets.',
        ],
        why=f"{precision:.0%} of the flagged accounts belong to the network. The rest are real people a careless "
        "report would have called bots: a person checks every account before it is reported.",
    )


def _q6_debunk(campaign) -> ChoiceExercise:
    claims = data.load("platform_claims", campaign)
    pledge = claims.iloc[0]
    name, issue, rise = campaign.candidate.name, pledge["issue"], f"{pledge['number']:g}%"
    return ChoiceExercise(
        name="q6",
        answer_name="best_reply",
        options={
            "A": f'"{name} will cut {issue} spending in half!" FALSE! {name} will NOT cut {issue} in half. '
            "Share this so everyone knows the cut-in-half story is a lie.",
            "B": f"Our plan raises the budget for {issue} by {rise} in the first year (pledge {pledge['claim_id']}, costed, "
            f"on our website). You may see posts claiming a cut: they come from a few new accounts posting the same "
            f"words within minutes. Read the plan yourself: a {rise} rise for {issue}.",
            "C": "Reply \"This is a lie!\" under every post that spreads the story, from the candidate's own account.",
            "D": "Never say anything about it: any answer gives the story attention.",
        },
        correct="B",
        feedback={
            "A": "it repeats the false claim three times, in the first words too. People remember the claim and "
            "forget the 'not'.",
            "C": "every reply pushes the story up in feeds and shows it to the candidate's own followers.",
            "D": "silence suits a story few people have seen; once a rival repeats it in a debate, it needs an answer.",
        },
        hints=[
            "Which draft starts with the truth, and how many times does each draft repeat the false claim?",
            "A good correction leads with the fact, names the false claim once as a warning, explains where it comes "
            "from, and ends with the fact again.",
        ],
        why="Fact first, the myth once, the explanation, the fact again: people leave remembering the fact.",
    )
