"""Checks for notebook 03, "Machine learning, explained by doing".

The check module rebuilds the notebook's modelling table, split and models
with the same fixed ``random_state``, so every expected number is computed
from the profile's data and the exercises work for every country profile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

from campaign_lab import data
from campaign_lab.checks.core import ChoiceExercise, FunctionExercise, ValueExercise
from campaign_lab.checks.solutions import from_notebook

__all__ = [
    "SEED", "TEST_SHARE", "FEATURES", "DEEP_TREE", "ACCURACY_TOLERANCE", "USEFUL_MARGIN",
    "modelling_table", "split", "reference_accuracies", "exercises", "ModelComparisonExercise",
]

#: The notebook's choices, repeated here so the checks rebuild the same models.
SEED = 2
TEST_SHARE = 0.25
FEATURES = ["age", "sex", "ward", "voted_last_time"]
DEEP_TREE = 12
#: Accuracies may differ this much (3 voters in 600) from ours: solvers and settings vary a little.
ACCURACY_TOLERANCE = 0.005
#: The model is "worth using" if it beats the base rate by at least this much.
USEFUL_MARGIN = 0.02


def modelling_table(campaign) -> pd.DataFrame:
    """The survey joined to the voter file, with the label ``supporter`` and ``voted_last_time``."""
    survey = data.load("survey", campaign)
    voters = data.load("voters", campaign)
    latest = f"voted_{campaign.latest_election.date.year}"
    table = survey.merge(voters[["voter_id", latest]], on="voter_id", how="left", validate="one_to_one")
    table["voted_last_time"] = table[latest].fillna(False).astype(bool)
    table["supporter"] = table["support"] >= 4
    return table


def split(table: pd.DataFrame, features: list[str], seed: int = SEED):
    """Features turned into numbers, then a stratified train/test split: ``X_train, X_test, y_train, y_test``."""
    X = pd.get_dummies(table[features], drop_first=True, dtype=float)
    return train_test_split(X, table["supporter"], test_size=TEST_SHARE, random_state=seed, stratify=table["supporter"])


def reference_accuracies(X_train, X_test, y_train, y_test, depth: int) -> dict[str, float]:
    """Test accuracy of a logistic regression and of a decision tree of the given depth."""
    logistic = LogisticRegression(max_iter=1000).fit(X_train, y_train)
    tree = DecisionTreeClassifier(max_depth=depth, random_state=SEED).fit(X_train, y_train)
    return {
        "logistic regression": accuracy_score(y_test, logistic.predict(X_test)),
        "decision tree": accuracy_score(y_test, tree.predict(X_test)),
    }


@from_notebook
def exercises(campaign):
    """Return ``q1`` to ``q6`` for the given profile (a loaded ``Profile``)."""
    table = modelling_table(campaign)
    X_train, X_test, y_train, y_test = split(table, FEATURES)
    predicted = LogisticRegression(max_iter=1000).fit(X_train, y_train).predict(X_test)
    matrix = confusion_matrix(y_test, predicted, labels=[False, True])
    base = float((~y_test).mean())
    deep = DecisionTreeClassifier(max_depth=DEEP_TREE, random_state=SEED).fit(X_train, y_train)
    return (
        _base_rate(base),
        _missed_supporters(matrix),
        _worth_using(matrix, base),
        _overfitting(deep.score(X_train, y_train), deep.score(X_test, y_test)),
        _probability(),
        _compare_models((X_train, X_test, y_train, y_test), split(table, FEATURES, seed=SEED + 1)),
    )


# -- q1: the base rate ---------------------------------------------------------------------
def _base_rate(base: float) -> ValueExercise:
    return ValueExercise(
        name="q1",
        answer_name="guess_accuracy",
        expected=base,
        tolerance=0.006,
        hints=[
            "If you say \"not a supporter\" for everyone, you are right about every test voter who is not a supporter.",
            "Divide the number of test voters who are not supporters by the number of test voters, "
            "or let pandas do it: `(y_test == False).mean()`.",
            "Give a share between 0 and 1 (for example 0.6 for 60%).",
        ],
        why=f"Saying \"not a supporter\" for everyone is already right {base:.0%} of the time. A model must beat "
        "that number, the base rate, before it is worth anything.",
    )


# -- q2 and q3: the confusion matrix ------------------------------------------------------
def _missed_supporters(matrix) -> ValueExercise:
    (_, _), (missed, found) = matrix
    return ValueExercise(
        name="q2",
        answer_name="missed_supporters",
        expected=int(missed),
        tolerance=0,
        hints=[
            "Find the row of voters who really are supporters.",
            "In that row, which cell counts the ones the model called \"not a supporter\"?",
        ],
        why=f"The model misses {missed} of {missed + found} supporters. If you only visited the voters it picks, "
        "you would never knock on those doors.",
    )


def _worth_using(matrix, base: float) -> ChoiceExercise:
    (right_no, wrong_yes), (missed, found) = matrix
    accuracy = (right_no + found) / matrix.sum()
    useful = accuracy - base >= USEFUL_MARGIN
    return ChoiceExercise(
        name="q3",
        answer_name="worth_using",
        options={
            "A": "Use it as a rough guide to decide whom to visit first, and keep checking it: it beats guessing, "
            "but it misses many supporters.",
            "B": "Trust it fully: its accuracy means it is right about almost every voter.",
            "C": "Drop it: it is no better than guessing \"not a supporter\" for everyone.",
        },
        correct="A" if useful else "C",
        feedback={
            "A": f"compare its accuracy ({accuracy:.0%}) with the base rate ({base:.0%}): it does not beat guessing by a useful margin.",
            "B": f"it is right about {accuracy:.0%} of voters, so wrong about roughly one in {round(1 / (1 - accuracy))}: far from almost everyone.",
            "C": f"compare its accuracy ({accuracy:.0%}) with the base rate ({base:.0%}) again: it does beat guessing.",
        },
        hints=[
            "First compare the model's accuracy with the base rate from Exercise 1.",
            "Then look at the row of real supporters in the matrix: how many does the model find?",
        ],
        why=f"The model is right about {accuracy:.0%} of voters against {base:.0%} for guessing, and finds {found} of "
        f"{found + missed} supporters. A model earns its place by beating the base rate, and you use it knowing whom it misses.",
    )


# -- q4 and q5: overfitting and probabilities ---------------------------------------------
def _overfitting(train_accuracy: float, test_accuracy: float) -> ChoiceExercise:
    return ChoiceExercise(
        name="q4",
        answer_name="deep_tree_problem",
        options={
            "A": "It has learned the training voters by heart, noise included, so it does worse on voters it has not seen.",
            "B": "The test voters were chosen badly: a different split would make the two numbers equal.",
            "C": "The tree is not deep enough yet: a few more levels would raise the test accuracy too.",
        },
        correct="A",
        feedback={
            "B": "the split was random and stratified; the gap appears at every depth beyond a few questions, not by bad luck.",
            "C": "look at the plot: past a few levels, more depth makes the test accuracy worse, not better.",
        },
        hints=["In the plot, follow the two lines to the right: what happens to each as the tree gets deeper?"],
        why=f"At depth {DEEP_TREE} the tree is right about {train_accuracy:.0%} of the voters it trained on and only "
        f"{test_accuracy:.0%} of new ones. That is overfitting: always judge a model on data it never saw.",
    )


def _probability() -> ChoiceExercise:
    return ChoiceExercise(
        name="q5",
        answer_name="probability_means",
        options={
            "A": "Of many voters who get 0.7, about 7 in 10 support the candidate, if the model is well calibrated.",
            "B": "This voter agrees with 70% of the candidate's platform.",
            "C": "The model is 70% sure that everything it predicts is right.",
        },
        correct="A",
        feedback={
            "B": "the model knows nothing about the platform: it only learned who said 4 or 5 in the survey.",
            "C": "the probability is about this one voter, not about the model as a whole.",
        },
        hints=["Look at the calibration plot: what is on each axis?"],
        why="A probability describes a group of similar voters, not one person's mind. Treat a 0.7 as \"worth a visit\", "
        "never as a fact about someone.",
    )


# -- q6: fit and compare two models ---------------------------------------------------------
@dataclass
class ModelComparisonExercise(FunctionExercise):
    """A function that fits two models and returns their test accuracies, called on the course's split.

    ``split`` holds ``X_train, X_test, y_train, y_test``; the expected
    accuracies come from :func:`reference_accuracies` with the same depth.
    """

    split: tuple = ()
    depth: int = 4
    expected: dict[str, float] = field(default_factory=dict)
    #: Another split of the same voters, tried too: where training and test accuracy happen to agree on
    #: one split, a function scoring the training data would otherwise pass.
    second_split: tuple = ()

    def __post_init__(self):
        self.expected = reference_accuracies(*self.split, depth=self.depth)
        self.cases = [(tuple(self.split) + (self.depth,), None)]

    def calls(self) -> list[tuple]:
        splits = [self.split] + ([self.second_split] if self.second_split else [])
        return [tuple(split) + (self.depth,) for split in splits]

    def find_problem(self, answer: Any) -> Any:
        if not callable(answer):
            return super().find_problem(answer)
        call = f"`{self.answer_name}(X_train, X_test, y_train, y_test, {self.depth})`"
        try:
            got = answer(*self.split, self.depth)
        except NotImplementedError:
            return super().find_problem(answer)  # says "not attempted yet"
        except Exception as error:  # our own message: the parent would print whole tables
            return f"{call} stopped with an error: {type(error).__name__}: {error}"
        if got is None:
            if self._returns_nothing(answer):
                return super().find_problem(answer)  # says "not attempted yet"
            return f"{call} gave back nothing. Did you forget `return`?"
        if not isinstance(got, dict) or set(got) != set(self.expected):
            return f"{call} should return a dictionary with the keys {sorted(self.expected)}, but it returned {type(got).__name__} {_keys(got)}."
        problem = _accuracy_problem(call, got, self.expected)
        if problem is None and self.second_split:
            again = answer(*self.second_split, self.depth)
            if isinstance(again, dict) and set(again) == set(self.expected):
                problem = _accuracy_problem(f"{call} on another split of the same voters", again, reference_accuracies(*self.second_split, depth=self.depth))
        return problem


def _keys(value: Any) -> str:
    return f"with keys {sorted(map(str, value))}" if isinstance(value, dict) else ""


def _accuracy_problem(call: str, got: dict, expected: dict[str, float]) -> str | None:
    for name, want in expected.items():
        value = got[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
            return f"{call} gave {value!r} for {name!r}; it should be an accuracy, a number between 0 and 1."
        value = float(value)
        if value > 1:
            return f"{call} gave {value:g} for {name!r}: give accuracy as a share between 0 and 1, not a percentage or a count."
        if not math.isclose(value, want, abs_tol=ACCURACY_TOLERANCE):
            higher = " It is higher than it should be: did you score the model on the training data instead of the test data?" if value > want else ""
            return f"{call} gave {value:.3f} for {name!r}, which is not the test accuracy we get with the same settings.{higher}"
    return None


def _compare_models(course_split: tuple, second_split: tuple = ()) -> ModelComparisonExercise:
    return ModelComparisonExercise(
        name="q6",
        answer_name="compare_models",
        track="deep-dive",
        split=course_split,
        second_split=second_split,
        depth=4,
        hints=[
            "Make the two models: `LogisticRegression(max_iter=1000)` and "
            "`DecisionTreeClassifier(max_depth=depth, random_state=SEED)`; fit each on `X_train, y_train`.",
            "Score each on the test data: `accuracy_score(y_test, model.predict(X_test))`.",
            "Return a dictionary: `{\"logistic regression\": ..., \"decision tree\": ...}`.",
        ],
        why="You fitted and compared two models fairly: same data, same split, judged on voters neither model saw.",
    )
