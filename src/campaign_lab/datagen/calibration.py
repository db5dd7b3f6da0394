"""Turnout calibration: every published margin of a profile, met band by band.

A profile gives turnout in one past election by age band, by sex and overall.
Among the voters eligible in that election these three sets of figures each
imply an overall turnout; when they disagree a little (published figures are
rounded, and a profile's age mix is not the source's), each set is shifted by
the same few tenths of a point so that all three agree, and the profile is
refused when that would move any figure by more than :data:`PLANNED_LIMIT_POINTS`.

The agreed figures are then met by *raking* on the logit scale: turnout in the
(age band, sex) cell is ``expit(a[band] + b[sex])``, with ``a`` and ``b`` fitted
in turn until every band and both sexes hit their figure (iterative proportional
fitting with a logit link, so no cell rate leaves 0-1). The voter file does this
on each chunk's own eligible voters and then fills exact per-cell quotas, so the
realised rates match the figures at any seed, not just on average.

This is a few lines of numpy rather than a raking package (ipfn, weightipy,
balance): those rake survey *weights* towards population totals, while here the
unknowns are bounded cell *rates* on a table of at most a dozen rows and three
columns, refitted on every chunk, where a package's data-frame round trip
would cost more than the fit.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import numpy as np

from campaign_lab.datagen._common import age_on
from campaign_lab.errors import BadInput
from campaign_lab.profiles import parse_band

#: Every band, sex and the overall figure land within this many points at classroom size.
TOLERANCE_POINTS = 1.0
#: The largest shift reconciling the figures may need; the rest of the point absorbs rounding and sampling.
PLANNED_LIMIT_POINTS = 0.75
#: Voters simulated (with a fixed seed) to learn who was eligible in the cited election.
MIX_SAMPLE = 100_000
#: Ages outside this range on the cited election's day mark a birth date as unusable.
MIN_AGE, MAX_AGE = 18, 110


@dataclass(frozen=True)
class Margin:
    """One published turnout figure: what it covers, where it sits in the profile, its value (0-1)."""

    label: str
    field: str
    target: float


@dataclass(frozen=True)
class Plan:
    """The figures reconciled for one mix of eligible voters: what each band and sex must reach."""

    band_targets: np.ndarray
    sex_targets: np.ndarray
    implied: dict[str, float]
    common: float

    @property
    def largest_shift(self) -> float:
        """The largest move (0-1 scale) any published figure needs so that all agree."""
        return max(abs(self.common - value) for value in self.implied.values())


def margins(profile) -> list[Margin]:
    """The turnout figures a profile publishes, in the order the data card prints them."""
    turnout = profile.turnout
    rows = [Margin(rate.band, f"turnout.by_age[{i}]", rate.rate) for i, rate in enumerate(turnout.by_age)]
    rows += [Margin(sex, f"turnout.by_sex.{sex}", getattr(turnout.by_sex, sex)) for sex in ("women", "men")]
    return rows + [Margin("overall", "turnout.overall", turnout.overall)]


def plan_for(profile, band_counts: np.ndarray, sex_counts: np.ndarray) -> Plan:
    """Reconcile the age, sex and overall figures for these eligible voters (counts by band, and by (men, women)).

    Each set of figures implies a total; the agreed total is the midpoint of the
    highest and lowest, so no set moves further than half their spread.
    """
    by_age = np.array([rate.rate for rate in profile.turnout.by_age])
    by_sex = np.array([profile.turnout.by_sex.men, profile.turnout.by_sex.women])
    implied = {
        "turnout.by_age": float(_shares(band_counts) @ by_age),
        "turnout.by_sex": float(_shares(sex_counts) @ by_sex),
        "turnout.overall": float(profile.turnout.overall),
    }
    common = (max(implied.values()) + min(implied.values())) / 2
    return Plan(
        band_targets=np.clip(by_age + common - implied["turnout.by_age"], 1e-4, 1 - 1e-4),
        sex_targets=np.clip(by_sex + common - implied["turnout.by_sex"], 1e-4, 1 - 1e-4),
        implied=implied,
        common=common,
    )


def _shares(counts: np.ndarray) -> np.ndarray:
    counts = np.asarray(counts, dtype=float)
    return counts / max(counts.sum(), 1e-12)


def conflict(profile) -> tuple[str, str] | None:
    """``(field, message)`` when a profile's turnout figures cannot all be met within a point, else None."""
    cells = expected_cells(profile)
    plan = plan_for(profile, cells.sum(axis=1), cells.sum(axis=0))
    if plan.largest_shift * 100 <= PLANNED_LIMIT_POINTS:
        return None
    ordered = sorted(plan.implied, key=plan.implied.get)
    first, second = sorted([ordered[0], ordered[-1]], key=list(plan.implied).index)
    gap = abs(plan.implied[first] - plan.implied[second]) * 100
    implied = ", ".join(f"`{name}` {value:.1%}" for name, value in plan.implied.items())
    message = (
        f"conflicts with `{second}`: among the voters eligible in {profile.turnout.election_year} the figures imply "
        f"different overall turnouts ({implied}); these two are {gap:.1f} points apart, more than the "
        f"{2 * PLANNED_LIMIT_POINTS:g} that still lets every figure land within {TOLERANCE_POINTS:g} point: "
        "adjust the illustrative figures so they agree"
    )
    return first, message


def require_consistent(profile, source: object = None) -> None:
    """Refuse a profile whose turnout figures cannot all be met, in one line naming the two furthest apart.

    This is a check of the data the profile asks for, so the generator and
    ``campaign-lab check-profile`` make it (the profile schema itself knows
    nothing of how data is drawn).

    Raises
    ------
    BadInput
    """
    problem = conflict(profile)
    if problem is not None:
        field, message = problem
        raise BadInput(f"Profile {source or profile.id}: field `{field}`: {message}.")


def rake(cells: np.ndarray, band_targets: np.ndarray, sex_targets: np.ndarray, sweeps: int = 50) -> np.ndarray:
    """Cell turnout rates (bands x sexes) whose band and sex averages over ``cells`` hit the targets.

    Logit raking: ``rate = expit(a[band] + b[sex])``, fitting ``a`` then ``b`` by
    Newton steps until both sets of margins are met (to 1e-9 of a voter share).
    Empty bands or sexes keep their starting rate.

    Examples
    --------
    >>> cells = np.array([[100.0, 100.0], [300.0, 300.0]])
    >>> rates = rake(cells, np.array([0.5, 0.7]), np.array([0.64, 0.66]))
    >>> np.round((cells * rates).sum(axis=1) / cells.sum(axis=1), 6).tolist()
    [0.5, 0.7]
    >>> np.round((cells * rates).sum(axis=0) / cells.sum(axis=0), 6).tolist()
    [0.64, 0.66]
    """
    cells = np.asarray(cells, dtype=float)
    band_logit = _logit(np.asarray(band_targets, dtype=float))
    sex_logit = np.zeros(cells.shape[1])
    band_goal = cells.sum(axis=1) * band_targets
    sex_goal = cells.sum(axis=0) * sex_targets
    for _ in range(sweeps):
        band_logit = _newton(cells, band_logit, sex_logit[None, :], band_goal, axis=1)
        sex_logit = _newton(cells.T, sex_logit, band_logit[None, :], sex_goal, axis=1)
        rates = _expit(band_logit[:, None] + sex_logit[None, :])
        miss = np.abs((cells * rates).sum(axis=1) - band_goal).max()
        if miss <= 1e-9 * max(cells.sum(), 1.0):
            break
    return _expit(band_logit[:, None] + sex_logit[None, :])


def _newton(cells: np.ndarray, own: np.ndarray, other: np.ndarray, goal: np.ndarray, axis: int, steps: int = 8) -> np.ndarray:
    """Solve, row by row, sum(cells * expit(own + other)) == goal for ``own`` (monotone, so Newton converges)."""
    own = own.copy()
    filled = cells.sum(axis=axis) > 0
    for _ in range(steps):
        rate = _expit(own[:, None] + other)
        slope = (cells * rate * (1 - rate)).sum(axis=axis)
        step = ((cells * rate).sum(axis=axis) - goal) / np.maximum(slope, 1e-12)
        own = np.where(filled, own - np.clip(step, -4, 4), own)
    return own


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def cell_rates(profile, cells: np.ndarray) -> np.ndarray:
    """Rates by (band, sex) cell that meet the reconciled figures exactly on these eligible-voter counts.

    ``cells`` is bands x (men, women), or, as a learner sees the file, with one
    more row for voters whose birth date is unusable and one more column for
    those whose sex is missing: the published figures are met among the voters
    where band (or sex) is known, and the unknown row and column vote at the
    agreed overall rate, so the overall figure is met too.
    """
    bands = len(profile.turnout.by_age)
    band_counts, sex_counts = cells[:bands].sum(axis=1), cells[:, :2].sum(axis=0)
    plan = plan_for(profile, band_counts, sex_counts)
    band_targets = np.append(plan.band_targets, [plan.common] * (cells.shape[0] - bands))
    sex_targets = np.append(plan.sex_targets, [plan.common] * (cells.shape[1] - 2))
    return rake(cells, band_targets, sex_targets)


# ----------------------------------------------------------------------------- what the data shows


def report(profile, eligible: np.ndarray, voted: np.ndarray) -> list[dict]:
    """Target, result and difference (points) of every published figure, from counts by seen cell.

    ``eligible`` and ``voted`` are (bands + 1) x (men, women, missing) counts of
    the voters eligible in the cited election and of those who voted, as
    :func:`measure` reads them from the file.
    """
    bands = len(profile.turnout.by_age)
    results = list(_rates(voted[:bands].sum(axis=1), eligible[:bands].sum(axis=1)))
    results += list(_rates(voted[:, [1, 0]].sum(axis=0), eligible[:, [1, 0]].sum(axis=0)))
    results.append(voted.sum() / max(eligible.sum(), 1))
    return [
        {"margin": margin.label, "field": margin.field, "target": round(margin.target, 4), "result": round(float(result), 4), "difference_points": round((float(result) - margin.target) * 100, 2)}
        for margin, result in zip(margins(profile), results, strict=True)
    ]


def _rates(voted: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    return voted / np.maximum(eligible, 1)


def measure(profile, voters) -> list[dict]:
    """:func:`report` computed from a voter file (a pandas DataFrame as ``data.load("voters")`` returns).

    A learner's reading: voters with a ``voted_<year>`` value for the cited
    election; band from ``date_of_birth`` on that election's day (rows with no
    birth date, or an age outside 18-110 then, count only overall); sex from
    ``sex`` (rows without one count only overall).
    """
    column = f"voted_{profile.turnout.election_year}"
    eligible = voters[voters[column].notna()]
    dob = eligible["date_of_birth"]
    days = (dob - np.datetime64("1970-01-01", "D")).dt.days.fillna(0).astype(np.int64).to_numpy()
    sex = eligible["sex"].map({"M": 0, "F": 1}).fillna(2).astype(np.int64).to_numpy()
    lows = np.array([parse_band(rate.band)[0] for rate in profile.turnout.by_age])
    seen = seen_cells(lows, profile.turnout_election.date, days, dob.isna().to_numpy(), sex)
    size = (lows.size + 1) * 3
    counts = np.bincount(seen, minlength=size).reshape(-1, 3)
    votes = np.bincount(seen, weights=eligible[column].astype(bool).to_numpy(), minlength=size).reshape(-1, 3)
    return report(profile, counts, votes)


def seen_cells(band_low: np.ndarray, election: dt.date, dob: np.ndarray, missing_dob: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """Each voter's (age band, sex) cell in an election as the file shows it, numbered ``band * 3 + sex``.

    ``dob`` holds day numbers of the recorded birth dates; ``sex`` is 0 for men,
    1 for women, 2 when missing. The band is the one the birth date gives on
    the election's day; a missing birth date, or one giving an age outside
    18-110 then, counts as one more band, ``len(band_low)``.
    """
    age = age_on(dob, election)
    unknown = missing_dob | (age < MIN_AGE) | (age > MAX_AGE)
    band = np.searchsorted(band_low, np.clip(age, MIN_AGE, MAX_AGE), side="right") - 1
    return np.where(unknown | (band < 0), band_low.size, band) * 3 + sex


# ----------------------------------------------------------------------------- who was eligible


def expected_cells(profile) -> np.ndarray:
    """Shares of the voters eligible in the cited election, by (band then, sex): bands x (men, women).

    Simulated once per population and calendar with a fixed seed, so the same
    profile always gets the same answer, whatever seed its data is made with.
    """
    return np.array(_expected_cells(_mix_key(profile)))


def _mix_key(profile) -> tuple:
    """Everything the eligible mix depends on, as a hashable key (so it can be cached)."""
    population, calendar = profile.population, profile.calendar
    return (
        tuple((band.band, band.share) for band in population.age_bands),
        population.sex.women,
        calendar.election_day,
        calendar.registration_deadline,
        calendar.past_elections[0].date,
        profile.turnout_election.date,
    )


@functools.lru_cache(maxsize=64)
def _expected_cells(key: tuple) -> tuple:
    from campaign_lab.datagen import model as m

    bands, women_share, election_day, deadline, first_election, cited = key
    mix = m.PopulationMix.from_parts(bands, election_day, deadline, first_election)
    rng = np.random.default_rng(20_270_506)
    ages = m.draw_band_ages(mix, rng, MIX_SAMPLE)
    dob = m.draw_birth_days(mix, rng, ages)
    registered = m.draw_registration_days(mix, rng, dob)
    women = rng.random(MIX_SAMPLE) < women_share
    eligible, band = m.eligible_on(mix, cited, dob, registered)
    counts = np.zeros((len(bands), 2))
    np.add.at(counts, (band[eligible], women[eligible].astype(int)), 1)
    return tuple(map(tuple, counts / counts.sum()))


# ----------------------------------------------------------------------------- the data card

CARD_START = "<!-- calibration table: start -->"
CARD_END = "<!-- calibration table: end -->"


def card_table(reports: dict[str, list[dict]]) -> str:
    """The data card's Markdown table: each profile's figures, target and result, from their manifests."""
    lines = [CARD_START, "| Profile | Figure | Target | Result | Difference (points) |", "|---|---|---|---|---|"]
    for profile, rows in reports.items():
        lines += [f"| `{profile}` | {row['margin']} | {row['target']:.1%} | {row['result']:.1%} | {row['difference_points']:+.2f} |" for row in rows]
    return "\n".join(lines + [CARD_END])


def refresh_card(card: str, reports: dict[str, list[dict]]) -> str:
    """``card`` (Markdown text) with its calibration table replaced by one made from ``reports``."""
    start, end = card.index(CARD_START), card.index(CARD_END) + len(CARD_END)
    return card[:start] + card_table(reports) + card[end:]

