"""The core analyses of modules 02-04 on a voter file of any size: pandas, DuckDB or Dask.

Three questions, one function each, with the same answer from every engine:

* :func:`turnout_by_ward_and_age` (module 02): who could vote and who voted at the
  latest election, by ward and age band;
* :func:`segment_counts` (modules 03-04): the support model, fitted on the survey,
  scores every contactable voter; with the turnout likelihood that gives the four
  outreach segments, counted by ward;
* :func:`allocate_volunteer_hours` (module 04): the volunteer hours by ward, a floor
  for underserved wards first, then by expected extra votes per hour.

Engines: ``"pandas"`` loads the file into memory (the classroom file; refused
before it starts when the file would not fit), ``"duckdb"`` streams it through
DuckDB on this computer, ``"dask"`` spreads the parts of a partitioned file
(``campaign-lab data --partitioned``) over a Dask cluster: a ``LocalCluster`` on
this computer by default, or any cluster through ``client=``. Each repeated
registration counts once (the copy with the lowest ``voter_id``), as in the notebooks.

Examples
--------
>>> from campaign_lab import scale
>>> voters = scale.open_data("national", profile="default")              # doctest: +SKIP
>>> scale.turnout_by_ward_and_age(voters, engine="duckdb")               # doctest: +SKIP
>>> with scale.dask_client() as client:                                  # doctest: +SKIP
...     scale.segment_counts(voters, engine="dask", client=client)
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from campaign_lab import data as course_data
from campaign_lab.checks import m04
from campaign_lab.datagen import MANIFEST, profile_fingerprint
from campaign_lab.datagen.partitioned import (
    PartitionCorrupt,
    check_fits_in_memory,
    check_parts,
    read_part,
)
from campaign_lab.errors import BadInput, RunFailed
from campaign_lab.profiles import Profile, load_profile, parse_band
from campaign_lab.resources import usable_cpus, usable_memory_bytes

__all__ = [
    "ENGINES", "VoterData", "open_data", "dask_client",
    "turnout_by_ward_and_age", "segment_counts", "allocate_volunteer_hours",
]

ENGINES = ("pandas", "duckdb", "dask")
#: One person registered twice has the same name, birth date and address (module 02).
SAME_PERSON = ["first_name", "last_name", "date_of_birth", "address"]
#: Ages outside this range are typing errors (module 02).
PLAUSIBLE_AGES = (18, 110)
SEGMENTS = m04.SEGMENTS


# ----------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class VoterData:
    """A generated data set, checked: where its tables are and the profile it was made from."""

    folder: Path
    profile: Profile
    rows: int
    partitioned: bool
    parts: dict[str, list[Path]]

    def voter_parts(self) -> list[Path]:
        return self.parts["voters"]

    def small_table(self, name: str) -> pd.DataFrame:
        """A table that fits in memory whatever the size of the file (survey, wards)."""
        return _to_pandas(pa.concat_tables([read_part(path) for path in self.parts[name]]))


def open_data(folder: str | Path | None = None, profile: str | Path | Profile = "default") -> VoterData:
    """Open a folder written by ``campaign-lab data`` (classroom or ``--partitioned``), checking every part.

    With no folder, the profile's classroom data (generated on first use).

    Raises
    ------
    BadInput
        The folder is not generated data, or was made from another profile.
    PartitionMissing, PartitionCorrupt
        A part of a partitioned table is missing or damaged (named in the message).
    """
    loaded = load_profile(profile)
    folder = course_data.ensure_data(loaded, progress=False) if folder is None else Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BadInput(f"{folder} does not hold data from campaign-lab data (no readable {MANIFEST}): generate it first.") from None
    if manifest.get("profile_fingerprint") != profile_fingerprint(loaded):
        raise BadInput(f"{folder} was generated from profile {manifest.get('profile')!r}, not from {loaded.id!r} as it is now: pass that profile, or generate the data again.")
    partitioned = manifest.get("layout") == "partitioned"
    if partitioned:
        parts = {name: check_parts(folder, name, manifest["partitions"][name]) for name in ("voters", "survey", "wards")}
    else:
        parts = {name: [folder / f"{name}.parquet"] for name in ("voters", "survey", "wards")}
    return VoterData(folder, loaded, int(manifest["voters"]), partitioned, parts)


_NULLABLE = {pa.bool_(): pd.BooleanDtype(), pa.int64(): pd.Int64Dtype(), pa.int16(): pd.Int16Dtype(), pa.int8(): pd.Int8Dtype()}


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow to pandas with gaps kept as <NA> (nullable types) and dates as datetimes."""
    return table.to_pandas(types_mapper=_NULLABLE.get, date_as_object=False)


def _read_voters(path: str, columns: list[str]) -> pd.DataFrame:
    return _to_pandas(read_part(path, columns))


# ----------------------------------------------------------------------------- what the analyses need


@dataclass(frozen=True)
class _Spec:
    """The profile's facts an analysis needs, as plain values (sent to Dask workers as is)."""

    latest_column: str
    latest_date: pd.Timestamp
    past_columns: tuple[str, ...]
    bands: tuple[str, ...]
    band_starts: tuple[int, ...]
    band_rates: tuple[float, ...]
    #: Support model: intercept, age, sex "M", and one weight per ward (0 for the survey's reference ward).
    intercept: float = 0.0
    age_weight: float = 0.0
    men_weight: float = 0.0
    ward_weights: tuple[tuple[str, float], ...] = ()


def _spec(profile: Profile) -> _Spec:
    bands = tuple(profile.age_band_names)
    rates = {rate.band: rate.rate for rate in profile.turnout.by_age}
    latest = profile.latest_election
    return _Spec(
        latest_column=f"voted_{latest.date.year}",
        latest_date=pd.Timestamp(latest.date),
        past_columns=tuple(f"voted_{e.date.year}" for e in profile.calendar.past_elections),
        bands=bands,
        band_starts=tuple(parse_band(band)[0] for band in bands),
        band_rates=tuple(float(rates.get(band, math.nan)) for band in bands),
    )


def _with_support_model(spec: _Spec, survey: pd.DataFrame) -> _Spec:
    """Fit module 04's support model on the survey (small: always pandas) and keep its weights."""
    from sklearn.linear_model import LogisticRegression

    X = pd.get_dummies(survey[m04.FEATURES], drop_first=True, dtype=float)
    model = LogisticRegression(max_iter=1000).fit(X, survey["support"] >= 4)
    weights = dict(zip(X.columns, model.coef_[0].tolist(), strict=True))
    wards = tuple((column.removeprefix("ward_"), weight) for column, weight in weights.items() if column.startswith("ward_"))
    return _Spec(**{**spec.__dict__, "intercept": float(model.intercept_[0]), "age_weight": weights["age"], "men_weight": weights.get("sex_M", 0.0), "ward_weights": wards})


def _logit(probability: float) -> float:
    """Scores are compared on the model's linear scale: ``p >= 0.6`` is ``z >= logit(0.6)``, the same in every engine."""
    return math.log(probability / (1 - probability))


# ----------------------------------------------------------------------------- pandas: one frame (or one Dask partition)


def _deduplicated(frame: pd.DataFrame) -> pd.DataFrame:
    """Each person once: the registration with the lowest voter_id (file order)."""
    frame = frame.sort_values("voter_id", kind="stable")
    clean = frame[~frame.duplicated(SAME_PERSON)]
    return clean.assign(ward=clean["address"].str.rsplit(", ", n=1).str[-1])


def _plausible_age(frame: pd.DataFrame) -> pd.Series:
    return frame["age"].between(*PLAUSIBLE_AGES).fillna(False).astype(bool)


def _turnout_counts(frame: pd.DataFrame, spec: _Spec) -> pd.DataFrame:
    """Could vote and voted by ward and age band (at the latest election) in one frame."""
    clean = _deduplicated(frame)
    age_then = (spec.latest_date - clean["date_of_birth"]).dt.days / 365.25
    band = pd.cut(age_then.where(_plausible_age(clean)), bins=[*spec.band_starts, 150], labels=spec.bands, right=False)
    voted = clean[spec.latest_column]
    table = pd.DataFrame({"ward": clean["ward"], "age_band": band.astype(object), "could_vote": voted.notna().astype("int64"), "voted": voted.fillna(False).astype("int64")})
    return table.dropna(subset=["age_band"]).groupby(["ward", "age_band"], as_index=False)[["could_vote", "voted"]].sum()


def _segment_counts(frame: pd.DataFrame, spec: _Spec) -> pd.DataFrame:
    """Contactable voters by ward and outreach segment in one frame."""
    clean = _deduplicated(frame)
    targets = clean[_plausible_age(clean) & clean["sex"].notna().astype(bool) & ~clean["do_not_contact"].astype(bool)]
    age = targets["age"].astype("float64").to_numpy()
    ward_weight = targets["ward"].map(dict(spec.ward_weights)).fillna(0.0).to_numpy(dtype=float)
    men = (targets["sex"] == "M").to_numpy(dtype=float)
    score = spec.intercept + age * spec.age_weight + men * spec.men_weight + ward_weight
    past = targets[list(spec.past_columns)]
    could = past.notna().sum(axis=1).to_numpy()
    did = past.fillna(False).astype("int64").sum(axis=1).to_numpy()
    band = np.searchsorted(np.array(spec.band_starts), age, side="right") - 1
    band_rate = np.array(spec.band_rates)[np.clip(band, 0, len(spec.bands) - 1)]
    with np.errstate(divide="ignore", invalid="ignore"):
        likely_voter = np.where(could > 0, did / could >= m04.LIKELY_VOTER, band_rate >= m04.LIKELY_VOTER)
    segment = _segment(score, likely_voter)
    table = pd.DataFrame({"ward": targets["ward"].to_numpy(), "segment": segment, "voters": 1})
    return table.groupby(["ward", "segment"], as_index=False)["voters"].sum()


def _segment(score: np.ndarray, likely_voter: np.ndarray) -> np.ndarray:
    supporter = score >= _logit(m04.SUPPORTER)
    persuadable = (score >= _logit(m04.PERSUADABLE)) & ~supporter
    return np.select([supporter & likely_voter, supporter & ~likely_voter, persuadable & likely_voter], SEGMENTS[:3], default=SEGMENTS[3])


# ----------------------------------------------------------------------------- the engines


_COUNTS = {
    "turnout": (_turnout_counts, ["ward", "age_band"], ["could_vote", "voted"]),
    "segments": (_segment_counts, ["ward", "segment"], ["voters"]),
}


def _columns(spec: _Spec, question: str) -> list[str]:
    if question == "turnout":
        return ["voter_id", *SAME_PERSON, "age", spec.latest_column]
    return ["voter_id", *SAME_PERSON, "age", "sex", "do_not_contact", *spec.past_columns]


def _count(voters: VoterData, spec: _Spec, question: str, engine: str, client) -> pd.DataFrame:
    if engine not in ENGINES:
        raise BadInput(f"There is no engine called {engine!r}: choose one of {', '.join(ENGINES)}.")
    _, keys, values = _COUNTS[question]
    if engine == "pandas":
        partial = _count_pandas(voters, spec, question)
    elif engine == "duckdb":
        partial = _count_duckdb(voters, spec, question)
    else:
        partial = _count_dask(voters, spec, question, client)
    return partial.groupby(keys)[values].sum().astype("int64").sort_index()


def _count_pandas(voters: VoterData, spec: _Spec, question: str) -> pd.DataFrame:
    check_fits_in_memory(voters.rows, "the voter file", 'engine="duckdb" or engine="dask"')
    parts = voters.voter_parts()
    frames = [_read_voters(str(path), _columns(spec, question)) for path in _progress(parts, "Reading the voter file")]
    function = _COUNTS[question][0]
    return function(pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0], spec)


def _progress(items: list, label: str):
    from tqdm.auto import tqdm

    return tqdm(items, desc=label, unit=" parts", disable=len(items) < 2 or not _interactive())


def _interactive() -> bool:
    """Progress bars only for a person: a terminal or a notebook, never a log file or a test."""
    if "ipykernel" in sys.modules:
        return True
    return sys.stderr is not None and sys.stderr.isatty()


# -- Dask -----------------------------------------------------------------------------


@contextlib.contextmanager
def dask_client(address: str | None = None, workers: int | None = None, threads_per_worker: int = 1, processes: bool = True, memory_limit: int | str | None = None):
    """A Dask client: for the cluster at ``address``, or a LocalCluster sized to this computer; closed on exit.

    With no address: ``workers`` defaults to the CPUs this process may use, and
    each worker's memory limit to its share of the usable memory. With
    ``processes=False`` the workers are threads of this process, with no limit of
    their own.

    Examples
    --------
    >>> with dask_client(workers=1, processes=False) as client:     # doctest: +SKIP
    ...     segment_counts(open_data(), engine="dask", client=client)
    >>> with dask_client("tcp://scheduler.example.org:8786") as client:   # doctest: +SKIP
    ...     segment_counts(open_data("/shared/national"), engine="dask", client=client)
    """
    from distributed import Client, LocalCluster

    # The shuffle logs each start and end as a warning: noise for a person waiting on a count.
    logging.getLogger("distributed.shuffle._scheduler_plugin").setLevel(logging.ERROR)
    if address is not None:
        with Client(address) as client:
            yield client
        return
    workers = workers or usable_cpus()
    if not processes:
        # Threads in this process: a worker's memory monitor would measure the whole process
        # (a notebook kernel, a test run) and pause the worker for good once that passes a limit.
        if memory_limit is not None:
            raise ValueError("memory_limit applies to worker processes; threads in this process (processes=False) share its memory.")
        limit = 0
    else:
        limit = memory_limit if memory_limit is not None else usable_memory_bytes() // workers
    environment = dict(os.environ)
    try:
        with LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker, processes=processes, memory_limit=limit, dashboard_address=None) as cluster, Client(cluster) as client:
            yield client
    finally:
        # The cluster also set its workers' MALLOC_TRIM_THRESHOLD_ and thread counts in this process's
        # environment: programs started from here later would inherit them (a generation ran 1.5 times slower).
        os.environ.clear()
        os.environ.update(environment)


def _count_dask(voters: VoterData, spec: _Spec, question: str, client) -> pd.DataFrame:
    if client is None:
        with dask_client() as own:
            return _count_dask(voters, spec, question, own)
    import dask
    import dask.dataframe as dd
    from distributed import progress

    function, keys, values = _COUNTS[question]
    columns = _columns(spec, question)
    parts = [str(path) for path in voters.voter_parts()]
    with dask.config.set({"dataframe.convert-string": False}):
        frame = dd.from_map(_read_voters, parts, columns=columns, meta=_read_voters(parts[0], columns).iloc[:0])
        # Copies of one person sit in one partition after this, whichever parts they came from.
        # "tasks": a failed read (a damaged part) then fails the run; the p2p shuffle can wait for ever.
        together = frame.shuffle(on=SAME_PERSON, npartitions=frame.npartitions, method="tasks")
        meta = pd.DataFrame({key: pd.Series(dtype=object) for key in keys} | {value: pd.Series(dtype="int64") for value in values})
        partials = together.map_partitions(function, spec, meta=meta)
        future = client.compute(partials)
    if _interactive():
        progress(future)
    try:
        return future.result()
    except PartitionCorrupt:
        raise
    except Exception as error:  # a worker's error (a worker lost, out of memory...), carried back: one line
        raise RunFailed(f"The Dask cluster could not finish the count ({_first_line(error)}); its dashboard or worker logs say more.") from None


# -- DuckDB ---------------------------------------------------------------------------


def _count_duckdb(voters: VoterData, spec: _Spec, question: str) -> pd.DataFrame:
    import duckdb

    query = _TURNOUT_SQL if question == "turnout" else _SEGMENTS_SQL
    sql = query.format(clean=_CLEAN_SQL.format(columns=", ".join(_columns(spec, question))), **_sql_parts(spec))
    with duckdb.connect() as connection:
        connection.execute(f"SET threads = {usable_cpus()}")
        connection.execute(f"SET memory_limit = '{max(usable_memory_bytes() // 2 // 2**20, 256)}MB'")
        connection.execute(f"SET enable_progress_bar = {str(_interactive()).lower()}")
        try:
            return connection.execute(sql, {"parts": [str(path) for path in voters.voter_parts()]}).df()
        except duckdb.Error as error:
            named = [path for path in voters.voter_parts() if str(path) in str(error)]
            if named:
                raise PartitionCorrupt(f"Part {named[0].parent.name}/{named[0].name} of {voters.folder} cannot be read ({_first_line(error)}): it is corrupt; generate the data again or restore that file.") from None
            raise RunFailed(f"DuckDB could not finish the count ({_first_line(error)}).") from None


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0][:160]}" if text else type(error).__name__


_CLEAN_SQL = """
    SELECT {columns}, string_split(address, ', ')[-1] AS ward
    FROM read_parquet($parts)
    QUALIFY row_number() OVER (PARTITION BY first_name, last_name, date_of_birth, address ORDER BY voter_id) = 1
"""

_TURNOUT_SQL = """
    WITH clean AS ({clean}),
    banded AS (
        SELECT ward, {latest} AS voted,
               CASE WHEN age BETWEEN 18 AND 110 THEN date_diff('day', date_of_birth, DATE '{latest_date}') / 365.25 END AS age_then
        FROM clean
    )
    SELECT ward, {band_case} AS age_band,
           sum(CAST(voted IS NOT NULL AS BIGINT)) AS could_vote, sum(CAST(coalesce(voted, false) AS BIGINT)) AS voted
    FROM banded WHERE age_band IS NOT NULL GROUP BY ALL
"""

_SEGMENTS_SQL = """
    WITH clean AS ({clean}),
    targets AS (
        SELECT ward, {score} AS score, {could} AS could, {did} AS did, {rate_case} AS band_rate
        FROM clean WHERE age BETWEEN 18 AND 110 AND sex IS NOT NULL AND NOT do_not_contact
    ),
    flagged AS (
        SELECT ward, score >= {supporter} AS supporter, score >= {persuadable} AS persuadable,
               CASE WHEN could > 0 THEN did / could >= {likely} ELSE band_rate >= {likely} END AS likely_voter
        FROM targets
    )
    SELECT ward,
           CASE WHEN supporter AND likely_voter THEN 'base' WHEN supporter THEN 'mobilise'
                WHEN persuadable AND likely_voter THEN 'persuade' ELSE 'low priority' END AS segment,
           count(*) AS voters
    FROM flagged GROUP BY ALL
"""


def _sql_parts(spec: _Spec) -> dict[str, str]:
    """The profile's facts and the model's weights, written into SQL (numbers in full precision)."""
    starts = list(spec.band_starts)
    band_case = " ".join(f"WHEN age_then >= {start} THEN {_quote(band)}" for start, band in reversed(list(zip(starts, spec.bands, strict=True))))
    rate_case = " ".join(f"WHEN CAST(age AS DOUBLE) >= {start} THEN {rate!r}" for start, rate in reversed(list(zip(starts, spec.band_rates, strict=True))))
    ward_case = " ".join(f"WHEN {_quote(ward)} THEN {weight!r}" for ward, weight in spec.ward_weights)
    return {
        "latest": spec.latest_column,
        "latest_date": spec.latest_date.date().isoformat(),
        "band_case": f"CASE WHEN age_then >= 150 THEN NULL {band_case} END",
        "rate_case": f"CASE {rate_case} END",
        "score": f"{spec.intercept!r} + CAST(age AS DOUBLE) * {spec.age_weight!r} + CAST(sex = 'M' AS DOUBLE) * {spec.men_weight!r} + (CASE ward {ward_case} ELSE 0.0 END)",
        "could": " + ".join(f"CAST({column} IS NOT NULL AS BIGINT)" for column in spec.past_columns),
        "did": " + ".join(f"CAST(coalesce({column}, false) AS BIGINT)" for column in spec.past_columns),
        "supporter": repr(_logit(m04.SUPPORTER)),
        "persuadable": repr(_logit(m04.PERSUADABLE)),
        "likely": repr(m04.LIKELY_VOTER),
    }


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# ----------------------------------------------------------------------------- the three questions


def turnout_by_ward_and_age(voters: VoterData, engine: str = "pandas", client=None) -> pd.DataFrame:
    """Module 02's turnout at the latest election, by ward (from the address) and age band then.

    Returns a table indexed by ``(ward, age_band)`` with ``could_vote``, ``voted``
    and ``turnout`` (voted / could vote). Voters with an impossible or unknown age
    are left out, as in the notebook.
    """
    counts = _count(voters, _spec(voters.profile), "turnout", engine, client)
    return counts.assign(turnout=counts["voted"] / counts["could_vote"])


def segment_counts(voters: VoterData, engine: str = "pandas", client=None) -> pd.DataFrame:
    """Modules 03-04: score every contactable voter with the survey's support model; count the segments by ward.

    Returns one row per ward and one column per segment (``base``, ``mobilise``,
    ``persuade``, ``low priority``), as module 04 defines them.
    """
    spec = _with_support_model(_spec(voters.profile), voters.small_table("survey"))
    counts = _count(voters, spec, "segments", engine, client)["voters"].unstack("segment", fill_value=0)
    return counts.reindex(columns=SEGMENTS, fill_value=0).rename_axis(columns=None)


def allocate_volunteer_hours(voters: VoterData, engine: str = "pandas", hours: float = m04.VOLUNTEER_HOURS, floor: float = m04.FLOOR_HOURS, client=None) -> pd.DataFrame:
    """Module 04's plan: the volunteer ``hours`` by ward, ``floor`` hours for each underserved ward first.

    Returns one row per ward: ``mobilise``, ``persuade``, ``conversations_per_hour``,
    ``votes_per_hour``, ``max_hours``, ``underserved`` and the ``hours`` allocated.
    """
    if not (isinstance(hours, (int, float)) and isinstance(floor, (int, float)) and math.isfinite(hours) and math.isfinite(floor) and hours >= 0 and floor >= 0):
        raise BadInput(f"Hours and floor must be numbers of zero or more (got {hours!r} and {floor!r}).")
    wards = voters.small_table("wards").set_index("ward")
    table = m04.hours_table(voters.profile, wards, segment_counts(voters, engine, client))
    plan = m04.reference_allocation(table, hours, floor)
    return table.assign(hours=pd.Series(plan))
