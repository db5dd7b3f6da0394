"""Generate the course's linked synthetic datasets from a context profile.

Everything is seeded: the same profile, seed and voter count give the same
bytes. The voter file streams to disk in chunks, so a national-size file needs
no more memory than a classroom one.

Examples
--------
>>> from campaign_lab.datagen import generate
>>> folder = generate("default", "data/default", voters=2_000)   # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from campaign_lab.datagen import ads, calibration, fundraising, linked, media, partitioned as layout, social, texts
from campaign_lab.datagen._common import TableWriter, write_table
from campaign_lab.datagen.model import build_model
from campaign_lab.datagen.voters import write_voters
from campaign_lab.errors import BadInput
from campaign_lab.profiles import Profile, load_profile, profile_path

GENERATOR_VERSION = 5
DEFAULT_VOTERS = 20_000
DEFAULT_SEED = 2027
MIN_VOTERS = 200
MAX_VOTERS = 200_000_000
#: CSV copies are written up to this many voters (classroom sizes); Parquet always.
CSV_MAX_VOTERS = 200_000
MANIFEST = "_generated.json"

TABLES = (
    "voters",
    "survey",
    "wards",
    "donors",
    "gifts",
    "email_test",
    "ads",
    "ad_audiences",
    "accounts",
    "posts",
    "post_labels",
    "platform_claims",
    "voter_messages",
    "voter_message_labels",
)
TEXTS = ("platform", "speech_launch", "speech_youth", "rival_speech", "debate", "platform_es", "speech_launch_es")


def profile_fingerprint(profile: Profile) -> str:
    """A short hash of the validated profile, so stale generated data can be detected."""
    return hashlib.sha256(profile.model_dump_json().encode("utf-8")).hexdigest()[:16]


def generate(profile: str | Path | Profile, out_dir: str | Path, voters: int = DEFAULT_VOTERS, seed: int = DEFAULT_SEED, csv: bool | None = None, progress: bool = False, partitioned: bool = False) -> Path:
    """Generate every table, text and image for a profile into ``out_dir``.

    The work happens in a hidden sibling folder that is renamed into place at
    the end, so a failed run never leaves a half-written ``out_dir``.

    Parameters
    ----------
    profile : str, Path or Profile
        A shipped profile name, a YAML path, or a loaded profile.
    out_dir : str or Path
        Folder to create. If it exists it must be empty or hold earlier output
        of this generator (which is replaced).
    voters : int
        Number of rows in the voter file (200 to 200 million).
    seed : int
        Random seed; the same seed gives the same bytes.
    csv : bool, optional
        Also write CSV copies. By default only up to 200,000 voters.
    progress : bool
        Show a progress bar.
    partitioned : bool
        Write each table as a folder of Parquet parts (``voters/part-00000.parquet``, ...,
        one per 100,000 voters; no CSV), for national-size files: see
        ``datagen.partitioned`` and ``campaign_lab.scale``.

    Returns
    -------
    Path
        The output folder.

    Raises
    ------
    BadInput
        For an invalid profile, voter count, seed or output folder.
    """
    loaded = load_profile(profile)
    calibration.require_consistent(loaded, profile if isinstance(profile, (str, Path)) else None)
    source = None if isinstance(profile, Profile) else profile_path(profile)
    _check_numbers(voters, seed)
    out = Path(out_dir).resolve()
    _check_out_dir(out)
    csv = (voters <= CSV_MAX_VOTERS and not partitioned) if csv is None else csv
    if partitioned and csv:
        raise BadInput("A partitioned data set has no CSV copies: leave out the CSV option.")
    work = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        _generate_into(loaded, work, voters, seed, csv, progress, source, partitioned)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if out.exists():
        shutil.rmtree(out)
    work.rename(out)
    return out


def describe_output(folder: str | Path) -> str:
    """One paragraph saying what a generated folder holds (read from its manifest)."""
    folder = Path(folder)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    rows = manifest["rows"]
    return (
        f"Wrote {len(rows)} tables, {len(manifest['texts'])} texts and the media folder for profile "
        f"{manifest['profile']!r} ({manifest['voters']:,} voters, seed {manifest['seed']}) to {folder}.\n"
        f"Tables: " + ", ".join(f"{name} ({count:,})" for name, count in rows.items()) + "."
        + _describe_calibration(manifest.get("turnout_calibration"))
        + _describe_layout(manifest)
    )


def _describe_layout(manifest: dict) -> str:
    if manifest.get("layout") != "partitioned":
        return ""
    parts = len(manifest["partitions"]["voters"])
    return f"\nEach table is a folder of Parquet parts (the voter file: {parts:,} parts); analyse it with campaign_lab.scale (docs/national-scale.md)."


def _describe_calibration(calibrated: dict | None) -> str:
    if not calibrated:
        return ""
    worst = max(calibrated["margins"], key=lambda row: abs(row["difference_points"]))
    return (
        f"\nTurnout in {calibrated['election_year']}: each of the profile's {len(calibrated['margins'])} figures is met within "
        f"{abs(worst['difference_points']):.2f} point (furthest: {worst['margin']}, {worst['result']:.1%} for {worst['target']:.1%}); "
        f"see turnout_calibration in {MANIFEST}."
    )


def _check_numbers(voters: int, seed: int) -> None:
    if not isinstance(voters, int) or not MIN_VOTERS <= voters <= MAX_VOTERS:
        raise BadInput(f"The number of voters must be a whole number from {MIN_VOTERS:,} to {MAX_VOTERS:,} (got {voters!r}).")
    if not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise BadInput(f"The seed must be a whole number from 0 to {2**32 - 1} (got {seed!r}).")


def _check_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise BadInput(f"{out} is a file, not a folder: choose a folder for the data.")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise BadInput(f"{out} already holds other files: choose an empty or new folder, so nothing of yours is overwritten.")


def _generate_into(profile: Profile, folder: Path, voters: int, seed: int, csv: bool, progress: bool, source: Path | None, partitioned: bool = False) -> None:
    model = build_model(profile, seed)
    writer_class = layout.PartitionedTableWriter if partitioned else TableWriter
    bar = _progress_bar(voters, profile.id) if progress else None
    # Posts, ads, texts and images do not depend on the voter file: build them on the side meanwhile.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fixed-tables") as side:
        fixed = side.submit(_write_fixed_parts, model, folder, csv, writer_class)
        try:
            writer = writer_class(folder, "voters", csv)
            try:
                voter_pass = write_voters(model, writer, voters, bar.update if bar else None)
            finally:
                writer.close()
        finally:
            if bar is not None:
                bar.close()
        counts = {"voters": voters}
        counts.update(_write_linked(model, voter_pass, folder, csv, writer_class))
        fixed_counts, documents = fixed.result()
    counts.update(fixed_counts)
    turnout = calibration.report(profile, voter_pass.cited_cells["eligible"], voter_pass.cited_cells["voted"])
    _write_manifest(folder, profile, model, voters, seed, counts, voter_pass.quality, turnout, documents, source)
    if partitioned:
        _add_partitions(folder)


def _progress_bar(total: int, profile_id: str):
    from campaign_lab import progress

    return progress.bar(total=total, description=f"Generating {profile_id} voters", unit="voters", unit_scale=True)


def _write_linked(model, voter_pass, folder: Path, csv: bool, writer_class=TableWriter) -> dict[str, int]:
    """The tables drawn from the voter file: survey, wards, e-mail test, donors and gifts."""
    tables = {
        "survey": linked.survey_table(model, voter_pass),
        "wards": linked.wards_table(model, voter_pass),
        "email_test": fundraising.email_test_table(model, voter_pass),
    }
    tables["donors"], tables["gifts"] = fundraising.donor_tables(model, voter_pass)
    return _write_all(folder, tables, csv, writer_class)


def _write_fixed_parts(model, folder: Path, csv: bool, writer_class=TableWriter) -> tuple[dict[str, int], list[str]]:
    """Everything that does not depend on the voter file: claims, ads, social media, messages, texts, images."""
    tables = {"platform_claims": texts.platform_claims_table(model)}
    tables["ads"], tables["ad_audiences"] = ads.ads_tables(model)
    tables["accounts"], tables["posts"], tables["post_labels"] = social.social_tables(model)
    tables["voter_messages"], tables["voter_message_labels"] = texts.voter_message_tables(model)
    counts = _write_all(folder, tables, csv, writer_class)
    documents = texts.text_documents(model)
    (folder / "texts").mkdir()
    for name, text in documents.items():
        (folder / "texts" / f"{name}.md").write_text(text, encoding="utf-8")
    media.write_media(model, folder / "media")
    return counts, sorted(documents)


def _write_all(folder: Path, tables: dict, csv: bool, writer_class=TableWriter) -> dict[str, int]:
    for name, table in tables.items():
        write_table(folder, name, table, csv, writer_class)
    return {name: table.num_rows for name, table in tables.items()}


def _write_manifest(folder: Path, profile: Profile, model, voters: int, seed: int, counts: dict, quality: dict, turnout: list[dict], documents: list[str], source: Path | None) -> None:
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "profile": profile.id,
        "profile_fingerprint": profile_fingerprint(profile),
        "seed": seed,
        "voters": voters,
        "rows": {name: counts[name] for name in TABLES},
        "turnout_calibration": {"election_year": profile.turnout.election_year, "margins": turnout},
        "texts": documents,
        "planted": {
            "voter_file_problems": quality,
            "abuse_rate_candidate": social.CANDIDATE_ABUSE_RATE,
            "abuse_rate_rivals": social.RIVAL_ABUSE_RATE,
            "bot_accounts": social.N_BOTS,
            "bot_bursts": social.N_BURSTS,
            "spike_issue": profile.issues[1],
            "spike_ward": profile.constituency.wards[-1].name,
            "underserved_wards": [w.name for w in profile.constituency.wards if w.underserved],
            "underserved_communities": [c.name for c in profile.population.communities if c.underserved],
            "speech_youth_misstated_budget_rise": [texts.PLATFORM_BUDGET_RISE, texts.MISSTATED_BUDGET_RISE],
        },
    }
    if source is not None:
        manifest["profile_file"] = source.name
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _add_partitions(folder: Path) -> None:
    """Record the layout and every part (rows, bytes) in the manifest, so a damaged part can be named."""
    path = folder / MANIFEST
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["layout"] = "partitioned"
    manifest["partitions"] = layout.describe_parts(folder, TABLES)
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
