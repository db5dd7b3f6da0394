"""The synthetic datasets: deterministic, calibrated to the profile, with the planted patterns findable."""

from __future__ import annotations

import hashlib
import json
import re

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from campaign_lab import cli, paths
from campaign_lab.data import read_table
from campaign_lab.datagen import MANIFEST, TABLES, calibration, generate
from campaign_lab.datagen._common import TableWriter
from campaign_lab.datagen.model import build_model
from campaign_lab.datagen.voters import write_voters
from campaign_lab.profiles import load_profile

SHIPPED = ["default", "kenya-county", "mexico-municipality", "us-state-house"]
CLASSROOM = 20_000
PHONE = re.compile(r"^555-01\d\d x\d{4}$")
EMAIL = re.compile(r"^[a-z0-9.\-]+@example\.(com|org|net)$")


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """Classroom-size data for every shipped profile, generated once for this module."""
    root = tmp_path_factory.mktemp("classroom")
    return {name: generate(name, root / name, voters=CLASSROOM) for name in SHIPPED}


@pytest.fixture(scope="module")
def default(classroom):
    return classroom["default"]


def table(folder, name) -> pd.DataFrame:
    return read_table(folder / f"{name}.parquet")


def _digests(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


# ----------------------------------------------------------------------------- determinism


def test_same_profile_and_seed_give_the_same_bytes(tmp_path):
    first = generate("kenya-county", tmp_path / "a", voters=3_000, seed=7)
    second = generate("kenya-county", tmp_path / "b", voters=3_000, seed=7)
    assert _digests(first) == _digests(second)


def test_a_different_seed_gives_different_voters(tmp_path):
    first = generate("default", tmp_path / "a", voters=1_000, seed=1)
    second = generate("default", tmp_path / "b", voters=1_000, seed=2)
    assert (first / "voters.parquet").read_bytes() != (second / "voters.parquet").read_bytes()


def test_every_table_is_written_as_parquet_and_csv(default):
    for name in TABLES:
        assert (default / f"{name}.parquet").is_file() and (default / f"{name}.csv").is_file()


# ----------------------------------------------------------------------------- calibration


def _turnout(folder, profile_name):
    """Each published turnout figure's target and result, read from the voter file as a learner would."""
    return calibration.measure(load_profile(profile_name), table(folder, "voters"))


def _voters_only(tmp_path, name, seed, voters=CLASSROOM):
    """Just the voter file (no linked tables), to check calibration at many seeds quickly."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    model = build_model(load_profile(name), seed)
    writer = TableWriter(tmp_path, "voters", csv=False)
    write_voters(model, writer, voters)
    writer.close()
    return tmp_path


@pytest.mark.parametrize("name", SHIPPED)
def test_every_turnout_figure_is_within_one_point_of_the_profile(classroom, name):
    for row in _turnout(classroom[name], name):
        assert abs(row["difference_points"]) <= calibration.TOLERANCE_POINTS, row


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_every_turnout_figure_is_within_one_point_at_seeds_0_to_4(tmp_path, name):
    for seed in range(5):
        folder = _voters_only(tmp_path / str(seed), name, seed)
        worst = max(_turnout(folder, name), key=lambda row: abs(row["difference_points"]))
        assert abs(worst["difference_points"]) <= calibration.TOLERANCE_POINTS, (seed, worst)


def test_youth_turnout_is_the_published_figure(classroom):
    youth = _turnout(classroom["us-state-house"], "us-state-house")[0]
    assert youth["margin"] == "18-24" and youth["target"] == 0.514
    assert abs(youth["difference_points"]) < 0.5


@pytest.mark.parametrize("name", SHIPPED)
def test_manifest_records_what_the_voter_file_shows(classroom, name):
    manifest = json.loads((classroom[name] / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["turnout_calibration"]["margins"] == _turnout(classroom[name], name)


def test_voters_card_prints_each_figure_with_target_and_result_of_the_classroom_data(classroom):
    card = (paths.datasets_dir() / "cards" / "voters.md").read_text(encoding="utf-8")
    reports = {name: json.loads((classroom[name] / MANIFEST).read_text(encoding="utf-8"))["turnout_calibration"]["margins"] for name in SHIPPED}
    assert calibration.card_table(reports) in card, "run: python -m campaign_lab.datagen.card"


def test_turnout_keeps_the_habit_pattern_within_cells(default):
    voters = table(default, "voters")
    underserved = [w.name for w in load_profile("default").constituency.wards if w.underserved]
    inside = voters["ward"].isin(underserved)
    assert voters.loc[inside, "voted_2022"].mean() < voters.loc[~inside & voters["ward"].notna(), "voted_2022"].mean() - 0.05
    eligible_both = voters[voters["voted_2017"].notna() & voters["voted_2022"].notna()]
    habitual = eligible_both.groupby("voted_2017")["voted_2022"].mean()
    assert habitual[True] > habitual[False] + 0.2


def test_women_share_of_the_register_follows_the_profile(classroom):
    voters = table(classroom["kenya-county"], "voters")
    assert (voters["sex"].dropna() == "F").mean() == pytest.approx(0.4912, abs=0.015)


def test_ward_sizes_follow_the_profile(default):
    wards = table(default, "wards")
    shares = wards.set_index("ward")["registered_voters"] / wards["registered_voters"].sum()
    expected = load_profile("default").wards_frame().set_index("name")["population_share"]
    assert (shares - expected).abs().max() < 0.015


# ----------------------------------------------------------------------------- planted patterns


def test_support_depends_on_top_issue(default):
    by_issue = table(default, "survey").groupby("top_issue")["support"].mean()
    assert by_issue.max() - by_issue.min() > 0.8


def test_support_falls_with_age(default):
    survey = table(default, "survey")
    assert survey["age"].corr(survey["support"].astype(float)) < -0.2


def _contacted_share(voters, column, values):
    contacted = voters["contacts_last_campaign"] > 0
    inside = voters[column].isin(values)
    return contacted[inside].mean(), contacted[~inside & voters[column].notna()].mean()


def test_underserved_wards_have_low_contact_rates(default):
    underserved = [w.name for w in load_profile("default").constituency.wards if w.underserved]
    inside, outside = _contacted_share(table(default, "voters"), "ward", underserved)
    assert inside < 0.6 * outside


def test_underserved_communities_have_low_contact_rates(classroom):
    profile = load_profile("us-state-house")
    underserved = [c.name for c in profile.population.communities if c.underserved]
    inside, outside = _contacted_share(table(classroom["us-state-house"], "voters"), "community", underserved)
    assert inside < 0.75 * outside


def test_survey_over_represents_rural_and_older_voters(default):
    survey, voters = table(default, "survey"), table(default, "voters")
    rural = [w.name for w in load_profile("default").constituency.wards if w.setting == "rural"]
    plausible = voters[(voters["age"] >= 18) & (voters["age"] <= 110)]
    assert (survey["setting"] == "rural").mean() > voters["ward"].isin(rural).mean() + 0.1
    assert survey["age"].mean() > plausible["age"].mean() + 4


def test_small_donors_give_more_often_and_smaller_amounts_than_large_donors(default):
    gifts = table(default, "gifts")
    per_donor = gifts.groupby("donor_id")["amount"].agg(["size", "median", "max"])
    large = per_donor["max"] >= 10 * load_profile("default").money.typical_gift
    assert per_donor.loc[~large, "size"].mean() > 2 * per_donor.loc[large, "size"].mean()
    assert per_donor.loc[~large, "median"].median() * 10 < per_donor.loc[large, "median"].median()


def test_small_donors_are_more_often_women_than_large_donors(default):
    gifts, donors, voters = table(default, "gifts"), table(default, "donors"), table(default, "voters")
    biggest = gifts.groupby("donor_id")["amount"].max().rename("biggest")
    merged = donors.join(biggest, on="donor_id").merge(voters[["voter_id", "sex"]], on="voter_id")
    large = merged["biggest"] >= 10 * load_profile("default").money.typical_gift
    assert (merged.loc[~large, "sex"] == "F").mean() > (merged.loc[large, "sex"] == "F").mean()


def test_a_few_donors_exceed_the_donation_limit_this_cycle(default):
    profile = load_profile("default")
    gifts = table(default, "gifts")
    cycle = gifts[gifts["date"] >= pd.Timestamp(profile.calendar.campaign_start) - pd.Timedelta(days=365)]
    totals = cycle.groupby("donor_id")["amount"].sum()
    assert 1 <= (totals > profile.money.donation_limit.amount).sum() <= 0.05 * len(totals)


def _posts_with_labels(folder):
    return table(folder, "posts").merge(table(folder, "post_labels"), on="post_id")


def test_bot_network_is_found_by_timing_and_near_duplicate_text(default):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    posts = _posts_with_labels(default)
    similarity = cosine_similarity(TfidfVectorizer().fit_transform(posts["text"]))
    seconds = (posts["timestamp"] - posts["timestamp"].min()).dt.total_seconds().to_numpy()
    close_in_time = np.abs(seconds[:, None] - seconds[None, :]) <= 600
    other_account = posts["account_id"].to_numpy()[:, None] != posts["account_id"].to_numpy()[None, :]
    flagged = ((similarity > 0.7) & close_in_time & other_account).sum(axis=1) >= 3
    truth = posts["coordinated"].to_numpy()
    precision = (flagged & truth).sum() / flagged.sum()
    recall = (flagged & truth).sum() / truth.sum()
    assert precision > 0.9 and recall > 0.9


def test_bot_accounts_are_young_with_few_followers(default):
    posts = _posts_with_labels(default).merge(table(default, "accounts"), on="account_id")
    bots = posts[posts["coordinated"]].drop_duplicates("account_id")
    people = posts[~posts["coordinated"] & ~posts["official"]].drop_duplicates("account_id")
    assert bots["created"].min() > people["created"].median()
    assert bots["followers"].median() < people["followers"].median()


def test_abuse_concentrates_on_the_candidate_more_than_on_rivals(default):
    posts = _posts_with_labels(default)
    organic = posts[~posts["coordinated"]]
    rate = organic.groupby("target")["abusive"].mean()
    assert rate["candidate"] > 2.5 * rate["rival"]
    assert not organic.loc[organic["target"] == "rival", "gendered_abuse"].any()


def test_abuse_rate_at_the_candidate_follows_troll_patrol(default):
    posts = _posts_with_labels(default)
    about_her = posts[(posts["target"] == "candidate") & ~posts["coordinated"]]
    assert about_her["abusive"].mean() == pytest.approx(0.071, abs=0.005)


def test_emerging_issue_shows_as_a_spike(default):
    posts = _posts_with_labels(default)
    spike_issue = load_profile("default").issues[1]
    daily = posts[posts["topic"] == spike_issue].set_index("timestamp").resample("D").size()
    assert daily.max() > 5 * daily.median()


def test_email_variant_b_opens_more_but_gifts_barely_differ(default):
    rates = table(default, "email_test").groupby("variant")[["opened", "gave"]].mean()
    assert rates.loc["B", "opened"] - rates.loc["A", "opened"] > 0.03
    assert abs(rates.loc["B", "gave"] - rates.loc["A", "gave"]) < 0.01


def test_some_ai_made_ads_lack_a_disclosure(default):
    ads = table(default, "ads")
    assert (ads["ai_generated"] & ~ads["ai_disclosed"]).any()
    assert not (ads["ai_disclosed"] & ~ads["ai_generated"]).any()


def test_ad_reach_shows_diminishing_returns(default):
    rows = table(default, "ad_audiences")
    slope = np.polyfit(np.log(rows["spend"]), np.log(rows["impressions"].clip(lower=1)), 1)[0]
    assert 0.4 < slope < 0.85


# ----------------------------------------------------------------------------- voter-file quality problems


def test_voter_file_holds_planted_duplicates(default):
    voters = table(default, "voters")
    keys = voters.dropna(subset=["date_of_birth"]).duplicated(["first_name", "last_name", "date_of_birth", "address"], keep=False)
    assert keys.sum() >= 50
    assert voters["voter_id"].is_unique


def test_voter_file_has_inconsistent_ward_spellings(default):
    voters = table(default, "voters")
    official = set(load_profile("default").wards_frame()["name"])
    odd = voters["ward"].dropna()[~voters["ward"].dropna().isin(official)]
    assert len(odd) > 100
    assert odd.str.strip().str.lower().isin({name.lower() for name in official}).mean() > 0.6


def test_voter_file_has_impossible_ages_and_missing_values(default):
    voters = table(default, "voters")
    assert ((voters["age"] < 18) | (voters["age"] > 110)).sum() >= 5
    assert voters["age"].isna().sum() >= 20 and voters["ward"].isna().sum() >= 10 and voters["sex"].isna().sum() >= 10


def test_manifest_counts_the_planted_problems(default):
    planted = json.loads((default / MANIFEST).read_text(encoding="utf-8"))["planted"]["voter_file_problems"]
    voters = table(default, "voters")
    assert planted["missing_birth_dates"] == voters["date_of_birth"].isna().sum()


# ----------------------------------------------------------------------------- fake personal data


@pytest.mark.parametrize("name", SHIPPED)
def test_voter_phones_are_in_the_fictional_555_01_range(classroom, name):
    phones = table(classroom[name], "voters")["phone"].dropna()
    assert len(phones) > 1000 and phones.str.match(PHONE).all()


@pytest.mark.parametrize("name", SHIPPED)
def test_voter_emails_use_reserved_example_domains(classroom, name):
    emails = table(classroom[name], "voters")["email"].dropna()
    assert len(emails) > 1000 and emails.str.match(EMAIL).all()


def test_personal_data_in_voter_messages_is_fictional_too(default):
    text = " ".join(table(default, "voter_messages")["text"])
    phones = re.findall(r"\d{3}-\d{4}(?: x\d{4})?", text)
    assert phones and all(PHONE.match(phone) for phone in phones)
    assert all(EMAIL.match(email) for email in re.findall(r"[\w.\-]+@[\w.\-]+\w", text))


@pytest.mark.parametrize("name", SHIPPED)
def test_addresses_in_voter_messages_follow_the_country_and_are_redacted(classroom, name):
    from campaign_lab.ai.safety import redact
    from campaign_lab.profiles import load_profile

    names = load_profile(name).names
    messages = table(classroom[name], "voter_messages")["text"]
    with_address = [text for text in messages if "address" in text.lower() or "dirección" in text.lower()]
    streets = [street for street in names.streets if any(street in text for text in with_address)]
    assert with_address and streets
    for text in with_address:
        redacted = redact(text)
        assert "[ADDRESS]" in redacted and not any(f"{street} " in redacted for street in streets), redacted


# ----------------------------------------------------------------------------- links, texts, media


def test_linked_tables_refer_to_existing_rows(default):
    voters = set(table(default, "voters")["voter_id"])
    assert set(table(default, "survey")["voter_id"]) <= voters
    assert set(table(default, "donors")["voter_id"]) <= voters
    assert set(table(default, "email_test")["voter_id"]) <= voters
    assert set(table(default, "gifts")["donor_id"]) <= set(table(default, "donors")["donor_id"])
    assert set(table(default, "posts")["account_id"]) <= set(table(default, "accounts")["account_id"])
    posts = table(default, "posts")
    assert set(posts["reply_to"].dropna()) <= set(posts["post_id"])
    assert list(table(default, "post_labels")["post_id"]) == list(posts["post_id"])


def test_youth_speech_misstates_one_platform_figure(default):
    platform = (default / "texts" / "platform.md").read_text(encoding="utf-8")
    youth = (default / "texts" / "speech_youth.md").read_text(encoding="utf-8")
    assert "by 20%" in platform and "30 percent" in youth


def test_voter_messages_hold_one_prompt_injection_and_some_personal_data(default):
    labels = table(default, "voter_message_labels")
    messages = table(default, "voter_messages").merge(labels, on="message_id")
    assert labels["prompt_injection"].sum() == 1
    assert "IGNORE ALL PREVIOUS INSTRUCTIONS" in messages.loc[messages["prompt_injection"], "text"].iloc[0]
    assert labels["contains_personal_data"].sum() >= 5


def test_mexican_profile_has_spanish_texts_and_posts(classroom):
    folder = classroom["mexico-municipality"]
    assert "Compromisos" in (folder / "texts" / "platform_es.md").read_text(encoding="utf-8")
    assert (table(folder, "posts")["language"] == "es").mean() > 0.2


def test_media_manifest_hashes_match_originals_and_not_the_doctored_copy(default):
    media = default / "media"
    manifest = json.loads((media / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        assert hashlib.sha256((media / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    listed = {entry["file"]: entry["sha256"] for entry in manifest["files"]}
    doctored = hashlib.sha256((media / "received" / "pledge.png").read_bytes()).hexdigest()
    assert "pledge.png" in listed and doctored != listed["pledge.png"]


@pytest.mark.parametrize("name", TABLES)
def test_every_table_has_a_data_card_naming_its_columns(default, name):
    card = paths.datasets_dir() / "cards" / f"{name}.md"
    text = card.read_text(encoding="utf-8")
    for column in pq.read_schema(default / f"{name}.parquet").names:
        generic = re.sub(r"rival\d", "rival<N>", re.sub(r"\d{4}", "<year>", column))
        assert f"`{generic}`" in text, f"{card.name} does not describe column {column}"


# ----------------------------------------------------------------------------- command line and scale


@pytest.mark.parametrize("name", SHIPPED)
def test_data_command_generates_every_profile(tmp_path, capsys, name):
    out = tmp_path / "out"
    assert cli.main(["data", "--profile", name, "--out", str(out), "--voters", "500", "--seed", "3"]) == 0
    assert (out / "voters.parquet").is_file() and (out / MANIFEST).is_file()
    assert pq.read_metadata(out / "voters.parquet").num_rows == 500
    printed = capsys.readouterr().out
    assert "Wrote" in printed and f"Turnout in {load_profile(name).turnout.election_year}: each of the profile's" in printed


def test_data_command_refuses_a_folder_holding_other_files(tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    assert cli.main(["data", "--out", str(out), "--voters", "300"]) == 2
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert "other files" in capsys.readouterr().err


def test_data_command_replaces_its_own_earlier_output(tmp_path):
    out = tmp_path / "out"
    assert cli.main(["data", "--out", str(out), "--voters", "300"]) == 0
    assert cli.main(["data", "--out", str(out), "--voters", "400"]) == 0
    assert pq.read_metadata(out / "voters.parquet").num_rows == 400


def test_a_run_that_fails_halfway_leaves_no_folder_behind(tmp_path, monkeypatch):
    from campaign_lab.datagen import media

    def broken(*args):
        raise OSError("disk full")

    monkeypatch.setattr(media, "write_media", broken)
    with pytest.raises(OSError):
        generate("default", tmp_path / "out", voters=300)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("option", [["--voters", "5"], ["--seed", "-1"]])
def test_data_command_rejects_out_of_range_numbers(tmp_path, option):
    out = tmp_path / "out"
    assert cli.main(["data", "--out", str(out), *option]) == 2
    assert not out.exists()


@pytest.mark.slow
def test_200k_voters_stream_in_chunks_and_stay_calibrated(tmp_path):
    folder = generate("us-state-house", tmp_path / "big", voters=200_000)
    metadata = pq.read_metadata(folder / "voters.parquet")
    assert metadata.num_rows == 200_000 and metadata.num_row_groups == 2
    assert (folder / "voters.csv").is_file()
    assert max(abs(row["difference_points"]) for row in _turnout(folder, "us-state-house")) < 0.5
    assert table(folder, "voters")["voter_id"].is_unique


def test_voter_file_bytes_do_not_depend_on_how_many_threads_build_it(tmp_path, monkeypatch):
    from campaign_lab.datagen import voters

    monkeypatch.setattr(voters, "CHUNK_ROWS", 1_000)
    model = build_model(load_profile("default"), 5)
    digests = []
    for workers in (1, 3):
        folder = tmp_path / str(workers)
        folder.mkdir()
        writer = TableWriter(folder, "voters", csv=False)
        voters.write_voters(model, writer, 5_500, workers=workers)
        writer.close()
        digests.append(hashlib.sha256((folder / "voters.parquet").read_bytes()).hexdigest())
        assert pq.read_metadata(folder / "voters.parquet").num_row_groups == 6
    assert digests[0] == digests[1]


def test_ages_match_the_calendar_for_every_day_of_four_centuries():
    import datetime as dt

    from campaign_lab.datagen._common import age_on, to_dates

    days = np.arange(-80_000, 90_000)  # 1750 to 2216: inside and outside the lookup table
    dob = to_dates(days)
    for on in (dt.date(2022, 5, 5), dt.date(2024, 2, 29), dt.date(2027, 12, 31)):
        years = dob.astype("datetime64[Y]").astype(np.int64) + 1970
        before = (pd.DatetimeIndex(dob).month * 32 + pd.DatetimeIndex(dob).day).to_numpy() > on.month * 32 + on.day
        assert (age_on(days, on) == on.year - years - before).all()
