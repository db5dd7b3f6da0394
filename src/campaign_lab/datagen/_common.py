"""Small helpers shared by the table generators: seeded randomness, dates and writing."""

from __future__ import annotations

import datetime as dt
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


def day_number(date: dt.date) -> int:
    """Days since 1970-01-01 (the integer form of ``datetime64[D]``)."""
    return (date - dt.date(1970, 1, 1)).days


def to_dates(days: np.ndarray) -> np.ndarray:
    """Turn day numbers into ``datetime64[D]`` values."""
    return EPOCH + days.astype("timedelta64[D]")


def age_on(dob_days: np.ndarray, date: dt.date) -> np.ndarray:
    """Whole years between each birth date (day numbers) and ``date``, vectorised."""
    dob = to_dates(dob_days)
    years = dob.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dob.astype("datetime64[M]").astype(np.int64) % 12 + 1
    days = (dob - dob.astype("datetime64[M]")).astype(np.int64) + 1
    before_birthday = (months > date.month) | ((months == date.month) & (days > date.day))
    return date.year - years - before_birthday.astype(np.int64)


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


def write_table(folder: Path, name: str, table: pa.Table, csv: bool) -> list[Path]:
    """Write a whole (small) table as Parquet and, when asked, CSV."""
    writer = TableWriter(folder, name, csv)
    writer.write(table)
    return writer.close()
