"""Small helpers shared by the table generators: seeded randomness, dates and writing."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

EPOCH = np.datetime64("1970-01-01", "D")


def rng_for(seed: int, *keys: object) -> np.random.Generator:
    """Return a random generator that depends only on ``seed`` and the labels in ``keys``.

    Each table (and each chunk of the voter file) draws from its own stream, so
    adding a table or changing one never shifts the numbers of another.

    Examples
    --------
    >>> bool(rng_for(1, "posts").integers(100) == rng_for(1, "posts").integers(100))
    True
    """
    words = [int(seed) & 0xFFFFFFFF] + [zlib.crc32(str(key).encode("utf-8")) for key in keys]
    return np.random.default_rng(np.random.SeedSequence(words))


def cumulative(p) -> np.ndarray:
    """The cumulative weights :func:`weighted_index` draws from, normalised as ``Generator.choice`` does."""
    cdf = np.cumsum(p, dtype=float)
    return cdf / cdf[-1]


def weighted_index(rng: np.random.Generator, cdf: np.ndarray) -> int:
    """One weighted draw: the same number, from the same stream, as ``int(rng.choice(len(p), p=p))``, many times faster.

    ``cdf`` comes from :func:`cumulative`, computed once for weights used often.

    Examples
    --------
    >>> weighted_index(rng_for(1, "x"), cumulative([0.2, 0.8])) == int(rng_for(1, "x").choice(2, p=[0.2, 0.8]))
    True
    """
    return int(cdf.searchsorted(rng.random(), side="right"))


def day_number(date: dt.date) -> int:
    """Days since 1970-01-01 (the integer form of ``datetime64[D]``)."""
    return (date - dt.date(1970, 1, 1)).days


def to_dates(days: np.ndarray) -> np.ndarray:
    """Turn day numbers into ``datetime64[D]`` values."""
    return EPOCH + days.astype("timedelta64[D]")


def age_on(dob_days: np.ndarray, date: dt.date) -> np.ndarray:
    """Whole years between each birth date (day numbers) and ``date``, vectorised.

    Examples
    --------
    >>> age_on(np.array([day_number(dt.date(2000, 5, 6)), day_number(dt.date(2000, 5, 7))]), dt.date(2020, 5, 6)).tolist()
    [20, 19]
    """
    dob = np.asarray(dob_days, dtype=np.int64)
    offset = dob - _TABLE_START
    if offset.size and (offset.min() < 0 or offset.max() >= _TABLE_DAYS):
        years, months, days = civil_dates(dob)
        return date.year - years - (months * 32 + days > date.month * 32 + date.day)
    years, birthdays = _calendar_table()
    return date.year - years[offset] - (birthdays[offset] > date.month * 32 + date.day)


#: Day numbers from 1800-01-01 to 2199-12-31 are looked up in a table (birth dates on the file all fall inside).
_TABLE_START = -62_091
_TABLE_DAYS = 146_097


@functools.cache
def _calendar_table() -> tuple[np.ndarray, np.ndarray]:
    """Year and (month * 32 + day) of each day in the table's 400 years, computed once."""
    years, months, days = civil_dates(np.arange(_TABLE_START, _TABLE_START + _TABLE_DAYS))
    return years, months * 32 + days


def civil_dates(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day of day numbers, in integer arithmetic (H. Hinnant's ``civil_from_days``).

    Several times faster than converting through ``datetime64`` units.

    Examples
    --------
    >>> [int(x[0]) for x in civil_dates(np.array([day_number(dt.date(1900, 3, 1))]))]
    [1900, 3, 1]
    """
    shifted = days + 719_468
    era = shifted // 146_097
    day_of_era = shifted - era * 146_097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_index + 2) // 5 + 1
    month = np.where(month_index < 10, month_index + 3, month_index - 9)
    return year_of_era + era * 400 + (month <= 2), month, day


_MESES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre")


def long_date(date: dt.date, language: str = "en") -> str:
    """A date written out: "6 June 2027", or "6 de junio de 2027" in Spanish."""
    if language == "es":
        return f"{date.day} de {_MESES[date.month - 1]} de {date.year}"
    return f"{date.day} {date:%B %Y}"


def ascii_slug(text: str, sep: str = "") -> str:
    """Lower-case ASCII form of a name, for e-mail addresses and handles ("Sofía" -> "sofia")."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", sep, plain).strip(sep)


def street_word_first(street_word: str) -> bool:
    """True where the word for "street" comes before the name ("Calle Hidalgo"), not after ("Oak Road").

    Examples
    --------
    >>> street_word_first("Calle"), street_word_first("Road")
    (True, False)
    """
    return street_word.lower() in {"calle", "avenida", "rue", "rua", "via", "jalan"}


def street_address(number: int, street: str, street_word: str) -> str:
    """One address line in the country's word order.

    Examples
    --------
    >>> street_address(12, "Hidalgo", "Calle"), street_address(12, "Oak", "Road")
    ('Calle Hidalgo 12', '12 Oak Road')
    """
    if street_word_first(street_word):
        return f"{street_word} {street} {number}"
    return f"{number} {street} {street_word}"


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into whole numbers proportional to ``weights`` that add up exactly."""
    weights = np.asarray(weights, dtype=float)
    raw = total * weights / weights.sum()
    counts = np.floor(raw).astype(np.int64)
    short = total - counts.sum()
    if short:
        counts[np.argsort(-(raw - counts), kind="stable")[:short]] += 1
    return counts


def chunk_quota(total: int, start: int, stop: int, population: int) -> int:
    """How many of ``total`` sampled items fall in rows ``start:stop`` of ``population``, exactly."""
    return total * stop // population - total * start // population


def top_k_weighted(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Indices of a weighted sample of ``k`` rows without replacement (Gumbel top-k), sorted."""
    k = min(k, int((weights > 0).sum()))
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    with np.errstate(divide="ignore"):
        keys = np.log(weights) + rng.gumbel(size=weights.shape[0])
    chosen = np.argpartition(-keys, k - 1)[:k]
    return np.sort(chosen)


class TableWriter:
    """Write one table in chunks to Parquet (always) and CSV (optionally), with a fixed schema."""

    def __init__(self, folder: Path, name: str, csv: bool):
        self.parquet_path = folder / f"{name}.parquet"
        self.csv_path = folder / f"{name}.csv" if csv else None
        self._parquet = None
        self._csv = None

    def write(self, table: pa.Table) -> None:
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.parquet_path, table.schema, compression="zstd")
            if self.csv_path is not None:
                self._csv = pacsv.CSVWriter(self.csv_path, table.schema)
        self._parquet.write_table(table, row_group_size=table.num_rows)
        if self._csv is not None:
            self._csv.write_table(table)

    def close(self) -> list[Path]:
        if self._parquet is not None:
            self._parquet.close()
        if self._csv is not None:
            self._csv.close()
        return [path for path in (self.parquet_path, self.csv_path) if path is not None]


def write_table(folder: Path, name: str, table: pa.Table, csv: bool, writer_class=TableWriter) -> list[Path]:
    """Write a whole (small) table as Parquet and, when asked, CSV (``writer_class``: how tables are laid out)."""
    writer = writer_class(folder, name, csv)
    writer.write(table)
    return writer.close()
