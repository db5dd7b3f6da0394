"""The voter file: generated chunk by chunk, with vectorised numpy and Arrow string kernels.

Each chunk depends only on the seed, the profile and its first row number, so
memory stays flat however many voters you ask for. While chunks stream to disk,
small samples for the linked tables (survey, donors, e-mail test) and per-ward
totals are collected on the side.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from campaign_lab.datagen import calibration
from campaign_lab.datagen import model as m
from campaign_lab.datagen._common import (
    age_on,
    ascii_slug,
    chunk_quota,
    day_number,
    rng_for,
    street_word_first,
    to_dates,
    top_k_weighted,
)
from campaign_lab.resources import usable_cpus

CHUNK_ROWS = 100_000

#: Planted data-quality problems (share of rows), documented in datasets/cards/voters.md.
DUPLICATE_RATE = 0.006
WARD_SPELLING_RATE = 0.015
MISSING_WARD_RATE = 0.003
MISSING_SEX_RATE = 0.003
MISSING_BIRTH_DATE_RATE = 0.004
IMPOSSIBLE_AGE_RATE = 0.0015
DO_NOT_CONTACT_RATE = 0.03
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

HIDDEN = ("ward", "community", "age", "women", "support_score", "support", "top_issue", "undecided", "has_email", "voted_last")


@dataclass
class VoterChunk:
    """One chunk of the voter file plus the hidden truths the linked tables need."""

    table: pa.Table
    hidden: dict[str, np.ndarray]
    quality: dict[str, int]


def _text(parts: list) -> pa.Array:
    """Join Arrow string arrays and plain strings element-wise."""
    return pc.binary_join_element_wise(*parts, "")


def _fixed_text(*parts) -> pa.Array:
    """Equal-length strings from plain text and whole numbers, as ``(values, width)`` zero-padded, built as bytes.

    Much faster than joining Arrow strings: ``_fixed_text("V", (numbers, 8))``
    gives ``V00000001``, ``V00000002``, ...
    """
    columns = []
    for part in parts:
        if isinstance(part, str):
            columns.append(np.frombuffer(part.encode("ascii"), dtype=np.uint8)[None, :])
        else:
            values, width = part
            powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
            columns.append((np.asarray(values, dtype=np.int64)[:, None] // powers % 10 + 48).astype(np.uint8))
    n = max(column.shape[0] for column in columns)
    matrix = np.hstack([np.broadcast_to(column, (n, column.shape[1])) for column in columns])
    offsets = np.arange(0, matrix.size + 1, matrix.shape[1], dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(matrix)))


def _take(vocabulary: list[str], index: np.ndarray) -> pa.Array:
    return pa.array(vocabulary, pa.string()).take(pa.array(index))


def _null_where(array: pa.Array, missing: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(missing), pa.scalar(None, array.type), array)


class _Vocab:
    """Name vocabularies from the profile, in display form and e-mail form."""

    def __init__(self, profile):
        names = profile.names
        self.first = list(names.men) + list(names.women)
        self.n_men = len(names.men)
        self.n_women = len(names.women)
        self.last = list(names.surnames)
        self.first_ascii = [ascii_slug(name) for name in self.first]
        self.last_ascii = [ascii_slug(name, "-") for name in self.last]
        self.streets = list(names.streets)
        self.street_word = names.street_word
        self.word_first = street_word_first(names.street_word)


def _ward_variants(ward_names: list[str]) -> list[str]:
    """Four misspellings per ward, as a tired data-entry clerk would type them."""
    variants = []
    for name in ward_names:
        typo = name[:-2] + name[-1] if len(name) > 3 else name + name[-1]
        variants += [name.lower(), name.upper(), name + " ", typo]
    return variants


def generate_chunk(model: m.PopulationModel, vocab: _Vocab, start: int, n: int) -> VoterChunk:
    """Generate rows ``start`` to ``start + n`` of the voter file."""
    rng = rng_for(model.seed, "voters", start)
    people = _draw_people(model, vocab, rng, n)
    duplicates = _plant_duplicates(rng, people, n)
    registered = m.draw_registration_days(model, rng, people["dob"])
    flaws = _draw_flaws(model, rng, people)
    sex = np.where(flaws["missing_sex"], 2, people["women"])
    seen = calibration.seen_cells(model.band_low, model.elections[model.turnout_index].date, flaws["dob"], flaws["missing_dob"], sex)
    votes, eligible = _draw_votes(model, rng, people, registered, seen)
    contact = _draw_contacts(model, rng, people, registered, votes)
    support = _draw_support(model, rng, people)
    table, quality = _assemble(model, vocab, rng, start, people, flaws, registered, votes, eligible, contact)
    quality["duplicates"] = int(duplicates)
    hidden = {
        "ward": people["ward"],
        "community": people["community"],
        "age": people["age"],
        "women": people["women"],
        "has_email": people["has_email"],
        "voted_last": votes[-1] & eligible[-1],
        "seen_cell": np.where(eligible[model.turnout_index], seen, -1),
        "voted_cited": votes[model.turnout_index],
        **support,
    }
    return VoterChunk(table=table, hidden=hidden, quality=quality)


def _draw_people(model, vocab: _Vocab, rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    ages = m.draw_band_ages(model, rng, n)
    dob = m.draw_birth_days(model, rng, ages)
    women = rng.random(n) < model.profile.population.sex.women
    ward = rng.choice(len(model.ward_names), size=n, p=model.ward_share)
    cumulative = np.cumsum(model.community_given_ward, axis=1)[ward]
    community = np.minimum((rng.random(n)[:, None] > cumulative).sum(axis=1), cumulative.shape[1] - 1)
    first = np.where(women, vocab.n_men + rng.integers(0, vocab.n_women, n), rng.integers(0, vocab.n_men, n))
    return {
        "age": age_on(dob, model.election_day),
        "dob": dob,
        "women": women,
        "ward": ward,
        "community": community,
        "first": first,
        "last": rng.integers(0, len(vocab.last), n),
        "house": 1 + np.floor(rng.pareto(1.2, n) * 20).astype(np.int64) % 400,
        "street": rng.integers(0, len(vocab.streets), n),
        "phone": rng.integers(0, 100, n),
        "extension": rng.integers(0, 10_000, n),
        "has_phone": rng.random(n) < np.clip(0.62 + 0.003 * (ages - 18), 0, 0.9),
        "has_email": rng.random(n) < np.clip(0.88 - 0.009 * (ages - 18), 0.12, 0.9),
        "email_number": rng.integers(1, 100, n),
        "email_domain": rng.integers(0, len(EMAIL_DOMAINS), n),
        "language": rng.choice(len(model.languages), size=n, p=model.language_share),
    }


def _plant_duplicates(rng: np.random.Generator, people: dict[str, np.ndarray], n: int) -> int:
    """Copy one person's details onto a few other rows: the same voter registered twice."""
    targets = np.flatnonzero(rng.random(n) < DUPLICATE_RATE)
    if n < 2 or targets.size == 0:
        return 0
    sources = (targets + 1 + rng.integers(0, n - 1, targets.size)) % n
    for key in ("age", "dob", "women", "ward", "community", "first", "last", "house", "street", "phone", "extension", "has_phone", "has_email", "email_number", "email_domain", "language"):
        people[key][targets] = people[key][sources]
    return int(targets.size)


def _draw_flaws(model, rng: np.random.Generator, people) -> dict[str, np.ndarray]:
    """Birth dates and sexes as the register records them: a few missing, a few impossible (planted)."""
    n = people["age"].shape[0]
    impossible = rng.random(n) < IMPOSSIBLE_AGE_RATE
    dob = people["dob"].copy()
    dob[impossible] = _impossible_birth_days(model, rng, int(impossible.sum()))
    return {
        "dob": dob,
        "impossible": impossible,
        "missing_dob": (rng.random(n) < MISSING_BIRTH_DATE_RATE) & ~impossible,
        "missing_sex": rng.random(n) < MISSING_SEX_RATE,
    }


def _draw_votes(model, rng: np.random.Generator, people, registered, seen) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Turnout in each past election: exact quotas per (age band, sex) cell, filled by propensity.

    Module 04 relies on the pattern inside each cell: voters with a higher
    hidden habit (lower in underserved wards and communities) vote first, so the
    same people tend to vote every time and past contact tracks past turnout.
    """
    habit = rng.standard_normal(people["age"].shape[0])
    habit -= 0.45 * model.ward_underserved[people["ward"]]
    if len(model.community_names) > 1:
        habit -= 0.45 * model.community_underserved[people["community"]]
    votes, eligibility = [], []
    for index, election in enumerate(model.elections):
        eligible, bands = m.eligible_in(model, election, people["dob"], registered)
        if index == model.turnout_index:  # the cited election: rake on this chunk's voters, as the file shows them
            cell = seen
            shape = (len(model.band_low) + 1, 3)
            rates = calibration.cell_rates(model.profile, np.bincount(cell[eligible], minlength=shape[0] * shape[1]).reshape(shape))
        else:
            cell = bands * 2 + people["women"]
            rates = np.clip(model.cell_turnout * election.relative_turnout, 0.02, 0.98)
        score = habit + 0.6 * rng.standard_normal(habit.shape[0])
        votes.append(_fill_quotas(rng, eligible, cell, rates.ravel(), score))
        eligibility.append(eligible)
    return votes, eligibility


def _fill_quotas(rng, eligible, cell, rates, score) -> np.ndarray:
    """Mark as voted the highest-scoring voters in each cell, up to the cell's turnout quota."""
    cell = np.where(eligible, cell, -1)
    counts = np.bincount(cell[eligible], minlength=rates.shape[0])
    expected = counts * rates
    quota = np.floor(expected + rng.random(rates.shape[0])).astype(np.int64)
    order = np.argsort(cell * 100.0 - np.clip(score, -49, 49))  # by cell, then highest score first
    sorted_cell = cell[order]
    starts = np.searchsorted(sorted_cell, np.arange(rates.shape[0]))
    valid = sorted_cell >= 0
    rank = np.arange(cell.shape[0]) - starts[np.where(valid, sorted_cell, 0)]
    voted_sorted = valid & (rank < quota[np.where(valid, sorted_cell, 0)])
    voted = np.zeros(cell.shape[0], dtype=bool)
    voted[order] = voted_sorted
    return voted


def _draw_contacts(model, rng, people, registered, votes) -> dict[str, np.ndarray]:
    """Contact in the last campaign: rarer in underserved wards and communities (planted)."""
    n = people["age"].shape[0]
    last = model.elections[-1]
    on_file = registered <= day_number(last.date)
    rate = np.full(n, m.BASE_CONTACT_RATE)
    rate *= np.where(model.ward_underserved[people["ward"]], m.UNDERSERVED_WARD_CONTACT, 1.0)
    if len(model.community_names) > 1:
        rate *= np.where(model.community_underserved[people["community"]], m.UNDERSERVED_COMMUNITY_CONTACT, 1.0)
    previous = votes[-2] if len(votes) > 1 else votes[-1]
    rate *= np.where(previous, 1.3, 0.75)  # campaigns chase habitual voters
    contacted = on_file & (rng.random(n) < np.clip(rate, 0, 0.95))
    return {
        "count": np.where(contacted, 1 + rng.poisson(0.8, n), 0),
        "channel": rng.choice(4, size=n, p=[0.35, 0.3, 0.25, 0.1]),
        "day": day_number(last.date) - rng.integers(1, 75, n),
        "contacted": contacted,
    }


def _draw_support(model, rng, people) -> dict[str, np.ndarray]:
    """Hidden opinions: top issue and support (1-5) depend on age, sex, setting and issue (planted)."""
    n = people["age"].shape[0]
    ages = people["age"].astype(float)
    rural = model.ward_rural[people["ward"]]
    top_issue = _draw_top_issue(model, rng, ages, rural)
    score = (
        model.issue_support[top_issue]
        + m.SUPPORT_AGE_SLOPE * (ages - 40)
        + m.SUPPORT_WOMEN * people["women"]
        + m.SUPPORT_URBAN * np.where(rural, -1.0, 1.0)
        + m.SUPPORT_NOISE * rng.standard_normal(n)
    )
    if len(model.community_names) > 1:
        score += m.SUPPORT_UNDERSERVED_COMMUNITY * model.community_underserved[people["community"]]
    support = 1 + np.searchsorted(m.SUPPORT_CUTS, score)
    undecided_chance = np.select([support == 3, (support == 2) | (support == 4)], [0.6, 0.15], 0.03)
    return {
        "support_score": score,
        "support": support,
        "top_issue": top_issue,
        "undecided": rng.random(n) < undecided_chance,
    }


def _draw_top_issue(model, rng, ages: np.ndarray, rural: np.ndarray) -> np.ndarray:
    """Each voter's top issue: earlier issues in the profile are commoner; appeal shifts with age and setting."""
    position = np.arange(len(model.issues))
    logits = np.log(1.0 / (1.0 + 0.25 * position))[None, :] + m.issue_affinity(position[None, :], ages[:, None], rural[:, None])
    return np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)


def _assemble(model, vocab: _Vocab, rng, start, people, flaws, registered, votes, eligible, contact) -> tuple[pa.Table, dict[str, int]]:
    """Build the Arrow table (strings via Arrow kernels) and plant the remaining data problems."""
    n = people["age"].shape[0]
    dob, impossible, missing_dob, missing_sex = flaws["dob"], flaws["impossible"], flaws["missing_dob"], flaws["missing_sex"]
    age = age_on(dob, model.election_day)

    ward_clean = _take(model.ward_names, people["ward"])
    misspelt = rng.random(n) < WARD_SPELLING_RATE
    variants = _take(_ward_variants(model.ward_names), people["ward"] * 4 + rng.integers(0, 4, n))
    missing_ward = (rng.random(n) < MISSING_WARD_RATE) & ~misspelt
    ward = _null_where(pc.if_else(pa.array(misspelt), variants, ward_clean), missing_ward)

    first = _take(vocab.first, people["first"])
    last = _take(vocab.last, people["last"])
    columns = {
        "voter_id": _fixed_text("V", (np.arange(start + 1, start + n + 1), 8)),
        "first_name": first,
        "last_name": last,
        "date_of_birth": _null_where(pa.array(to_dates(dob)), missing_dob),
        "age": pa.array(age, mask=missing_dob),
        "sex": _null_where(pa.array(np.where(people["women"], "F", "M")), missing_sex),
        "address": _address(vocab, people, ward_clean),
        "ward": ward,
        "phone": _null_where(_fixed_text("555-01", (people["phone"], 2), " x", (people["extension"], 4)), ~people["has_phone"]),
        "email": _null_where(_email(vocab, people), ~people["has_email"]),
        "community": _community_column(model, people),
        "registration_date": pa.array(to_dates(registered)),
    }
    for election, voted, can_vote in zip(model.elections, votes, eligible, strict=True):
        columns[election.column] = pa.array(voted, mask=~can_vote)
    contacted = contact["contacted"]
    columns["contacts_last_campaign"] = pa.array(contact["count"], pa.int16())
    columns["last_contact_date"] = pa.array(to_dates(contact["day"]), mask=~contacted)
    columns["last_contact_channel"] = _null_where(_take(["door", "phone", "text", "email"], contact["channel"]), ~contacted)
    columns["preferred_language"] = _take(model.languages, people["language"])
    columns["preferred_channel"] = _take(list(m.CHANNELS), _draw_channels(rng, people["age"]))
    columns["do_not_contact"] = pa.array(rng.random(n) < DO_NOT_CONTACT_RATE)
    quality = {
        "misspelt_wards": int(misspelt.sum()),
        "missing_wards": int(missing_ward.sum()),
        "missing_sex": int(missing_sex.sum()),
        "missing_birth_dates": int(missing_dob.sum()),
        "impossible_ages": int(impossible.sum()),
    }
    return pa.table(columns), quality


def _impossible_birth_days(model, rng, k: int) -> np.ndarray:
    """Typing errors in the birth date: 1900-01-01 placeholders, future dates, toddlers."""
    election = day_number(model.election_day)
    kinds = rng.integers(0, 3, k)
    placeholder = np.full(k, day_number(dt.date(1900, 1, 1)))
    future = election + rng.integers(200, 3000, k)
    toddler = election - rng.integers(365, 5 * 365, k)
    return np.choose(kinds, [placeholder, future, toddler])


def _address(vocab: _Vocab, people, ward: pa.Array) -> pa.Array:
    number = pc.cast(pa.array(people["house"]), pa.string())
    street = _take(vocab.streets, people["street"])
    if vocab.word_first:
        return _text([vocab.street_word + " ", street, " ", number, ", ", ward])
    return _text([number, " ", street, " " + vocab.street_word + ", ", ward])


def _email(vocab: _Vocab, people) -> pa.Array:
    first = _take(vocab.first_ascii, people["first"])
    last = _take(vocab.last_ascii, people["last"])
    number = pc.cast(pa.array(people["email_number"]), pa.string())
    domain = _take(list(EMAIL_DOMAINS), people["email_domain"])
    return _text([first, ".", last, number, "@", domain])


def _community_column(model, people) -> pa.Array:
    if not model.community_names:
        return pa.nulls(people["age"].shape[0], pa.string())
    return _take(model.community_names, people["community"])


def _draw_channels(rng, ages: np.ndarray) -> np.ndarray:
    weight_old = np.clip((ages - 18) / 62, 0, 1)[:, None]
    mix = (1 - weight_old) * m.CHANNEL_MIX_YOUNG[None, :] + weight_old * m.CHANNEL_MIX_OLD[None, :]
    cumulative = np.cumsum(mix, axis=1)
    return np.minimum((rng.random(ages.shape[0])[:, None] > cumulative).sum(axis=1), len(m.CHANNELS) - 1)


# ----------------------------------------------------------------------------- side samples


@dataclass
class SampleSizes:
    """How many survey respondents, donors and e-mail recipients to draw for ``n`` voters."""

    survey: int
    donors: int
    email_test: int

    @classmethod
    def for_voters(cls, n: int) -> "SampleSizes":
        return cls(
            survey=min(2400, max(50, n // 8)),
            donors=min(5000, max(30, n // 25)),
            email_test=min(12000, max(40, n // 2)),
        )


@dataclass
class VoterPass:
    """What the voter pass leaves behind for the linked tables."""

    n: int
    ward_totals: dict[str, np.ndarray]
    survey: dict[str, np.ndarray]
    donors: dict[str, np.ndarray]
    email_test: dict[str, np.ndarray]
    #: Eligible voters and voters in the cited election, by (band, sex) cell as the file shows them.
    cited_cells: dict[str, np.ndarray]
    quality: dict[str, int] = field(default_factory=dict)


class _Collector:
    """Gathers samples of voters, chunk by chunk, in memory bounded by the sample sizes."""

    def __init__(self, model: m.PopulationModel, n: int):
        self.model = model
        self.n = n
        self.sizes = SampleSizes.for_voters(n)
        wards, elections = len(model.ward_names), len(model.elections)
        self.totals = {
            "voters": np.zeros(wards),
            "women": np.zeros(wards),
            "age_histogram": np.zeros((wards, 121)),
            "support_score": np.zeros(wards),
            "eligible": np.zeros((wards, elections)),
            "voted": np.zeros((wards, elections)),
        }
        cells = (len(model.band_low) + 1) * 3
        self.cited = {"eligible": np.zeros(cells), "voted": np.zeros(cells)}
        self.parts = {"survey": [], "donors": [], "email_test": []}
        self.quality: dict[str, int] = {}

    def add(self, chunk: VoterChunk, start: int, voted: list[np.ndarray], eligible: list[np.ndarray]) -> None:
        hidden = chunk.hidden
        ward = hidden["ward"]
        self.totals["voters"] += np.bincount(ward, minlength=len(self.totals["voters"]))
        self.totals["women"] += np.bincount(ward, weights=hidden["women"], minlength=len(self.totals["women"]))
        np.add.at(self.totals["age_histogram"], (ward, np.clip(hidden["age"], 0, 120)), 1)
        self.totals["support_score"] += np.bincount(ward, weights=hidden["support_score"], minlength=len(self.totals["voters"]))
        for index, (votes, can_vote) in enumerate(zip(voted, eligible, strict=True)):
            self.totals["eligible"][:, index] += np.bincount(ward, weights=can_vote, minlength=len(self.totals["voters"]))
            self.totals["voted"][:, index] += np.bincount(ward, weights=votes & can_vote, minlength=len(self.totals["voters"]))
        seen = hidden["seen_cell"]
        counted = seen >= 0
        self.cited["eligible"] += np.bincount(seen[counted], minlength=self.cited["eligible"].size)
        self.cited["voted"] += np.bincount(seen[counted], weights=hidden["voted_cited"][counted], minlength=self.cited["voted"].size)
        for key, value in chunk.quality.items():
            self.quality[key] = self.quality.get(key, 0) + value
        stop = start + chunk.table.num_rows
        rng = rng_for(self.model.seed, "samples", start)
        ids = np.arange(start + 1, stop + 1)
        self._sample("survey", rng, ids, hidden, self._survey_weights(hidden), chunk_quota(self.sizes.survey, start, stop, self.n))
        self._sample("donors", rng, ids, hidden, self._donor_weights(hidden), chunk_quota(self.sizes.donors, start, stop, self.n))
        self._sample("email_test", rng, ids, hidden, hidden["has_email"].astype(float), chunk_quota(self.sizes.email_test, start, stop, self.n))

    def _survey_weights(self, hidden) -> np.ndarray:
        """Who answers the phone: rural and older voters over-represented (planted sampling bias)."""
        rural = self.model.ward_rural[hidden["ward"]]
        older = np.clip(0.35 + (hidden["age"] - 18) / 35, 0.35, 2.2)
        return np.where(rural, 2.2, 1.0) * older

    def _donor_weights(self, hidden) -> np.ndarray:
        return np.exp(0.9 * hidden["support_score"]) * np.clip((hidden["age"] - 15) / 30, 0.2, 2.0)

    def _sample(self, name, rng, ids, hidden, weights, k) -> None:
        chosen = top_k_weighted(rng, weights, k)
        part = {key: hidden[key][chosen] for key in HIDDEN}
        part["voter_number"] = ids[chosen]
        self.parts[name].append(part)

    def result(self) -> VoterPass:
        def joined(name):
            parts = self.parts[name]
            return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]} if parts else {}

        shape = (len(self.model.band_low) + 1, 3)
        cited = {key: value.reshape(shape) for key, value in self.cited.items()}
        return VoterPass(self.n, self.totals, joined("survey"), joined("donors"), joined("email_test"), cited, self.quality)


def voter_id(numbers: np.ndarray) -> np.ndarray:
    """The voter_id strings for voter numbers (1-based)."""
    return np.char.add("V", np.char.zfill(numbers.astype(str), 8))


def write_voters(model: m.PopulationModel, writer, n: int, progress=None, workers: int | None = None) -> VoterPass:
    """Stream ``n`` voters to ``writer`` chunk by chunk and return the side samples.

    Chunks are independent, so ``workers`` threads (by default the CPUs this
    process may use) build the next ones while this thread writes the last:
    numpy and Arrow release the interpreter lock for their heavy work. At most
    ``workers + 1`` chunks are in memory, and the bytes do not depend on ``workers``.
    """
    vocab = _Vocab(model.profile)
    collector = _Collector(model, n)
    starts = list(range(0, n, CHUNK_ROWS))
    if workers is None:
        workers = usable_cpus() if len(starts) > 1 else 1
    workers = max(1, workers)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="voters") as pool:
        pending = deque()
        for start in starts:
            pending.append((start, pool.submit(generate_chunk, model, vocab, start, min(CHUNK_ROWS, n - start))))
            if len(pending) > workers:
                _take_chunk(model, writer, collector, progress, *pending.popleft())
        while pending:
            _take_chunk(model, writer, collector, progress, *pending.popleft())
    return collector.result()


def _take_chunk(model, writer, collector: _Collector, progress, start: int, future) -> None:
    chunk = future.result()
    writer.write(chunk.table)
    voted = [_as_bool(chunk.table[e.column]) for e in model.elections]
    eligible = [_as_valid(chunk.table[e.column]) for e in model.elections]
    collector.add(chunk, start, voted, eligible)
    if progress is not None:
        progress(chunk.table.num_rows)


def _as_bool(column) -> np.ndarray:
    return pc.fill_null(column, False).to_numpy(zero_copy_only=False)


def _as_valid(column) -> np.ndarray:
    return pc.is_valid(column).to_numpy(zero_copy_only=False)
