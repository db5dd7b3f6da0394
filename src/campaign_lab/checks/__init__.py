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

# Where each part of an exercise lives (one place each):
#   notebooks/NN-slug/NN-slug.ipynb  the task, the answer cell (solution region, wrong_answer,
#                                    grade_id "q1-answer"), the check cell ("q1-check", points)
#   checks/mNN.py                    what is right (computed from the profile), hints, messages
#   checks/solutions.py              reads the solution `q1.solution()` shows from that notebook
#                                    (or from the file a release writes beside it)
# tests/test_checks_notebooks.py fails when a notebook and its check module disagree.

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
