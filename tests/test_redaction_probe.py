"""The labelled sets of the redaction benchmark are well formed (their figures come from bench/bench_redaction.py).

The probe set is measured on; the development set is tuned on. They must not share a person, or
tuning on one would be tuning on the other.
"""

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import pytest  # noqa: E402
from bench_redaction import DEV, PROBE, load_probe, score  # noqa: E402

from campaign_lab.ai.safety import Finding  # noqa: E402


def test_probe_set_has_300_sentences_across_every_section():
    sentences = load_probe()
    sections = Counter(sentence.section for sentence in sentences)
    assert len(sentences) >= 300
    assert {"kenya", "mexico", "united-states", "norvale", "french", "swahili", "accents", "hyphens", "particles",
            "initials", "nicknames", "lower-case", "word-names", "emoji-hashtags", "contacts", "no-personal-data"} <= set(sections)
    assert sections["no-personal-data"] >= 40


@pytest.mark.parametrize("path", [PROBE, DEV], ids=["probe", "dev"])
def test_marks_point_at_their_text_once_the_markup_is_removed(path):
    for sentence in load_probe(path):
        assert "[[" not in sentence.text and "]]" not in sentence.text
        for kind, start, end in sentence.marks:
            assert sentence.text[start:end].strip() == sentence.text[start:end] != ""


def test_scoring_counts_a_half_hidden_name_as_missed_and_an_unmarked_finding_as_a_false_alarm():
    sentences = [s for s in load_probe() if s.text.startswith("Thank María de la Cruz")]
    half = lambda text: [Finding("NAME", 6, 11, "María"), Finding("NAME", 31, 38, "flyers.")]  # noqa: E731
    result = score(sentences, half)
    assert result["name_recall"] == 0.0 and result["precision"] == 0.5


def test_the_development_set_shares_no_person_with_the_probe_set():
    def people(path):
        return {s.text[a:b].casefold() for s in load_probe(path) for kind, a, b in s.marks if kind == "NAME"}

    assert len(load_probe(DEV)) >= 200
    assert people(PROBE) & people(DEV) == set()
