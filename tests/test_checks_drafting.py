"""The check kinds and reference functions of modules 09 (drafting) and 10 (safe use)."""

import re

import pytest

from campaign_lab import data
from campaign_lab.checks import ____, Outcome
from campaign_lab.checks.m09 import (
    AddedTextExercise,
    TargetFunctionExercise,
    figures,
    reading_ease,
    saved_draft_sentences,
    unsupported_sentences,
)
from campaign_lab.checks.m10 import INBOX_RULES, exercises as m10_exercises, week_of_uses
from campaign_lab.profiles import available_profiles, load_profile


class _Doubled:
    """A target that accepts only twice its number."""

    def __init__(self, number):
        self.number = number

    def explain(self, got):
        return None if got == 2 * self.number else f"It should double {self.number}."


def _doubling_exercise():
    return TargetFunctionExercise(name="q1", answer_name="double", cases=[((3,), _Doubled(3)), ((5,), _Doubled(5))])


def _label_exercise():
    return AddedTextExercise(name="q6", answer_name="post", base_name="draft",
                             problem=lambda added: None if "AI" in added else "no AI label")


def test_target_function_exercise_accepts_a_right_function():
    assert _doubling_exercise().judge(lambda n: n * 2).outcome is Outcome.CORRECT


def test_target_function_exercise_says_what_is_wrong_with_the_value():
    result = _doubling_exercise().judge(lambda n: n + 3)
    assert result.outcome is Outcome.INCORRECT
    assert "It should double 5." in result.message


def test_target_function_exercise_counts_an_empty_function_as_not_attempted():
    def double(n):
        """Return twice n."""

    assert _doubling_exercise().judge(double).outcome is Outcome.NOT_ATTEMPTED


def test_added_text_exercise_accepts_a_label_added_to_the_text():
    result = _label_exercise().judge_namespace({"draft": "Vote on Sunday.", "post": "Vote on Sunday.\n\nMade with AI."})
    assert result.outcome is Outcome.CORRECT


def test_added_text_exercise_rejects_the_text_without_a_label():
    result = _label_exercise().judge_namespace({"draft": "Made with AI help? No.", "post": "Made with AI help? No."})
    assert result.outcome is Outcome.INCORRECT


def test_added_text_exercise_rejects_a_changed_text():
    result = _label_exercise().judge_namespace({"draft": "Vote on Sunday.", "post": "Vote Monday. Made with AI."})
    assert result.outcome is Outcome.INCORRECT and "unchanged" in result.message


def test_added_text_exercise_says_not_attempted_for_the_placeholder():
    result = _label_exercise().judge_namespace({"draft": "Vote on Sunday.", "post": ____})
    assert result.outcome is Outcome.NOT_ATTEMPTED


def test_reading_ease_scores_short_plain_text_above_long_official_text():
    plain = "We will fix the roads. You will see it this year."
    official = "The administration will substantially prioritise infrastructural rehabilitation initiatives."
    assert reading_ease(plain) > 60 > reading_ease(official)


def test_figures_treat_percent_words_as_percent_and_skip_codes():
    assert figures("Pledge C01: 20 per cent, 30 Percent, 30 days, ¤1,500.") == ["20%", "30%", "30", "1500"]


def test_unsupported_sentences_flag_the_speech_that_says_30_percent():
    flagged = unsupported_sentences(data.load("speech_youth"), data.load("platform"))
    assert any("30 percent" in sentence for sentence in flagged)


@pytest.mark.parametrize("profile", available_profiles())
def test_saved_draft_has_three_planted_mistakes_on_every_profile(profile):
    sentences = saved_draft_sentences(load_profile(profile))
    assert [number for number, (_, why) in enumerate(sentences, 1) if why] == [2, 4, 5]
    assert all(sentence.endswith(".") and ". " not in sentence for sentence, _ in sentences)


def test_redaction_check_catches_a_phone_extension_left_behind():
    q1 = m10_exercises(load_profile("default"))[0]

    def leaves_extension(text, names):
        text = re.sub(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", "[EMAIL]", text)
        text = re.sub(r"\bV\d{8}\b", "[VOTER_ID]", text)
        text = re.sub(r"\d{3}-\d{4}", "[PHONE]", text)
        for part in {part for name in names for part in name.split()}:
            text = re.sub(rf"\b{re.escape(part)}\b", "[NAME]", text)
        return text

    result = q1.judge(leaves_extension)
    assert result.outcome is Outcome.INCORRECT and "phone number" in result.message


def test_fence_check_rejects_an_email_that_closes_its_own_fence():
    q3 = m10_exercises(load_profile("default"))[2]

    def unsafe(email_text):
        return [{"role": "system", "content": INBOX_RULES}, {"role": "user", "content": f"<email>\n{email_text}\n</email>"}]

    assert q3.judge(unsafe).outcome is Outcome.INCORRECT


def test_what_to_log_is_every_use_of_ai_published_or_not_and_nothing_else():
    campaign = load_profile("default")
    q5, week = m10_exercises(campaign)[4], week_of_uses(campaign)
    ai_uses = list(week.loc[week["purpose"].notna(), "use"])
    published = list(week.loc[week["published"], "use"])
    assert q5.judge(ai_uses).correct and q5.judge(list(reversed(ai_uses))).correct
    assert not q5.judge(published).correct, "only what was published"
    no_ai = week.loc[week["purpose"].isna(), "use"].iloc[0]
    result = q5.judge([*ai_uses, no_ai])
    assert not result.correct and "no AI tool" in result.message