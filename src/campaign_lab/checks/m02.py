"""Checks for notebook 02, "Data literacy with the voter file".

Every expected answer is computed from the profile and its generated data, so
the exercises work for every country profile a trainer writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from campaign_lab import data
from campaign_lab.checks.core import (
    ChoiceExercise,
    CustomExercise,
    FunctionExercise,
    SelectionExercise,
)
from campaign_lab.checks.solutions import from_notebook

__all__ = [
    "TURNOUT_TOLERANCE", "CLOSE_CALL", "CANVASS_REQUIRED", "CANVASS_OPTIONAL", "exercises",
    "PseudonymExercise",
]

#: How far (as a share, 0-1) a learner's ward turnout may sit from the published figure.
TURNOUT_TOLERANCE = 0.01

#: Wards whose turnout is this close to the lowest (half a point) count as "the lowest": a chart cannot tell them apart.
CLOSE_CALL = 0.005

#: Columns a door-knocking volunteer needs, and columns she may have without harm.
CANVASS_REQUIRED = ("first_name", "last_name", "address")
CANVASS_OPTIONAL = ("ward", "voter_id", "preferred_language")

_CONTACT_HISTORY = "contact history is for the office's planning, not for the doorstep."
_NOT_NEEDED = "a volunteer knocking on doors does not need it, and every extra column is one more thing to leak if the list is lost."
_CANVASS_REASONS = {
    "phone": "she knocks on doors, she does not call. A lost list with phone numbers invites spam calls and harassment.",
    "email": "she knocks on doors, she does not write. E-mail addresses on a lost list invite spam and phishing.",
    "date_of_birth": "she does not need it at the door, and a name, address and birth date together are what identity thieves look for.",
    "age": "she does not need it at the door; greet people by name, not by age.",
    "sex": "she does not need it at the door; greet people by name.",
    "community": "it can reveal a person's ethnic or social origin, which data-protection laws treat as sensitive. It never goes on a canvassing sheet.",
    "do_not_contact": "people who asked not to be contacted must be removed from the list before it is printed, not flagged on it.",
    "registration_date": _NOT_NEEDED,
    "contacts_last_campaign": _CONTACT_HISTORY,
    "last_contact_date": _CONTACT_HISTORY,
    "last_contact_channel": _CONTACT_HISTORY,
    "preferred_channel": "the list is for knocking on doors, so the preferred channel changes nothing for her.",
}
_VOTING_HISTORY_REASON = (
    "whether a person voted is personal information about them. The office uses it to choose "
    "whom to visit; the volunteer does not need to see it."
)


@from_notebook
def exercises(campaign):
    """Return ``q1`` to ``q5`` for the given profile (a loaded ``Profile``)."""
    voters = data.load("voters", campaign)
    wards = data.load("wards", campaign)
    year = campaign.latest_election.date.year
    published = wards.set_index("ward")[f"turnout_{year}"]
    return (
        _lowest_turnout(campaign, published, year),
        _turnout_table(campaign, published, year, _cleaned(voters)),
        _canvass_columns(voters),
        _plain_hash(),
        _pseudonymise(),
    )


# -- q1: read the plot ----------------------------------------------------------------
def _lowest_turnout(campaign, published: pd.Series, year: int) -> CustomExercise:
    lowest = published.min()
    by_name = {str(name).casefold(): (str(name), float(value)) for name, value in published.items()}

    def problem(answer: Any) -> str | None:
        if not isinstance(answer, str):
            return f"`lowest_turnout_ward` should be a ward's name in quotes, like 'Some Ward', but it is {answer!r}."
        if answer.strip().casefold() not in by_name:
            return f"{answer!r} is not one of the wards of {campaign.constituency.name}. Copy the name as the chart shows it."
        name, value = by_name[answer.strip().casefold()]
        if value <= lowest + CLOSE_CALL:
            return None
        return f"turnout in {name} was {value:.1%}. Look for the shortest bar."

    return CustomExercise(
        name="q1",
        answer_name="lowest_turnout_ward",
        problem=problem,
        hints=[
            "Look at the bar chart of turnout by ward: which bar is the shortest?",
            "Copy the ward's name exactly as the chart shows it, in quotes, e.g. `\"Some Ward\"`.",
        ],
        why=f"In {year} only {lowest:.0%} of the people who could vote in the lowest ward did so, "
        f"against {published.max():.0%} in the highest. That gap is room for a get-out-the-vote drive.",
    )


# -- q2: the turnout-by-ward table ------------------------------------------------------
def _cleaned(voters: pd.DataFrame) -> pd.DataFrame:
    """The voter file as the notebook cleans it, for what q2 reads: repeats out, the ward read from the address."""
    ward = voters["address"].str.rsplit(", ", n=1).str[-1]
    return voters.assign(ward=ward).drop_duplicates(subset=["first_name", "last_name", "date_of_birth", "address"])


def _turnout_table(campaign, published: pd.Series, year: int, clean: pd.DataFrame) -> CustomExercise:
    official = [ward.name for ward in campaign.constituency.wards]

    def problem(answer: Any) -> str | None:
        table = _as_series(answer)
        if table is None:
            return (
                "`turnout_by_ward` should be a table with one number per ward, as `groupby(...)[...].mean()` "
                f"makes, but it is a {type(answer).__name__}."
            )
        return _ward_index_problem(table, official) or _turnout_value_problem(table, published)

    return CustomExercise(
        name="q2",
        answer_name="turnout_by_ward",
        problem=problem,
        track="deep-dive",
        reads={"clean": clean, "voted_latest": f"voted_{year}"},
        hints=[
            "Start from the cleaned table `clean`, where every ward is spelt the official way.",
            f"Group `clean` by `\"ward\"`, pick the `voted_{year}` column (its name is stored in `voted_latest`) and take `.mean()`.",
            "The mean of a yes/no column is the share of yeses. pandas skips the `<NA>` rows (people who could "
            "not vote then), which is what you want: turnout counts only those who could vote.",
        ],
        why=f"Your figures match the published turnout for {year} within a point. Checking your own file against "
        "published figures is how you find out whether you can trust it.",
    )


def _as_series(answer: Any) -> pd.Series | None:
    """A one-column table becomes a Series; anything that is not a table gives ``None``."""
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        return answer.iloc[:, 0]
    return answer if isinstance(answer, pd.Series) else None


def _ward_index_problem(table: pd.Series, official: list[str]) -> str | None:
    names = [str(name) for name in table.index]
    extra = [name for name in names if name not in official]
    if extra:
        return (
            f"your table has {len(names)} rows but the constituency has {len(official)} wards; names such as "
            f"{extra[0]!r} are not official spellings. Group the cleaned table `clean`, not `voters`."
        )
    missing = [name for name in official if name not in names]
    if missing:
        return f"your table has no row for {len(missing)} ward(s), for example {missing[0]!r}. Group by the `ward` column of `clean`."
    return None


def _turnout_value_problem(table: pd.Series, published: pd.Series) -> str | None:
    try:
        values = pd.to_numeric(table, errors="raise").astype(float)
    except (TypeError, ValueError):
        return "the numbers in your table should be shares between 0 and 1, but some are not numbers."
    if values.isna().any():
        return "some wards have no number. Take the mean of the yes/no column of the latest election."
    if (values > 1).any():
        return "some numbers are above 1: give shares between 0 and 1 (use `.mean()`, not `.sum()` or a percentage)."
    gaps = values - published.reindex(values.index).astype(float)
    worst = gaps.abs().idxmax()
    if abs(gaps[worst]) <= TURNOUT_TOLERANCE:
        return None
    if (gaps < -TURNOUT_TOLERANCE).all():
        return (
            "every ward comes out too low. Did you count people who could not vote in that election (the `<NA>` rows) "
            "as non-voters? Turnout is voters divided by those who could vote."
        )
    return (
        f"the turnout for {worst} is {values[worst]:.1%}, more than a point away from the published figure. "
        "Check that you used the latest election's column and the cleaned table."
    )


# -- q3: minimisation -----------------------------------------------------------------
def _canvass_columns(voters: pd.DataFrame) -> SelectionExercise:
    columns = list(voters.columns)
    keep = set(CANVASS_REQUIRED) | set(CANVASS_OPTIONAL)
    forbidden = {
        column: _VOTING_HISTORY_REASON if column.startswith("voted_") else _CANVASS_REASONS.get(column, _NOT_NEEDED)
        for column in columns
        if column not in keep
    }
    return SelectionExercise(
        name="q3",
        answer_name="canvass_columns",
        required=CANVASS_REQUIRED,
        forbidden=forbidden,
        allowed=columns,
        hints=[
            "Picture the volunteer on a doorstep: what must she know to find the door and greet the person?",
            "She needs the person's name and where they live. The ward, the voter id and the language are "
            "allowed; anything else is not needed for knocking on a door.",
        ],
        why="A short list is safer: if it is lost or photographed, it exposes as little as possible. "
        "That is data minimisation, and most data-protection laws ask for it.",
    )


# -- q4: is a plain hash anonymous? -----------------------------------------------------
def _plain_hash() -> ChoiceExercise:
    return ChoiceExercise(
        name="q4",
        answer_name="hashed_is_anonymous",
        options={
            "A": "Yes: a hash cannot be run backwards, so nobody can get the numbers back.",
            "B": "No: phone numbers come from a small range, so anyone can hash every possible number and match the fingerprints.",
            "C": "Only if the hash is long enough: a 64-character hash cannot be matched.",
        },
        correct="B",
        feedback={
            "A": "nobody needs to run the hash backwards: the demo above hashed every possible number until one matched.",
            "C": "the length of the fingerprint does not help: the demo matched a 64-character SHA-256 fingerprint in seconds.",
        },
        hints=["Look again at what the demo above did to find the phone number, and how long it took."],
        why="A plain hash of anything guessable (phone numbers, birth dates, ids) is a lock whose key can be "
        "found by trying them all. A secret salt changes that.",
    )


# -- q5: the pseudonymisation function ---------------------------------------------------
@dataclass
class PseudonymExercise(FunctionExercise):
    """A pseudonymisation function, judged on the properties a pseudonym must have.

    Any salted one-way hash passes. :class:`FunctionExercise` calls the function
    once (catching an empty body, an error or a missing ``return``); then the
    checks are: it returns text of at least 16 characters without the
    identifier in it, the same identifier and salt always give the same
    pseudonym, another salt gives another one, and identifiers one character
    apart give pseudonyms that look unrelated.
    """

    ids: tuple[str, str] = ("V00000001", "V00000002")
    salts: tuple[str, str] = ("salt-for-checking", "another-salt")

    def __post_init__(self):
        self.cases = [((self.ids[0], self.salts[0]), None)]
        self.compare = lambda got, expected: True  # the properties below do the judging

    def calls(self) -> list[tuple]:
        (first_id, next_id), (salt, other_salt) = self.ids, self.salts
        return super().calls() + [(first_id, salt), (first_id, salt), (first_id, other_salt), (next_id, salt)]

    def find_problem(self, answer: Any) -> Any:
        problem = super().find_problem(answer)
        if problem is not None:
            return problem
        first_id, next_id = self.ids
        salt, other_salt = self.salts
        pseudonym = answer(first_id, salt)
        shown = f"`{self.answer_name}({first_id!r}, {salt!r})`"
        if not isinstance(pseudonym, str) or len(pseudonym) < 16:
            return f"{shown} gave {pseudonym!r}; a pseudonym should be a text of at least 16 characters, such as a hexdigest."
        if first_id in pseudonym or first_id[1:] in pseudonym:
            return f"{shown} gave a text that still contains the id, so anyone reading the list can see it."
        if answer(first_id, salt) != pseudonym:
            return "the same voter id and salt gave two different pseudonyms, so the office could not link results back."
        if answer(first_id, other_salt) == pseudonym:
            return (
                "changing the salt did not change the pseudonym, so the salt is not used. Without a secret salt, "
                "anyone can hash every id and undo your pseudonyms."
            )
        if _looks_alike(pseudonym, answer(next_id, salt)):
            return (
                f"the pseudonyms of {first_id!r} and {next_id!r} look almost the same, so they give the ids away. "
                "Hash the salt and the id together with `hashlib.sha256`."
            )
        return None


def _looks_alike(first: str, second: str) -> bool:
    """True if two texts agree at more than half of their positions (hashes of near ids agree at about 1 in 16)."""
    same = sum(a == b for a, b in zip(first, second))
    return same > math.ceil(max(len(first), len(second)) / 2)


def _pseudonymise() -> PseudonymExercise:
    return PseudonymExercise(
        name="q5",
        answer_name="pseudonymise",
        track="deep-dive",
        hints=[
            "Join the salt and the id into one text, turn it into bytes with `.encode(\"utf-8\")`, and hash it "
            "with `hashlib.sha256(...)`.",
            "`.hexdigest()` turns the hash into text made of 0-9 and a-f. Return that text.",
            "A pseudonym must be text of at least 16 characters that does not contain the id itself.",
        ],
        why="Your pseudonyms are stable (the office can link results back), depend on a secret salt (outsiders "
        "cannot rebuild them) and reveal nothing about the id.",
    )
