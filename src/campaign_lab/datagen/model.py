"""The population model behind the voter file: who lives where, and how they vote.

Everything here is derived from the profile once, before any voter is drawn, so
that each chunk of the voter file can be generated independently (in any order,
in constant memory) from the same fixed model.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from campaign_lab.datagen import calibration
from campaign_lab.datagen._common import age_on, day_number
from campaign_lab.profiles import OPEN_BAND_SPAN, Profile, parse_band

#: Preferred contact channels, with the mix at age 18 and at age 80 (linear in between).
CHANNELS = ("door", "phone", "text", "email", "social media")
CHANNEL_MIX_YOUNG = np.array([0.08, 0.07, 0.32, 0.15, 0.38])
CHANNEL_MIX_OLD = np.array([0.36, 0.34, 0.12, 0.13, 0.05])

#: How much less often underserved wards and communities were contacted (planted pattern).
UNDERSERVED_WARD_CONTACT = 0.35
UNDERSERVED_COMMUNITY_CONTACT = 0.55
BASE_CONTACT_RATE = 0.42

#: Support model (latent score; higher = more supportive of the candidate).
SUPPORT_AGE_SLOPE = -0.028  # per year above 40
SUPPORT_WOMEN = 0.30
SUPPORT_URBAN = 0.10
SUPPORT_UNDERSERVED_COMMUNITY = 0.25
SUPPORT_NOISE = 0.85
SUPPORT_CUTS = np.array([-1.1, -0.35, 0.35, 1.1])  # latent score -> support 1..5


def ipf(seed: np.ndarray, row_targets: np.ndarray, col_targets: np.ndarray, iterations: int = 500) -> np.ndarray:
    """Scale a table so that its row and column sums hit the targets (iterative proportional fitting).

    When the two sets of targets disagree on the grand total, both are scaled to
    their average first, so each margin misses by at most half the disagreement.
    """
    total = (row_targets.sum() + col_targets.sum()) / 2
    rows = row_targets * total / row_targets.sum()
    cols = col_targets * total / col_targets.sum()
    table = seed.astype(float).copy()
    for _ in range(iterations):
        table *= (rows / np.maximum(table.sum(axis=1), 1e-12))[:, None]
        table *= (cols / np.maximum(table.sum(axis=0), 1e-12))[None, :]
    return table


@dataclass(frozen=True)
class Election:
    name: str
    date: dt.date
    relative_turnout: float

    @property
    def column(self) -> str:
        return f"voted_{self.date.year}"


@dataclass(frozen=True)
class PopulationMix:
    """Who is on the register: age bands, dates and the registration floor (enough to draw people)."""

    band_low: np.ndarray
    band_high: np.ndarray
    band_open: np.ndarray
    band_share: np.ndarray
    election_day: dt.date
    registration_deadline: dt.date
    register_floor: int  # day number before which nobody on the file registered

    @classmethod
    def from_parts(cls, bands: tuple, election_day: dt.date, deadline: dt.date, first_election: dt.date) -> "PopulationMix":
        """Build from ``((band, share), ...)`` and the calendar dates."""
        limits = [parse_band(band) for band, _ in bands]
        return cls(
            band_low=np.array([low for low, _ in limits]),
            band_high=np.array([high for _, high in limits]),
            band_open=np.array([band.endswith("+") for band, _ in bands]),
            band_share=_normalised([share for _, share in bands]),
            election_day=election_day,
            registration_deadline=deadline,
            register_floor=day_number(first_election) - 8 * 365,
        )


@dataclass
class PopulationModel:
    """Fixed arrays describing the population, derived from a profile."""

    profile: Profile
    seed: int
    ward_names: list[str]
    ward_share: np.ndarray
    ward_rural: np.ndarray
    ward_underserved: np.ndarray
    band_low: np.ndarray
    band_high: np.ndarray
    band_open: np.ndarray
    band_share: np.ndarray
    community_names: list[str]
    community_underserved: np.ndarray
    community_given_ward: np.ndarray  # wards x communities, rows sum to 1
    languages: list[str]
    language_share: np.ndarray
    issues: list[str]
    issue_support: np.ndarray
    elections: list[Election]
    turnout_index: int
    register_floor: int  # day number before which nobody on the file registered
    cell_turnout: np.ndarray = field(default=None)  # bands x sexes, for the cited election

    @property
    def election_day(self) -> dt.date:
        return self.profile.calendar.election_day

    @property
    def registration_deadline(self) -> dt.date:
        return self.profile.calendar.registration_deadline


def build_model(profile: Profile, seed: int) -> PopulationModel:
    """Derive the fixed population model from a validated profile."""
    wards = profile.constituency.wards
    bands = [parse_band(band.band) for band in profile.population.age_bands]
    communities = profile.population.communities or []
    ward_underserved = np.array([ward.underserved for ward in wards])
    community_underserved = np.array([c.underserved for c in communities], dtype=bool)
    elections = [Election(e.name, e.date, e.relative_turnout) for e in profile.calendar.past_elections]
    model = PopulationModel(
        profile=profile,
        seed=seed,
        ward_names=[ward.name for ward in wards],
        ward_share=np.array([ward.population_share for ward in wards]) / sum(w.population_share for w in wards),
        ward_rural=np.array([ward.setting == "rural" for ward in wards]),
        ward_underserved=ward_underserved,
        band_low=np.array([low for low, _ in bands]),
        band_high=np.array([high for _, high in bands]),
        band_open=np.array([band.band.endswith("+") for band in profile.population.age_bands]),
        band_share=_normalised([band.share for band in profile.population.age_bands]),
        community_names=[c.name for c in communities],
        community_underserved=community_underserved,
        community_given_ward=_community_given_ward(profile, ward_underserved, community_underserved),
        languages=[language.code for language in profile.languages],
        language_share=_normalised([language.share for language in profile.languages]),
        issues=list(profile.issues),
        issue_support=np.linspace(0.9, -0.6, len(profile.issues)),
        elections=elections,
        turnout_index=next(i for i, e in enumerate(elections) if e.date.year == profile.turnout.election_year),
        register_floor=day_number(elections[0].date) - 8 * 365,
    )
    model.cell_turnout = calibration.cell_rates(profile, calibration.expected_cells(profile))
    return model


def _normalised(values) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    return array / array.sum()


def _community_given_ward(profile: Profile, ward_underserved: np.ndarray, community_underserved: np.ndarray) -> np.ndarray:
    """Concentrate underserved communities in underserved wards while keeping the profile's overall shares."""
    shares = np.array([c.share for c in profile.population.communities] or [1.0])
    wards = np.array([ward.population_share for ward in profile.constituency.wards])
    if not profile.population.communities:
        return np.ones((len(wards), 1))
    lift = np.where(ward_underserved[:, None] & community_underserved[None, :], 3.0, 1.0)
    lift = np.where(~ward_underserved[:, None] & community_underserved[None, :], 0.6, lift)
    joint = ipf(wards[:, None] * shares[None, :] * lift, wards, shares)
    return joint / joint.sum(axis=1, keepdims=True)


def place_name(profile: Profile) -> str:
    """The constituency's name without a trailing note in brackets ("X (fictional composite)" -> "X")."""
    return profile.constituency.name.split(" (")[0]


def story_day(model: "PopulationModel") -> dt.date:
    """"Today" in the scenario: eight weeks into the campaign (or two weeks before the vote)."""
    calendar = model.profile.calendar
    return min(calendar.campaign_start + dt.timedelta(days=56), calendar.election_day - dt.timedelta(days=14))


def debate_day(model: "PopulationModel") -> dt.date:
    """The candidates' debate: about six weeks into the campaign, a week before "today"."""
    return min(model.profile.calendar.campaign_start + dt.timedelta(days=45), story_day(model) - dt.timedelta(days=7))


def issue_affinity(issue_position: np.ndarray, ages: np.ndarray, rural: np.ndarray) -> np.ndarray:
    """How strongly an issue appeals, by age and setting: a fixed pattern shared by the survey and the ads.

    Arrays broadcast: pass issue positions (0 = first issue in the profile) and
    ages / rural flags of matching or broadcastable shapes.
    """
    position = np.asarray(issue_position, dtype=float)
    age_slope = 0.6 * np.cos(position * 2.1)  # per 20 years above 45
    rural_shift = 0.6 * np.sin(position * 1.7 + 0.5)
    return age_slope * (np.asarray(ages, dtype=float) - 45) / 20 + rural_shift * np.asarray(rural, dtype=float)


# ----------------------------------------------------------------------------- people


def draw_band_ages(model: PopulationModel, rng: np.random.Generator, n: int) -> np.ndarray:
    """Ages on election day: a band by the profile's shares, then a year within it."""
    band = rng.choice(len(model.band_share), size=n, p=model.band_share)
    low, high = model.band_low[band], model.band_high[band]
    closed = low + np.floor(rng.random(n) * (high - low + 1)).astype(np.int64)
    # Open top band: fewer people at each older age (triangular density).
    open_ages = np.floor(rng.triangular(0, 0, OPEN_BAND_SPAN, size=n)).astype(np.int64) + low
    return np.where(model.band_open[band], open_ages, closed)


def draw_birth_days(model: PopulationModel, rng: np.random.Generator, ages: np.ndarray) -> np.ndarray:
    """Birth dates (day numbers) consistent with the given ages on election day."""
    election = day_number(model.election_day)
    return election - np.round(ages * 365.2425).astype(np.int64) - rng.integers(1, 365, size=ages.shape[0])


def draw_registration_days(model: PopulationModel, rng: np.random.Generator, dob: np.ndarray) -> np.ndarray:
    """The day each voter registered: some time after turning 18, before the deadline."""
    deadline = day_number(model.registration_deadline)
    eligible_from = np.maximum(dob + 6575, model.register_floor)
    delay = np.round(rng.exponential(420, size=dob.shape[0])).astype(np.int64)
    registered = eligible_from + delay
    late = registered > deadline
    spread = np.maximum(deadline - eligible_from, 1)
    registered = np.where(late, eligible_from + np.floor(rng.random(dob.shape[0]) * spread).astype(np.int64), registered)
    # Pre-registered just before the deadline if they turn 18 after it.
    return np.minimum(registered, deadline - rng.integers(0, 45, size=dob.shape[0]))


def band_index(model: PopulationModel, ages: np.ndarray) -> np.ndarray:
    """The profile age band of each age, or -1 below the first band."""
    index = np.searchsorted(model.band_low, ages, side="right") - 1
    return np.where(ages < model.band_low[0], -1, index)


def eligible_in(model: PopulationModel, election: Election, dob: np.ndarray, registered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Who could vote in a past election (registered by then and 18+), and their band then."""
    return eligible_on(model, election.date, dob, registered)


def eligible_on(model, date: dt.date, dob: np.ndarray, registered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Who could vote on ``date`` (registered by then and 18+), and their age band then."""
    age_then = age_on(dob, date)
    eligible = (registered <= day_number(date)) & (age_then >= 18)
    return eligible, band_index(model, age_then)
