"""Checks, hints and solutions for the notebook exercises.

In a notebook::

    from campaign_lab.checks import ____
    from campaign_lab.checks.m00 import exercises
    q1, q2, q3 = exercises(profile)

    n_wards = ____      # the learner replaces ____ with an answer
    q1.check()          # correct / not quite / not attempted yet
    q1.hint()           # a nudge; q1.hint(2) says more
    q1.solution()       # the worked answer
"""

from campaign_lab.checks.core import (
    ____,
    CheckFailed,
    ChoiceExercise,
    CustomExercise,
    Exercise,
    FunctionExercise,
    Outcome,
    Result,
    SelectionExercise,
    TargetFunctionExercise,
    ValueExercise,
)

__all__ = [
    "____",
    "CheckFailed",
    "ChoiceExercise",
    "CustomExercise",
    "Exercise",
    "FunctionExercise",
    "Outcome",
    "Result",
    "SelectionExercise",
    "TargetFunctionExercise",
    "ValueExercise",
]
