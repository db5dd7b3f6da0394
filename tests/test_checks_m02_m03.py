"""The two function checks defined in modules 02 and 03 judge behaviour, not one exact answer."""

import hashlib

import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

import notebook_tools as nbt
from campaign_lab.checks import Outcome
from campaign_lab.checks.m02 import PseudonymExercise
from campaign_lab.checks.m03 import SEED, ModelComparisonExercise


# -- module 02: pseudonymise(value, salt) ----------------------------------------------------
def pseudonym_exercise():
    return PseudonymExercise(name="q5", answer_name="pseudonymise")


salted_sha256 = nbt.solved("02-data-literacy", "q5", hashlib=hashlib)


def test_pseudonym_check_accepts_any_salted_hash():
    def salt_last(value, salt):
        return hashlib.blake2b((value + "|" + salt).encode("utf-8")).hexdigest()

    exercise = pseudonym_exercise()
    assert exercise.judge(salted_sha256).outcome is Outcome.CORRECT
    assert exercise.judge(salt_last).outcome is Outcome.CORRECT


def test_pseudonym_check_rejects_a_hash_without_the_salt():
    result = pseudonym_exercise().judge(lambda value, salt: hashlib.sha256(value.encode("utf-8")).hexdigest())
    assert result.outcome is Outcome.INCORRECT and "salt" in result.message


def test_pseudonym_check_rejects_a_pseudonym_that_contains_the_id():
    result = pseudonym_exercise().judge(lambda value, salt: value + salted_sha256(value, salt))
    assert result.outcome is Outcome.INCORRECT and "contains the id" in result.message


def test_pseudonym_check_rejects_a_reversible_scramble():
    result = pseudonym_exercise().judge(lambda value, salt: (salt + value)[::-1])
    assert result.outcome is Outcome.INCORRECT and "look almost the same" in result.message


def test_pseudonym_check_rejects_a_random_pseudonym():
    import secrets

    result = pseudonym_exercise().judge(lambda value, salt: secrets.token_hex(16))
    assert result.outcome is Outcome.INCORRECT and "two different pseudonyms" in result.message


def test_pseudonym_check_says_not_attempted_for_an_empty_function():
    def pseudonymise(value, salt):
        """Return a pseudonym."""
        # YOUR CODE HERE

    assert pseudonym_exercise().judge(pseudonymise).outcome is Outcome.NOT_ATTEMPTED


# -- module 03: compare_models(X_train, X_test, y_train, y_test, depth) -------------------------
@pytest.fixture(scope="module")
def small_split():
    """A small, seeded classification problem with a learnable signal and noise."""
    rows = pd.DataFrame({"age": range(18, 318)})
    rows["woman"] = (rows.index % 3 == 0).astype(float)
    label = ((rows["age"] % 7 < 3) ^ (rows["woman"] == 1)) | (rows.index % 11 == 0)
    return tuple(train_test_split(rows, label, test_size=0.3, random_state=SEED, stratify=label))


def model_exercise(split):
    return ModelComparisonExercise(name="q6", answer_name="compare_models", split=split, depth=4)


MODELS = {"LogisticRegression": LogisticRegression, "DecisionTreeClassifier": DecisionTreeClassifier,
          "accuracy_score": accuracy_score, "SEED": SEED}


def test_model_check_accepts_test_accuracies(small_split):
    compare_models = nbt.solved("03-machine-learning", "q6", **MODELS)
    assert model_exercise(small_split).judge(compare_models).outcome is Outcome.CORRECT


def test_model_check_points_at_training_accuracies(small_split):
    compare_models = nbt.solved("03-machine-learning", "q6", wrong=True, **MODELS)
    result = model_exercise(small_split).judge(compare_models)
    assert result.outcome is Outcome.INCORRECT and "training data" in result.message


def test_model_check_asks_for_the_two_named_accuracies(small_split):
    result = model_exercise(small_split).judge(lambda X_train, X_test, y_train, y_test, depth: [0.6, 0.6])
    assert result.outcome is Outcome.INCORRECT and "dictionary" in result.message


def test_model_check_reports_an_error_without_printing_the_tables(small_split):
    def compare_models(X_train, X_test, y_train, y_test, depth):
        return undefined_name  # noqa: F821

    result = model_exercise(small_split).judge(compare_models)
    assert result.outcome is Outcome.INCORRECT and "NameError" in result.message
    assert len(result.message) < 200  # no DataFrame printed in full


def test_model_check_says_not_attempted_for_an_empty_function(small_split):
    def compare_models(X_train, X_test, y_train, y_test, depth):
        """Fit two models."""
        # YOUR CODE HERE

    assert model_exercise(small_split).judge(compare_models).outcome is Outcome.NOT_ATTEMPTED
