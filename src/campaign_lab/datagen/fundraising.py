"""Donors, their gift history, and an e-mail A/B test of two fundraising appeals."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from campaign_lab.datagen._common import day_number, rng_for, to_dates
from campaign_lab.datagen.model import PopulationModel, place_name, story_day
from campaign_lab.datagen.voters import VoterPass, voter_id

#: Share of large donors whose gifts this cycle go over the legal limit (planted for module 5).
OVER_LIMIT_SHARE = 0.04

#: E-mail test: open rate, click rate among openers, gift rate among clickers, per variant.
EMAIL_RATES = {"A": (0.21, 0.14, 0.22), "B": (0.26, 0.135, 0.22)}


def donor_tables(model: PopulationModel, voters: VoterPass) -> tuple[pa.Table, pa.Table]:
    """Return (donors, gifts). Small and large donors differ in age, sex, frequency, size and channel."""
    rng = rng_for(model.seed, "donors")
    sample = voters.donors
    n = sample["voter_number"].shape[0]
    large = rng.random(n) < np.clip(0.1 + 0.006 * (sample["age"] - 30), 0.04, 0.45) * np.where(sample["women"], 0.6, 1.0)
    donors = pa.table(
        {
            "donor_id": [f"D{i:05d}" for i in range(1, n + 1)],
            "voter_id": voter_id(sample["voter_number"]),
            "recruited_via": np.where(large, _pick(rng, ["event", "phone", "online"], [0.6, 0.25, 0.15], n), _pick(rng, ["online", "event", "phone"], [0.75, 0.15, 0.1], n)),
            "email_opt_in": rng.random(n) < np.where(large, 0.55, 0.85),
        }
    )
    return donors, _gifts(model, rng, large)


def _pick(rng, options: list[str], weights: list[float], n: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.choice(len(options), size=n, p=weights)]


def _gifts(model: PopulationModel, rng, large: np.ndarray) -> pa.Table:
    money = model.profile.money
    typical, limit = money.typical_gift, money.donation_limit.amount
    n = large.shape[0]
    counts = np.where(large, 1 + rng.poisson(0.9, n), 1 + rng.poisson(4.5, n))
    donor = np.repeat(np.arange(n), counts)
    is_large = large[donor]
    size = counts.sum()
    end = day_number(story_day(model))
    cycle_start = day_number(model.profile.calendar.campaign_start) - 365
    day = end - np.floor(rng.power(0.6, size) * 730).astype(np.int64)  # more gifts close to the election
    small_amount = np.round(typical * rng.lognormal(-0.3, 0.55, size))
    large_amount = np.minimum(np.round(typical * 25 * rng.lognormal(0, 0.6, size) / 50) * 50, limit)
    amount = np.maximum(np.where(is_large, large_amount, small_amount), 1)
    this_cycle = day >= cycle_start
    amount = _keep_within_limit(amount, donor, this_cycle, limit, n)
    amount = _push_over_limit(rng, amount, donor, large, this_cycle, limit)
    amount = _over_only_with_earlier_cycles(rng, amount, donor, large, this_cycle, limit)
    phone_giving = "mobile money" if model.profile.country.code == "KE" else "text to give"
    large_channels = _pick(rng, ["bank transfer", "cheque", "online"], [0.5, 0.3, 0.2], size)
    small_channels = _pick(rng, ["online", phone_giving, "cash at event"], [0.7, 0.2, 0.1], size)
    channel = np.where(is_large, large_channels, small_channels)
    order = np.lexsort((donor, day))
    return pa.table(
        {
            "gift_id": [f"G{i:06d}" for i in range(1, size + 1)],
            "donor_id": np.array([f"D{i:05d}" for i in range(1, n + 1)], dtype=object)[donor[order]],
            "date": pa.array(to_dates(day[order])),
            "amount": amount[order],
            "currency": np.full(size, money.currency, dtype=object),
            "channel": channel[order],
            "recurring": (~is_large & (rng.random(size) < 0.3))[order],
        }
    )


def _keep_within_limit(amount, donor, this_cycle, limit, n) -> np.ndarray:
    """Scale down each donor's gifts this cycle so that their total stays within the legal limit."""
    totals = np.bincount(donor, weights=np.where(this_cycle, amount, 0), minlength=n)
    factor = np.minimum(1.0, 0.95 * limit / np.maximum(totals, 1))
    scaled = np.where(this_cycle, np.floor(amount * factor[donor]), amount)
    return np.maximum(scaled, 1)


def _push_over_limit(rng, amount, donor, large, this_cycle, limit) -> np.ndarray:
    """Give a few large donors one extra-large gift so their total this cycle exceeds the limit."""
    candidates = np.flatnonzero(large)
    k = max(1, int(round(OVER_LIMIT_SHARE * candidates.size))) if candidates.size else 0
    for chosen in rng.choice(candidates, size=min(k, candidates.size), replace=False):
        gifts = np.flatnonzero((donor == chosen) & this_cycle)
        if gifts.size:
            amount[gifts[-1]] = np.ceil(limit * rng.uniform(1.1, 1.6) / 50) * 50
    return amount


def _over_only_with_earlier_cycles(rng, amount, donor, large, this_cycle, limit) -> np.ndarray:
    """Give a few large donors within the limit this cycle one bigger gift in an earlier cycle.

    Their total over all time goes over the limit, though nothing this cycle does: module 5's
    question on the limit then tells counting this cycle from counting every gift, in every profile.
    """
    n = large.shape[0]
    cycle_totals = np.bincount(donor, weights=np.where(this_cycle, amount, 0), minlength=n)
    earlier = np.bincount(donor, weights=~this_cycle, minlength=n) > 0
    candidates = np.flatnonzero(large & earlier & (cycle_totals > 0) & (cycle_totals <= limit))
    k = max(1, int(round(OVER_LIMIT_SHARE * candidates.size))) if candidates.size else 0
    for chosen in rng.choice(candidates, size=min(k, candidates.size), replace=False):
        gifts = np.flatnonzero((donor == chosen) & ~this_cycle)
        others = amount[gifts].sum() - amount[gifts[0]]
        needed = limit - cycle_totals[chosen] - others + 0.1 * limit
        amount[gifts[0]] = min(limit, max(amount[gifts[0]], np.ceil(needed / 50) * 50))
    return amount


def email_test_table(model: PopulationModel, voters: VoterPass) -> pa.Table:
    """One row per recipient of the A/B test: variant, opened, clicked, gave, amount."""
    rng = rng_for(model.seed, "email-test")
    sample = voters.email_test
    n = sample["voter_number"].shape[0]
    variant = np.where(rng.random(n) < 0.5, "A", "B")
    lift = np.exp(0.25 * (sample["support_score"] - sample["support_score"].mean())) if n else np.ones(0)
    rates = np.array([EMAIL_RATES[v] for v in variant]).reshape(n, 3)
    opened = rng.random(n) < np.clip(rates[:, 0] * lift, 0, 0.95)
    clicked = opened & (rng.random(n) < np.clip(rates[:, 1] * lift, 0, 0.95))
    gave = clicked & (rng.random(n) < rates[:, 2])
    amount = np.where(gave, np.maximum(np.round(model.profile.money.typical_gift * rng.lognormal(-0.1, 0.5, n)), 1), 0.0)
    subjects = email_subjects(model)
    return pa.table(
        {
            "recipient_id": [f"E{i:05d}" for i in range(1, n + 1)],
            "voter_id": voter_id(sample["voter_number"]),
            "variant": variant,
            "subject": np.where(variant == "A", subjects["A"], subjects["B"]),
            "sent_date": pa.array(to_dates(np.full(n, day_number(story_day(model)) - 7))),
            "opened": opened,
            "clicked": clicked,
            "gave": gave,
            "amount": amount,
        }
    )


def email_subjects(model: PopulationModel) -> dict[str, str]:
    """The two appeals: A names an issue and asks plainly; B invents a deadline (false urgency)."""
    profile = model.profile
    first = profile.candidate.name.split()[0]
    place = place_name(profile)
    if profile.languages[0].code == "es":
        return {
            "A": f"{first}: {profile.issues_in('es')[0]} para {place}. ¿Nos ayudas con una aportación?",
            "B": "URGENTE: el plazo cierra a medianoche y vamos perdiendo",
        }
    return {
        "A": f"{first}: {profile.issues[0]} for {place}. Can you chip in?",
        "B": "URGENT: midnight deadline and we are falling behind",
    }
