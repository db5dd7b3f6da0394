"""The AI-use log records each use (redacted) and feeds the public disclosure statement."""

import json
from datetime import datetime, timezone

import pytest

from campaign_lab.ai.safety import DEFAULT_LABEL, disclosure_statement, log_use, read_log
from campaign_lab.errors import BadInput

DAY1 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
DAY2 = datetime(2026, 3, 9, 17, 5, tzinfo=timezone.utc)


@pytest.fixture
def log(tmp_path):
    return tmp_path / "ai-use-log.jsonl"


@pytest.fixture
def filled_log(log):
    log_use("draft a social post", "local", "smollm2-135m-instruct", "Post about the bus route", True, path=log, when=DAY1)
    log_use("draft a social post", "local", "smollm2-135m-instruct", "Post about clinics", True, "Made with AI, checked by Amina's team.", path=log, when=DAY1)
    log_use("summarise voter emails", "openai", "gpt-4o-mini", "Summarise: Peter Kamau, 0722 100 200", path=log, when=DAY2)
    return log


def test_each_use_appends_one_json_line_with_all_fields(log):
    log_use("draft a speech", "local", "smollm2-135m-instruct", "Opening lines on water", path=log, when=DAY1)
    log_use("draft a speech", "local", "smollm2-135m-instruct", "Closing lines on water", path=log, when=DAY2)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert set(json.loads(lines[0])) == {"time", "purpose", "provider", "model", "prompt", "removed", "published", "label"}


def test_logged_prompt_is_redacted(log):
    entry = log_use("reply to a voter", "openai", "gpt-4o-mini", "Reply to Ruth Auma at ruth@example.org", names=["Ruth Auma"], path=log)
    assert json.loads(log.read_text())["prompt"] == entry["prompt"] == "Reply to [NAME] at [EMAIL]"


def test_log_counts_the_kinds_removed_and_never_keeps_the_values(log):
    prompt = "Ask Wanjiku Otieno-Ruto (0722 345 678, wanjiku@example.org) and Peter Kamau to help"
    log_use("reply to a volunteer", "openai", "gpt-4o-mini", prompt, path=log)
    written = log.read_text(encoding="utf-8")
    assert json.loads(written)["removed"] == {"EMAIL": 1, "NAME": 2, "PHONE": 1}
    for value in ("Wanjiku", "Otieno-Ruto", "0722 345 678", "wanjiku@example.org", "Kamau"):
        assert value not in written


def test_time_is_written_in_utc(log):
    entry = log_use("plan", "local", "m", "p", path=log, when=datetime(2026, 3, 2, 12, 0).astimezone())
    assert entry["time"].endswith("+00:00")


def test_published_use_without_a_label_gets_the_default_label(log):
    assert log_use("draft a post", "local", "m", "p", published=True, path=log)["label"] == DEFAULT_LABEL


def test_unpublished_use_has_no_label_unless_given(log):
    assert log_use("brainstorm", "local", "m", "p", path=log)["label"] is None


def test_empty_purpose_is_bad_input(log):
    with pytest.raises(BadInput, match="purpose"):
        log_use("  ", "local", "m", "p", path=log)


def test_broken_log_line_is_bad_input_naming_the_line(log):
    log_use("plan", "local", "m", "p", path=log)
    with log.open("a") as handle:
        handle.write("this is not json\n")
    with pytest.raises(BadInput, match="Line 2"):
        read_log(log)


def test_missing_log_file_is_bad_input_naming_the_file(tmp_path):
    with pytest.raises(BadInput, match="no-log.jsonl"):
        disclosure_statement(tmp_path / "no-log.jsonl")


def test_statement_counts_uses_by_purpose(filled_log):
    statement = disclosure_statement(filled_log)
    assert "| draft a social post | 2 | 2 |" in statement
    assert "| summarise voter emails | 1 | 0 |" in statement


def test_statement_gives_the_period_covered(filled_log):
    assert "3 times between 2026-03-02 and 2026-03-09" in disclosure_statement(filled_log)


def test_statement_lists_the_labels_of_published_items(filled_log):
    statement = disclosure_statement(filled_log)
    assert f'"{DEFAULT_LABEL}" (1 item)' in statement
    assert '"Made with AI, checked by Amina\'s team." (1 item)' in statement


def test_statement_says_which_tools_run_locally_and_which_are_outside(filled_log):
    statement = disclosure_statement(filled_log)
    assert "smollm2-135m-instruct (local): runs on our own computers" in statement
    assert "gpt-4o-mini (openai): an outside service; names, contact details and voter ids are removed" in statement


def test_statement_never_reveals_prompts(filled_log):
    statement = disclosure_statement(filled_log)
    assert "bus route" not in statement and "[PHONE]" not in statement


def test_statement_lists_what_the_campaign_never_uses_ai_for(filled_log):
    statement = disclosure_statement(filled_log)
    for phrase in ("pretend to be a real person", "invent endorsements", "discourage anyone from voting", "sexualised or deceptive"):
        assert phrase in statement


def test_statement_includes_the_rules_given(filled_log):
    rules = [
        {"name": "EU Regulation 2024/900", "requirement": "political ads carry a label and a transparency notice", "source": "https://eur-lex.europa.eu/eli/reg/2024/900/oj"},
        "Meta: disclose digitally altered photorealistic media in political ads",
    ]
    statement = disclosure_statement(filled_log, rules, campaign="Amina for Ward 4")
    assert statement.startswith("# How Amina for Ward 4 uses AI")
    assert "- **EU Regulation 2024/900**: political ads carry a label and a transparency notice (https://eur-lex.europa.eu/eli/reg/2024/900/oj)" in statement
    assert "- Meta: disclose digitally altered photorealistic media in political ads" in statement


def test_statement_without_rules_has_no_rules_section(filled_log):
    assert "## Rules we follow" not in disclosure_statement(filled_log)


def test_statement_for_an_empty_log_says_no_ai_was_used(log):
    log.write_text("")
    assert "We have not used AI tools in this campaign so far." in disclosure_statement(log)


def test_a_single_day_of_use_is_said_as_one_date(tmp_path):
    from campaign_lab.ai import disclosure_statement, log_use

    log = tmp_path / "log.jsonl"
    log_use("draft a post", "local", "smollm2", "Write a post", path=log)
    statement = disclosure_statement(log)
    assert "1 time on " in statement and "between" not in statement.split("\n")[2]
