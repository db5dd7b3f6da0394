"""Tables built from the voter pass: the survey and the ward aggregates."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from campaign_lab.datagen._common import day_number, rng_for, to_dates
from campaign_lab.datagen.model import PopulationModel
from campaign_lab.datagen.voters import VoterPass, voter_id

SURVEY_MODES = ("phone", "door", "online")
SURVEY_MODE_MIX = (0.6, 0.25, 0.15)


def survey_table(model: PopulationModel, voters: VoterPass) -> pa.Table:
    """One row per respondent: who they are, their top issue and their support (1-5)."""
    sample = voters.survey
    rng = rng_for(model.seed, "survey")
    n = sample["voter_number"].shape[0]
    order = rng.permutation(n)  # interview order, not file order
    sample = {key: value[order] for key, value in sample.items()}
    start = day_number(model.profile.calendar.campaign_start)
    ward = sample["ward"]
    return pa.table(
        {
            "respondent_id": [f"S{i:05d}" for i in range(1, n + 1)],
            "voter_id": voter_id(sample["voter_number"]),
            "interview_date": pa.array(to_dates(start + np.sort(rng.integers(0, 28, n)))),
            "mode": np.array(SURVEY_MODES)[rng.choice(3, size=n, p=SURVEY_MODE_MIX)],
            "age": sample["age"],
            "sex": np.where(sample["women"], "F", "M"),
            "ward": np.array(model.ward_names, dtype=object)[ward],
            "setting": np.where(model.ward_rural[ward], "rural", "urban"),
            "community": _community(model, sample["community"]),
            "top_issue": np.array(model.issues, dtype=object)[sample["top_issue"]],
            "support": pa.array(sample["support"], pa.int8()),
            "undecided": sample["undecided"],
        }
    )


def _community(model: PopulationModel, index: np.ndarray) -> pa.Array:
    if not model.community_names:
        return pa.nulls(index.shape[0], pa.string())
    return pa.array(np.array(model.community_names, dtype=object)[index], pa.string())


def wards_table(model: PopulationModel, voters: VoterPass) -> pa.Table:
    """One row per ward: size, make-up, past turnout and results, coordinates and travel time."""
    totals = voters.ward_totals
    profile = model.profile
    wards = profile.constituency.wards
    count = np.maximum(totals["voters"], 1)
    columns = {
        "ward": [ward.name for ward in wards],
        "setting": [ward.setting for ward in wards],
        "lat": [ward.lat for ward in wards],
        "lon": [ward.lon for ward in wards],
        "registered_voters": totals["voters"].astype(np.int64),
        "share_women": np.round(totals["women"] / count, 4),
        "median_age": _median_from_histogram(totals["age_histogram"]),
    }
    for index, election in enumerate(model.elections):
        eligible = np.maximum(totals["eligible"][:, index], 1)
        columns[f"turnout_{election.date.year}"] = np.round(totals["voted"][:, index] / eligible, 4)
    columns.update(_past_results(model, totals))
    columns["travel_minutes_from_hq"] = _travel_minutes(model)
    return pa.table(columns)


def _median_from_histogram(histogram: np.ndarray) -> np.ndarray:
    cumulative = np.cumsum(histogram, axis=1)
    half = cumulative[:, -1:] / 2
    return (cumulative < half).sum(axis=1).astype(np.int64)


def _past_results(model: PopulationModel, totals) -> dict[str, np.ndarray]:
    """Vote shares in the latest past election: higher for the candidate's party where support runs higher."""
    rng = rng_for(model.seed, "results")
    last = len(model.elections) - 1
    year = model.elections[last].date.year
    mean_score = totals["support_score"] / np.maximum(totals["voters"], 1)
    candidate = np.clip(0.30 + 0.45 * (mean_score - mean_score.mean()) + rng.normal(0, 0.02, mean_score.shape[0]), 0.08, 0.7)
    others = np.full(mean_score.shape[0], 0.04)
    rival_weights = np.array([0.62 / (1 + i) for i in range(len(model.profile.rivals))])
    noise = rng.uniform(0.8, 1.2, (mean_score.shape[0], rival_weights.shape[0]))
    rival_split = rival_weights[None, :] * noise
    rival_split /= rival_split.sum(axis=1, keepdims=True)
    rivals = (1 - candidate - others)[:, None] * rival_split
    columns = {f"votes_cast_{year}": totals["voted"][:, last].astype(np.int64), f"share_candidate_party_{year}": np.round(candidate, 4)}
    for index in range(rivals.shape[1]):
        columns[f"share_rival{index + 1}_party_{year}"] = np.round(rivals[:, index], 4)
    columns[f"share_others_{year}"] = np.round(1 - candidate - rivals.sum(axis=1), 4)
    return columns


def _travel_minutes(model: PopulationModel) -> np.ndarray:
    """Rough minutes by road from the campaign office (in the first ward) to each ward centre."""
    wards = model.profile.constituency.wards
    lat = np.radians([ward.lat for ward in wards])
    lon = np.radians([ward.lon for ward in wards])
    a = np.sin((lat - lat[0]) / 2) ** 2 + np.cos(lat[0]) * np.cos(lat) * np.sin((lon - lon[0]) / 2) ** 2
    km = 2 * 6371 * np.arcsin(np.sqrt(a)) * 1.3  # roads wind: 30% longer than the straight line
    minutes_per_km = np.where(model.ward_rural, 1.4, 2.4)  # town traffic is slower per km
    return np.round(5 + km * minutes_per_km).astype(np.int64)
