"""Context profiles: the shipped ones are valid, and a broken one is reported in one line."""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import pytest
import yaml

from campaign_lab import cli, paths
from campaign_lab.commands import check_profile
from campaign_lab.datagen import generate
from campaign_lab.errors import BadInput
from campaign_lab.profiles import available_profiles, describe_profile, load_profile, profile_path

SHIPPED = ["default", "kenya-county", "mexico-municipality", "us-state-house"]


def _default_data() -> dict:
    return yaml.safe_load((paths.profiles_dir() / "default.yaml").read_text(encoding="utf-8"))


def _write(tmp_path: Path, data, name: str = "broken.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _drop(keys):
    def mutate(data):
        target = data
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return mutate


def _set(keys, value):
    def mutate(data):
        target = data
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return mutate


# (case name, change to the default profile, dotted field the message must name)
MALFORMED = [
    ("missing field", _drop(["candidate"]), "candidate"),
    ("missing nested field", _drop(["calendar", "election_day"]), "calendar.election_day"),
    ("wrong type", _set(["population", "registered_voters"], "many"), "population.registered_voters"),
    ("shares not summing to one", _set(["constituency", "wards", 2, "population_share"], 0.5), "constituency.wards"),
    ("unknown language", _set(["languages", 0, "code"], "xx"), "languages[0].code"),
    ("negative count", _set(["population", "registered_voters"], -5), "population.registered_voters"),
    ("candidate not a woman", _set(["candidate", "gender"], "man"), "candidate.gender"),
    ("unknown setting", _set(["constituency", "wards", 2, "setting"], "suburb"), "constituency.wards[2].setting"),
    ("bad date", _set(["calendar", "election_day"], "next spring"), "calendar.election_day"),
    ("misspelt field", _set(["candiate"], {"name": "X"}), "candiate"),
    ("turnout bands differ from population bands", lambda d: d["turnout"]["by_age"].pop(), "turnout.by_age"),
    ("rule without citation", lambda d: d["rules"]["political_ads"][0].update(citation=None, illustrative=False), "rules.political_ads[0]"),
    ("contact without citation", lambda d: d["safety"]["contacts"][0].update(citation=None, illustrative=False), "safety.contacts[0]"),
    ("contact with no way to reach it", lambda d: d["safety"]["contacts"][0].pop("how"), "safety.contacts[0].how"),
    ("unknown country code", _set(["country", "code"], "ZZ"), "country.code"),
    ("unknown currency", _set(["money", "currency"], "DOLLARS"), "money.currency"),
    ("past election after election day", _set(["calendar", "past_elections", 2, "date"], "2030-01-01"), "calendar.past_elections[2].date"),
    ("age band below voting age", _set(["population", "age_bands", 0, "band"], "16-24"), "population.age_bands"),
    ("list given as text", _set(["constituency", "wards"], "Old Harbour"), "constituency.wards"),
    ("incomplete issue translation", _set(["issue_translations"], {"es": ["empleo"]}), "issue_translations.es"),
]


@pytest.mark.parametrize("change, fields", [
    (_set(["turnout", "overall"], 0.70), ("`turnout.by_age`", "`turnout.overall`")),
    (_set(["turnout", "by_sex"], {"women": 0.9, "men": 0.88}), ("`turnout.by_age`",)),
])
def test_turnout_figures_that_cannot_all_be_met_are_named_in_one_line(tmp_path, change, fields):
    data = _default_data()
    change(data)
    path = _write(tmp_path, data)
    for refuse in (lambda: check_profile.run(argparse.Namespace(profile=str(path))), lambda: generate(path, tmp_path / "out", voters=200)):
        with pytest.raises(BadInput) as caught:
            refuse()
        message = str(caught.value)
        assert "\n" not in message and all(field in message for field in fields), message
        assert "illustrative" in message and str(path) in message
    assert not (tmp_path / "out").exists(), "nothing is written for a refused profile"


def test_turnout_figures_a_little_apart_are_reconciled_not_refused(tmp_path):
    data = _default_data()
    data["turnout"]["overall"] = 0.672  # 0.6 point above what the bands imply: within reach
    assert load_profile(_write(tmp_path, data)).turnout.overall == 0.672


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_is_valid(name):
    profile = load_profile(name)
    assert profile.id == name


def test_available_profiles_lists_the_shipped_profiles_default_first():
    names = available_profiles()
    assert set(SHIPPED) <= set(names)
    assert names[0] == "default"
    assert "TEMPLATE" not in names


def test_template_is_a_valid_profile():
    assert load_profile(paths.profiles_dir() / "TEMPLATE.yaml").candidate.gender == "woman"


@pytest.mark.parametrize("name", SHIPPED)
def test_profile_has_the_attributes_notebooks_rely_on(name):
    p = load_profile(name)
    ward = p.constituency.wards[0]
    assert (p.country.name, p.country.code, p.country.fictional) is not None
    assert ward.setting in ("urban", "rural") and -90 <= ward.lat <= 90 and -180 <= ward.lon <= 180
    assert p.population.age_bands[0].band and p.population.sex.women > 0
    assert p.languages[0].code and p.issues and p.candidate.slogan and p.rivals[0].party
    assert p.calendar.election_day > p.calendar.campaign_start
    assert p.turnout.source is None or p.turnout.source.url.startswith("http")
    assert all(rule.law and rule.requires for rule in p.rules.data_protection + p.rules.political_ads + p.rules.ai_disclosure)
    assert len(p.money.currency) == 3 and p.money.donation_limit.amount > 0


def test_only_the_default_profile_is_fictional():
    fictional = {name: load_profile(name).country.fictional for name in SHIPPED}
    assert fictional == {"default": True, "kenya-county": False, "mexico-municipality": False, "us-state-house": False}


@pytest.mark.parametrize("name", SHIPPED)
def test_rules_not_marked_illustrative_carry_a_citation(name):
    rules = load_profile(name).rules
    for rule in rules.data_protection + rules.political_ads + rules.ai_disclosure:
        assert rule.illustrative or rule.citation.url.startswith("http")


@pytest.mark.parametrize("name", SHIPPED)
def test_every_profile_says_which_harassment_law_and_contacts_it_could_cite(name):
    safety = load_profile(name).safety
    assert safety.harassment_law and safety.contacts
    for entry in safety.harassment_law + safety.contacts:
        assert entry.illustrative or entry.citation.url.startswith("http")
        if not entry.citation:  # nothing to cite: the entry says so, as a reminder to check
            assert "could not cite" in (getattr(entry, "requires", "") + getattr(entry, "how", "")) or name == "default"


def test_a_profile_without_a_safety_section_still_loads_with_empty_lists(tmp_path):
    data = yaml.safe_load(profile_path("default").read_text())
    del data["safety"]
    path = tmp_path / "old.yaml"
    path.write_text(yaml.safe_dump(data))
    assert load_profile(path).safety.contacts == []


def test_wards_frame_has_one_row_per_ward_with_named_columns():
    profile = load_profile("kenya-county")
    frame = profile.wards_frame()
    assert len(frame) == len(profile.constituency.wards)
    assert {"name", "setting", "population_share", "lat", "lon"} <= set(frame.columns)
    assert frame["population_share"].sum() == pytest.approx(1, abs=0.001)


def test_issues_in_a_language_fall_back_to_the_profile_issues():
    profile = load_profile("mexico-municipality")
    assert profile.issues_in("es")[1] == "abasto de agua"
    assert profile.issues_in("fr") == profile.issues


def test_describe_profile_names_candidate_and_election_day():
    text = describe_profile(load_profile("us-state-house"))
    assert "Danielle Okafor-Brandt" in text and "2026-11-03" in text


def test_unknown_profile_name_lists_the_shipped_ones():
    with pytest.raises(BadInput, match="kenya-county"):
        load_profile("atlantis")


def test_missing_profile_file_is_reported(tmp_path):
    with pytest.raises(BadInput, match="No profile file"):
        load_profile(tmp_path / "nowhere.yaml")


@pytest.mark.parametrize("case, mutate, field", MALFORMED, ids=[case[0] for case in MALFORMED])
def test_malformed_profile_names_file_and_field_in_one_line(tmp_path, case, mutate, field):
    data = copy.deepcopy(_default_data())
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(BadInput) as error:
        load_profile(path)
    message = str(error.value)
    assert "\n" not in message
    assert str(path) in message
    assert f"`{field}`" in message


@pytest.mark.parametrize(
    "text, expected",
    [("", "is empty"), ("   \n# only a comment\n", "is empty"), ("id: [unclosed\n", "not valid YAML at line"), ("- just\n- a list\n", "must be a YAML mapping")],
    ids=["empty file", "only comments", "bad YAML", "not a mapping"],
)
def test_unreadable_profile_file_is_reported_in_one_line(tmp_path, text, expected):
    path = _write(tmp_path, text)
    with pytest.raises(BadInput) as error:
        load_profile(path)
    assert expected in str(error.value) and str(path) in str(error.value) and "\n" not in str(error.value)


def test_check_profile_command_prints_summary_and_exits_0(capsys):
    assert cli.main(["check-profile", "mexico-municipality"]) == 0
    assert "Zapopan" in capsys.readouterr().out


@pytest.mark.parametrize("case, mutate, field", MALFORMED, ids=[case[0] for case in MALFORMED])
def test_check_profile_command_exits_2_with_one_line(tmp_path, capsys, case, mutate, field):
    data = copy.deepcopy(_default_data())
    mutate(data)
    path = _write(tmp_path, data)
    assert cli.main(["check-profile", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"`{field}`" in err


@pytest.mark.parametrize("case, mutate, field", MALFORMED, ids=[case[0] for case in MALFORMED])
def test_data_command_with_malformed_profile_exits_2_and_writes_nothing(tmp_path, capsys, case, mutate, field):
    data = copy.deepcopy(_default_data())
    mutate(data)
    path = _write(tmp_path, data)
    out = tmp_path / "out"
    assert cli.main(["data", "--profile", str(path), "--out", str(out), "--voters", "300"]) == 2
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["broken.yaml"]
    assert f"`{field}`" in capsys.readouterr().err
