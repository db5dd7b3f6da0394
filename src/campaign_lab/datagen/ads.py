"""The campaign's ads library: spend, reach by audience, theme, and AI use and disclosure."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from campaign_lab.datagen._common import day_number, rng_for, to_dates
from campaign_lab.datagen.model import PopulationModel, issue_affinity, story_day

N_ADS = 48
PLATFORMS = ("Facebook", "Instagram", "YouTube", "Google Search")
#: Reach grows with spend but ever more slowly: impressions = scale * spend ** RETURNS_EXPONENT.
RETURNS_EXPONENT = 0.62
AI_SHARE = 0.4
UNDISCLOSED_AI_SHARE = 0.18  # of AI-made ads: the planted compliance gap
MISSING_SPONSOR_ADS = 2


def audiences(model: PopulationModel) -> list[tuple[str, int, str]]:
    """Audience segments: (label, index of the age band, setting)."""
    return [(f"{band.band} {setting}", index, setting) for index, band in enumerate(model.profile.population.age_bands) for setting in ("urban", "rural")]


def ads_tables(model: PopulationModel) -> tuple[pa.Table, pa.Table]:
    """Return (ads, ad_audiences)."""
    rng = rng_for(model.seed, "ads")
    profile = model.profile
    theme = rng.integers(0, len(profile.issues), N_ADS)
    ai_made = rng.random(N_ADS) < AI_SHARE
    disclosed = ai_made & (rng.random(N_ADS) >= UNDISCLOSED_AI_SHARE)
    if ai_made.any() and disclosed[ai_made].all():
        disclosed[np.flatnonzero(ai_made)[0]] = False  # at least one gap to find
    sponsor = np.full(N_ADS, f"Paid for by the {profile.candidate.name} campaign", dtype=object)
    sponsor[rng.choice(N_ADS, MISSING_SPONSOR_ADS, replace=False)] = None
    start = day_number(profile.calendar.campaign_start) + rng.integers(0, 40, N_ADS)
    end = np.minimum(start + rng.integers(7, 28, N_ADS), day_number(story_day(model)))
    audience_rows = _audience_rows(model, rng, theme)
    totals = {key: np.bincount(audience_rows["ad"], weights=audience_rows[key], minlength=N_ADS) for key in ("spend", "impressions", "clicks")}
    ads = pa.table(
        {
            "ad_id": [f"AD{i:03d}" for i in range(1, N_ADS + 1)],
            "platform": np.array(PLATFORMS, dtype=object)[rng.integers(0, len(PLATFORMS), N_ADS)],
            "theme": np.array(profile.issues, dtype=object)[theme],
            "language": np.array([language.code for language in profile.languages], dtype=object)[rng.choice(len(profile.languages), N_ADS, p=model.language_share)],
            "start_date": pa.array(to_dates(start)),
            "end_date": pa.array(to_dates(np.maximum(end, start + 1))),
            "spend": np.round(totals["spend"], 2),
            "impressions": totals["impressions"].astype(np.int64),
            "clicks": totals["clicks"].astype(np.int64),
            "ai_generated": ai_made,
            "ai_disclosed": disclosed,
            "sponsor_label": pa.array(sponsor, pa.string()),
        }
    )
    return ads, _audience_table(model, audience_rows)


def _audience_rows(model: PopulationModel, rng, theme: np.ndarray) -> dict[str, np.ndarray]:
    """Spend per (ad, audience); reach with diminishing returns; clicks by theme-audience fit."""
    segments = audiences(model)
    n_seg = len(segments)
    ad = np.repeat(np.arange(theme.shape[0]), n_seg)
    segment = np.tile(np.arange(n_seg), theme.shape[0])
    typical = model.profile.money.typical_gift * 8
    spend = np.round(typical * rng.gamma(1.2, 1.0, ad.shape[0]), 2)
    scale = 180 * (typical ** (1 - RETURNS_EXPONENT)) * rng.uniform(0.8, 1.2, ad.shape[0])
    impressions = np.floor(scale * spend**RETURNS_EXPONENT)
    clicks = rng.binomial(impressions.astype(np.int64), _click_rate(model, theme[ad], segment))
    return {"ad": ad, "segment": segment, "spend": spend, "impressions": impressions, "clicks": clicks}


def _click_rate(model: PopulationModel, theme: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Messages land better with the audiences that rank their theme highly (same pattern as the survey)."""
    segments = audiences(model)
    middle_age = np.array([(model.band_low[i] + min(model.band_high[i], model.band_low[i] + 15)) / 2 for _, i, _ in segments])[segment]
    rural = np.array([setting == "rural" for *_, setting in segments])[segment]
    return np.clip(0.012 * np.exp(issue_affinity(theme, middle_age, rural)), 0.001, 0.08)


def _audience_table(model: PopulationModel, rows: dict[str, np.ndarray]) -> pa.Table:
    labels = np.array([label for label, *_ in audiences(model)], dtype=object)
    return pa.table(
        {
            "ad_id": np.array([f"AD{i:03d}" for i in range(1, N_ADS + 1)], dtype=object)[rows["ad"]],
            "audience": labels[rows["segment"]],
            "spend": rows["spend"],
            "impressions": rows["impressions"].astype(np.int64),
            "clicks": rows["clicks"].astype(np.int64),
        }
    )

