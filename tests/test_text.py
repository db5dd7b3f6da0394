"""VADER works offline from the packaged lexicon, and the helpers score like VADER itself."""

import random
import stat

import pytest

from campaign_lab import text
from campaign_lab.datagen import social
from campaign_lab.datagen.model import build_model
from campaign_lab.errors import RunFailed
from campaign_lab.profiles import load_profile


@pytest.fixture
def private_root(tmp_path, monkeypatch):
    """A course root of our own, so the lexicon copy lands in a fresh var/ folder."""
    monkeypatch.setenv("CAMPAIGN_LAB_ROOT", str(tmp_path))
    return tmp_path


def test_vader_scores_without_downloading_anything(private_root):
    analyser = text.vader()
    assert analyser.polarity_scores("What a wonderful, honest plan!")["compound"] > 0.5
    assert analyser.polarity_scores("A terrible, dishonest plan.")["compound"] < -0.5


def test_lexicon_copy_is_readable_by_all_and_writable_only_by_its_owner(private_root):
    path = text.lexicon_path()
    assert path.is_relative_to(private_root / "var")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o755


def test_a_group_writable_lexicon_copy_is_repaired_before_use(private_root):
    path = text.lexicon_path()
    path.chmod(0o666)
    text.vader()
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_damaged_lexicon_copy_is_replaced(private_root):
    path = text.lexicon_path()
    path.write_text("good\t-3.0\t0.5\t[-3]\n")
    assert text.vader().polarity_scores("good")["compound"] > 0


def test_missing_vadersentiment_package_gives_a_plain_instruction(private_root, monkeypatch):
    def no_package(name):
        raise ModuleNotFoundError(name)

    monkeypatch.setattr(text.resources, "files", no_package)
    with pytest.raises(RunFailed, match="pip install"):
        text.vader()


@pytest.mark.parametrize("score, expected", [(0.05, "positive"), (0.049, "neutral"), (-0.049, "neutral"), (-0.05, "negative")])
def test_label_uses_vaders_published_cut_offs(score, expected):
    assert text.label(score) == expected


TRICKY = ["I :) love it!!!", "Don't   stop, it's GREAT!!", "not bad... :-(", "x", "", "\u201cQuoted\u201d - and \u00bfqu\u00e9?",
          "kind of good", "The food was GOOD, but the service SUCKED.", "#BAD day @user", "Share now!!! (really)",
          "'hi' ,ok wow!!!! ?!?great !?!? -no- ...fine... :D", "Nice!? Sure?! \"good\" 'bad' (meh) [ugh] kind kind of"]


def test_fast_vader_scores_tricky_punctuation_exactly_like_the_shipped_analyser(private_root):
    shipped, fast = text.vader(), text.vader(fast=True)
    assert [fast.polarity_scores(post) for post in TRICKY] == [shipped.polarity_scores(post) for post in TRICKY]


def test_fast_vader_scores_random_punctuated_text_exactly_like_the_shipped_analyser(private_root):
    rng = random.Random(1)
    words = ["good", "bad", "NOT", "great", "kind", "of", "but", "very", "hi", ":)", ":(", "lol", "sucks", "love"]
    marks = list(".!?,;:-'\"()#@") + ["!!", "?!?", "..."]

    def token():
        word = rng.choice(words)
        word = rng.choice(marks) + word if rng.random() < 0.4 else word
        return word + rng.choice(marks) if rng.random() < 0.4 else word

    posts = [" ".join(token() for _ in range(rng.randint(0, 12))) for _ in range(2000)]
    shipped, fast = text.vader(), text.vader(fast=True)
    assert [fast.polarity_scores(post) for post in posts] == [shipped.polarity_scores(post) for post in posts]


def test_fast_vader_scores_every_course_post_exactly_like_the_shipped_analyser():
    _, posts, _ = social.social_tables(build_model(load_profile("mexico-municipality"), 2027))
    shipped, fast = text.vader(), text.vader(fast=True)
    texts = posts.column("text").to_pylist()
    assert [fast.polarity_scores(post) for post in texts] == [shipped.polarity_scores(post) for post in texts]


def test_compound_scores_match_scoring_each_post_on_its_own(private_root):
    analyser = text.vader()
    posts = ["Great news for the ward!", "Buses late again.", "Great news for the ward!", "Meeting at 6pm."]
    one_by_one = [analyser.polarity_scores(post)["compound"] for post in posts]
    assert text.compound_scores(posts, analyser) == one_by_one
