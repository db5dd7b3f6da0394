"""``campaign_lab.data.load``: one line gives a notebook its data, generated on first use."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from campaign_lab import paths
from campaign_lab.data import available, data_dir, ensure_data, load
from campaign_lab.datagen import MANIFEST
from campaign_lab.errors import BadInput

SHIPPED_PROFILES = paths.profiles_dir()


@pytest.fixture
def course(tmp_path, monkeypatch) -> Path:
    """A throw-away copy of the course folder holding only the shipped profiles."""
    shutil.copytree(SHIPPED_PROFILES, tmp_path / "datasets" / "profiles")
    monkeypatch.setenv("CAMPAIGN_LAB_ROOT", str(tmp_path))
    return tmp_path


def test_first_load_generates_the_profile_data(course):
    assert not data_dir("default").exists()
    voters = load("voters")
    assert len(voters) == 20_000
    assert (course / "datasets" / "generated" / "default" / MANIFEST).is_file()


def test_second_load_reuses_the_generated_files(course):
    load("wards")
    manifest = data_dir("default") / MANIFEST
    before = manifest.stat().st_mtime_ns
    load("survey")
    assert manifest.stat().st_mtime_ns == before


def test_tables_load_as_dataframes_with_nullable_types(course):
    voters = load("voters")
    assert isinstance(voters, pd.DataFrame)
    assert str(voters["age"].dtype) == "Int64" and str(voters["voted_2017"].dtype) == "boolean"
    assert pd.api.types.is_datetime64_any_dtype(voters["registration_date"])


def test_texts_load_as_strings(course):
    platform = load("platform")
    assert isinstance(platform, str) and platform.startswith("# Maya Rivenhall")


def test_media_loads_as_a_folder_path(course):
    media = load("media")
    assert isinstance(media, Path) and (media / "manifest.json").is_file()


def test_other_profiles_load_by_name(course):
    gifts = load("gifts", profile="kenya-county")
    assert set(gifts["currency"]) == {"KES"}


def test_unknown_name_lists_the_available_ones(course):
    with pytest.raises(BadInput) as error:
        load("voter")
    assert "voters" in str(error.value) and "platform" in str(error.value)


def test_a_text_the_profile_lacks_is_reported(course):
    with pytest.raises(BadInput, match="no text called 'platform_es'"):
        load("platform_es", profile="default")


def test_changing_the_profile_regenerates_its_data(course):
    load("wards")
    path = course / "datasets" / "profiles" / "default.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Maya Rivenhall", "Maya Rivenhall-Osei"), encoding="utf-8")
    assert load("platform").startswith("# Maya Rivenhall-Osei")


def test_ensure_data_returns_the_folder_and_records_the_profile(course):
    folder = ensure_data("us-state-house", progress=False)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert folder.name == "us-state-house" and manifest["profile"] == "us-state-house"


def test_available_names_cover_tables_texts_and_media():
    names = available()
    assert {"voters", "survey", "wards", "posts", "post_labels", "donors", "gifts", "email_test", "ads", "platform", "debate", "media"} <= set(names)
