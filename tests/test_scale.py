"""National scale: the partitioned layout, its bad input, and the same answer from pandas, DuckDB and Dask."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from campaign_lab import cli, scale
from campaign_lab.checks import m04
from campaign_lab.datagen import MANIFEST, TABLES, generate, voters
from campaign_lab.datagen.partitioned import PartitionCorrupt, PartitionMissing, TooBigForMemory
from campaign_lab.errors import EXIT_BAD_INPUT, EXIT_FAILED, BadInput
from campaign_lab.profiles import load_profile

N = 60_000
CHUNK = 15_000  # four parts at this size (a real run uses 100,000 voters a part)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """The same data twice, seeded alike: one file per table, and partitioned."""
    root = tmp_path_factory.mktemp("scale")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(voters, "CHUNK_ROWS", CHUNK)
        single = generate("us-state-house", root / "single", voters=N, seed=11)
        parts = generate("us-state-house", root / "parts", voters=N, seed=11, partitioned=True)
    return single, parts


@pytest.fixture(scope="module")
def opened(folders):
    single, parts = folders
    return scale.open_data(single, "us-state-house"), scale.open_data(parts, "us-state-house")


def _copy(folder, tmp_path):
    import shutil

    return shutil.copytree(folder, tmp_path / "copy")


# ----------------------------------------------------------------------------- the layout


def test_partitioned_tables_hold_the_same_rows_as_single_files(folders):
    single, parts = folders
    assert sorted(path.name for path in (parts / "voters").iterdir()) == [f"part-{i:05d}.parquet" for i in range(N // CHUNK)]
    for name in TABLES:
        assert ds.dataset(parts / name).to_table().equals(pq.read_table(single / f"{name}.parquet")), name
    manifest = json.loads((parts / MANIFEST).read_text())
    assert manifest["layout"] == "partitioned"
    assert sum(part["rows"] for part in manifest["partitions"]["voters"]) == N
    assert not list(parts.glob("*.csv"))


def test_cli_writes_the_partitioned_layout_and_says_so(tmp_path, capsys):
    assert cli.main(["data", "--out", str(tmp_path / "out"), "--voters", "1000", "--partitioned"]) == 0
    assert "folder of Parquet parts" in capsys.readouterr().out
    assert (tmp_path / "out" / "voters" / "part-00000.parquet").is_file()


def test_cli_refuses_a_file_too_big_for_memory_before_writing_anything(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MEM_LIMIT", str(64 * 2**20))
    assert cli.main(["data", "--out", str(tmp_path / "out"), "--voters", "200000"]) == EXIT_BAD_INPUT
    message = capsys.readouterr().err.strip()
    assert "--partitioned" in message and "200,000" in message and "\n" not in message
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- damaged parts


def test_a_missing_part_is_named_in_one_line(folders, tmp_path):
    copy = _copy(folders[1], tmp_path)
    (copy / "voters" / "part-00002.parquet").unlink()
    with pytest.raises(PartitionMissing) as caught:
        scale.open_data(copy, "us-state-house")
    assert "voters/part-00002.parquet" in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.exit_code == EXIT_FAILED


def test_a_part_cut_short_is_named(folders, tmp_path):
    copy = _copy(folders[1], tmp_path)
    part = copy / "voters" / "part-00001.parquet"
    part.write_bytes(part.read_bytes()[:-500])
    with pytest.raises(PartitionCorrupt, match=r"voters/part-00001\.parquet"):
        scale.open_data(copy, "us-state-house")


def test_a_part_whose_footer_is_overwritten_after_opening_is_named_by_duckdb(folders, tmp_path):
    copy = _copy(folders[1], tmp_path)
    opened = scale.open_data(copy, "us-state-house")
    part = copy / "voters" / "part-00001.parquet"
    size = part.stat().st_size
    part.write_bytes(part.read_bytes()[: size - 64] + bytes(64))  # same size, footer gone
    with pytest.raises(PartitionCorrupt) as caught:
        scale.turnout_by_ward_and_age(opened, "duckdb")
    assert "voters/part-00001.parquet" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("engine", ["pandas", "dask"])
def test_a_part_changed_in_place_is_named_when_read(folders, tmp_path, engine):
    """Same size, footer intact, bytes flipped inside a data page: the page checksum catches it."""
    copy = _copy(folders[1], tmp_path)
    part = copy / "voters" / "part-00003.parquet"
    data = bytearray(part.read_bytes())
    middle = len(data) // 3
    data[middle:middle + 64] = bytes(64)
    part.write_bytes(bytes(data))
    opened = scale.open_data(copy, "us-state-house")  # size and footer still look right
    with pytest.raises(PartitionCorrupt) as caught:
        if engine == "dask":
            with scale.dask_client(workers=1, processes=False) as client:
                scale.turnout_by_ward_and_age(opened, engine, client=client)
        else:
            scale.turnout_by_ward_and_age(opened, engine)
    assert "part-00003.parquet" in str(caught.value) and "\n" not in str(caught.value)


def test_data_from_another_profile_is_refused(folders):
    with pytest.raises(BadInput, match="us-state-house"):
        scale.open_data(folders[0], "default")


def test_pandas_refuses_a_file_too_big_for_memory_naming_the_engines_to_use(opened, monkeypatch):
    monkeypatch.setenv("MEM_LIMIT", str(16 * 2**20))
    with pytest.raises(TooBigForMemory, match='engine="duckdb" or engine="dask"'):
        scale.turnout_by_ward_and_age(opened[0], "pandas")


def test_an_unknown_engine_or_bad_hours_are_refused(opened):
    with pytest.raises(BadInput, match="spark"):
        scale.turnout_by_ward_and_age(opened[0], "spark")
    with pytest.raises(BadInput, match="zero or more"):
        scale.allocate_volunteer_hours(opened[0], hours=-5)


# ----------------------------------------------------------------------------- the same answer everywhere


@pytest.fixture(scope="module")
def answers(opened):
    """Every question from every engine: pandas and DuckDB on both layouts, Dask on the parts."""
    single, parts = opened
    runs = {("pandas", "single"): {}, ("duckdb", "single"): {}, ("pandas", "parts"): {}, ("duckdb", "parts"): {}, ("dask", "parts"): {}}
    with scale.dask_client(workers=2, processes=False) as client:
        for (engine, layout), found in runs.items():
            data = single if layout == "single" else parts
            found["turnout"] = scale.turnout_by_ward_and_age(data, engine, client=client)
            found["hours"] = scale.allocate_volunteer_hours(data, engine, client=client)
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("question", ["turnout", "hours"])
def test_every_engine_gives_the_same_answer(answers, question):
    reference = answers[("pandas", "single")][question]
    assert len(reference) > 10 if question == "turnout" else len(reference) == 8
    for run, found in answers.items():
        pd.testing.assert_frame_equal(found[question], reference, check_exact=True, obj=f"{run}")


@pytest.mark.slow
def test_the_plan_spends_every_hour_and_gives_each_underserved_ward_its_floor(answers):
    plan = answers[("dask", "parts")]["hours"]
    assert plan["hours"].sum() == pytest.approx(m04.VOLUNTEER_HOURS)
    underserved = plan[plan["underserved"]]
    assert len(underserved) and (underserved["hours"] >= np.minimum(m04.FLOOR_HOURS, underserved["max_hours"]) - 1e-9).all()
    assert (plan["hours"] <= plan["max_hours"] + 1e-9).all()


# ----------------------------------------------------------------------------- the same answer as the notebooks


@pytest.fixture(scope="module")
def classroom():
    return scale.open_data(None, "default")


def test_segments_match_module_04_on_the_classroom_file(classroom):
    targets = m04.targeting_table(load_profile("default"))
    expected = pd.crosstab(targets["ward"], targets["segment"]).reindex(columns=m04.SEGMENTS, fill_value=0)
    found = scale.segment_counts(classroom, "pandas")
    assert found.index.tolist() == expected.index.tolist()
    assert (found - expected).abs().to_numpy().max() == 0


def test_volunteer_hours_match_module_04_on_the_classroom_file(classroom):
    campaign = load_profile("default")
    expected = m04.reference_allocation(m04.ward_hours_table(campaign, m04.targeting_table(campaign)), 120, 15)
    found = scale.allocate_volunteer_hours(classroom, "duckdb", hours=120, floor=15)["hours"]
    assert found.to_dict() == pytest.approx(expected, abs=1e-9)


def test_turnout_by_age_band_matches_module_02_on_the_classroom_file(classroom):
    campaign = load_profile("default")
    voters_table = scale.open_data(None, "default").small_table("voters")
    clean = voters_table[~voters_table.duplicated(scale.SAME_PERSON)].copy()
    impossible = ((clean["age"] < 18) | (clean["age"] > 110)).fillna(False)
    clean.loc[impossible, "date_of_birth"] = pd.NaT
    age_then = (pd.Timestamp(campaign.latest_election.date) - clean["date_of_birth"]).dt.days / 365.25
    starts = [int(band.split("-")[0].rstrip("+")) for band in campaign.age_band_names]
    band = pd.cut(age_then, bins=starts + [150], labels=campaign.age_band_names, right=False)
    expected = clean.groupby(band, observed=True)[f"voted_{campaign.latest_election.date.year}"].mean()
    counts = scale.turnout_by_ward_and_age(classroom, "duckdb").groupby(level="age_band")[["voted", "could_vote"]].sum()
    found = (counts["voted"] / counts["could_vote"]).reindex(campaign.age_band_names)
    assert np.allclose(found.to_numpy(), expected.astype(float).to_numpy(), atol=1e-12)


def test_an_in_process_cluster_is_not_paused_by_the_memory_the_process_already_holds():
    """Threads share this process's memory: a limit there would pause them once a kernel or a test run grows past it."""
    with scale.dask_client(workers=1, processes=False) as client:
        assert [worker["memory_limit"] for worker in client.scheduler_info()["workers"].values()] == [0]
    with pytest.raises(ValueError, match="processes=False"):
        with scale.dask_client(workers=1, processes=False, memory_limit="1GiB"):
            pass


def test_a_local_cluster_leaves_this_process_s_environment_as_it_found_it():
    # Dask sets its workers' MALLOC_TRIM_THRESHOLD_ and thread counts here too; a program started
    # later from the same notebook would inherit them.
    before = dict(os.environ)
    with scale.dask_client(workers=1) as client:
        assert client.submit(sum, [1, 2]).result() == 3
    assert dict(os.environ) == before
