"""Load the course's synthetic datasets in one line.

The first call for a profile generates its classroom-size data (20,000 voters,
a few seconds, with a progress bar) under ``datasets/generated/<profile>/``;
later calls read it from there. Data made from an older version of the profile
is regenerated automatically.

Examples
--------
>>> from campaign_lab.data import load
>>> voters = load("voters")                   # doctest: +SKIP
>>> platform = load("platform")               # a str (Markdown)      # doctest: +SKIP
>>> media = load("media")                     # a folder Path         # doctest: +SKIP
>>> voters_ke = load("voters", profile="kenya-county")                # doctest: +SKIP
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from campaign_lab import paths
from campaign_lab.datagen import DEFAULT_SEED, DEFAULT_VOTERS, GENERATOR_VERSION, MANIFEST, TABLES, TEXTS, generate, profile_fingerprint
from campaign_lab.errors import BadInput
from campaign_lab.profiles import Profile, load_profile

__all__ = ["FOLDERS", "available", "data_dir", "ensure_data", "load", "read_table"]

FOLDERS = ("media",)


def available() -> list[str]:
    """Names :func:`load` accepts: tables, texts and ``"media"``.

    Examples
    --------
    >>> "voters" in available()
    True
    """
    return list(TABLES) + list(TEXTS) + list(FOLDERS)


def data_dir(profile: str | Path | Profile = "default") -> Path:
    """The folder holding a profile's generated classroom data (it may not exist yet)."""
    return paths.generated_data_dir() / load_profile(profile).id


def ensure_data(profile: str | Path | Profile = "default", progress: bool = True) -> Path:
    """Generate a profile's classroom data unless an up-to-date copy exists; return its folder.

    Examples
    --------
    >>> folder = ensure_data("default")   # doctest: +SKIP
    """
    loaded = load_profile(profile)
    folder = paths.generated_data_dir() / loaded.id
    if _is_current(folder, loaded):
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        generate(loaded, folder, voters=DEFAULT_VOTERS, seed=DEFAULT_SEED, progress=progress)
    except OSError:
        if not _is_current(folder, loaded):  # another process finished the same job first
            raise
    return folder


def _is_current(folder: Path, profile: Profile) -> bool:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        manifest.get("generator_version") == GENERATOR_VERSION
        and manifest.get("profile_fingerprint") == profile_fingerprint(profile)
        and manifest.get("voters") == DEFAULT_VOTERS
        and manifest.get("seed") == DEFAULT_SEED
    )


def load(name: str, profile: str | Path | Profile | None = None):
    """Return one of the course datasets for a profile.

    Parameters
    ----------
    name : str
        A table (``"voters"``, ``"survey"``, ``"wards"``, ``"posts"``,
        ``"post_labels"``, ``"donors"``, ``"gifts"``, ``"email_test"``,
        ``"ads"``, ...), a text (``"platform"``, ``"speech_launch"``,
        ``"debate"``, ...) or ``"media"``. :func:`available` lists them all.
    profile : str, Path or Profile, optional
        Profile name or YAML path; ``"default"`` when not given.

    Returns
    -------
    pandas.DataFrame, str or pathlib.Path
        A DataFrame for a table (missing values shown as ``<NA>``/``None``,
        dates as datetimes), the Markdown text for a text, the folder for
        ``"media"``.

    Raises
    ------
    BadInput
        If the name is not one of the datasets, or the profile is invalid.

    Examples
    --------
    >>> survey = load("survey")                        # doctest: +SKIP
    >>> survey["support"].mean()                       # doctest: +SKIP
    """
    if name not in available():
        raise BadInput(f"There is no dataset called {name!r}. Choose one of: {', '.join(available())}.")
    folder = ensure_data(profile if profile is not None else "default")
    if name in FOLDERS:
        return folder / name
    if name in TEXTS:
        return _read_text(folder, name)
    return read_table(folder / f"{name}.parquet")


def _read_text(folder: Path, name: str) -> str:
    path = folder / "texts" / f"{name}.md"
    if not path.is_file():
        present = sorted(p.stem for p in (folder / "texts").glob("*.md"))
        raise BadInput(f"This profile has no text called {name!r} (it has: {', '.join(present)}).")
    return path.read_text(encoding="utf-8")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a generated Parquet table with learner-friendly types.

    Whole numbers and yes/no columns that have gaps become pandas' nullable
    ``Int64`` and ``boolean`` (gaps show as ``<NA>``); dates become datetimes.
    """
    table = pq.read_table(path)
    frame = table.to_pandas()
    for field in table.schema:
        column = table.column(field.name)
        if pa.types.is_date(field.type):
            frame[field.name] = pd.to_datetime(frame[field.name])
        elif pa.types.is_integer(field.type) and column.null_count:
            frame[field.name] = pd.array(column.to_pylist(), dtype="Int64")
        elif pa.types.is_boolean(field.type) and column.null_count:
            frame[field.name] = pd.array(column.to_pylist(), dtype="boolean")
    return frame
