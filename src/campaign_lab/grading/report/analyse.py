"""Analyse: what the report computes from a :class:`~.load.Cohort`: scores per track,
success per exercise, the most common wrong answers, who needs help.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

from campaign_lab.grading.report.load import (AWAITING, CORE, CORRECT, DID_NOT_RUN, HELP_THRESHOLD,
                                              NOT_ATTEMPTED, PART_MARKS, WRONG, Answer, Cohort,
                                              ExerciseInfo)


@dataclass(frozen=True)
class TrackScore:
    """A trainee's points on one track of one module (reflections awaiting grading left out)."""

    student: str
    module: str
    track: str
    score: float
    max_score: float
    awaiting: float

    @property
    def fraction(self) -> float | None:
        return self.score / self.max_score if self.max_score else None


@dataclass(frozen=True)
class ExerciseSuccess:
    """How the trainees who submitted a module did on one exercise."""

    exercise: ExerciseInfo
    counts: dict[str, int]

    @property
    def answered(self) -> int:
        """Submissions that count towards the success rate (not those awaiting grading)."""
        return sum(n for outcome, n in self.counts.items() if outcome != AWAITING)

    @property
    def success_rate(self) -> float | None:
        return self.counts.get(CORRECT, 0) / self.answered if self.answered else None


@dataclass(frozen=True)
class WrongAnswer:
    """One check message and the trainees whose answers got it."""

    exercise: ExerciseInfo
    message: str
    students: tuple[str, ...]


@dataclass(frozen=True)
class HelpNeeded:
    """A trainee the trainer should follow up with, and why."""

    student: str
    module: str
    reason: str
    core_percent: float | None



# --------------------------------------------------------------------------
# What the report computes


def track_scores(cohort: Cohort) -> list[TrackScore]:
    """Each trainee's points per module and track, for every module they submitted."""
    totals: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for answer in cohort.answers:
        total = totals[(answer.student, answer.exercise.module, answer.exercise.track)]
        if answer.outcome == AWAITING:
            total[2] += answer.max_score
        else:
            total[0] += answer.score
            total[1] += answer.max_score
    return [TrackScore(student, module, track, *values)
            for (student, module, track), values in sorted(totals.items())]


def exercise_success(cohort: Cohort) -> list[ExerciseSuccess]:
    """For each exercise, how many trainees got it right, wrong, or did not try, in course order."""
    counts: dict[ExerciseInfo, Counter] = defaultdict(Counter)
    for answer in cohort.answers:
        counts[answer.exercise][answer.outcome] += 1
    return [ExerciseSuccess(info, dict(counts[info]))
            for info in sorted(counts, key=lambda i: (i.module, _natural(i.name)))]


def _natural(name: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def wrong_answers(cohort: Cohort, limit: int | None = None) -> list[WrongAnswer]:
    """The check messages wrong answers got, the most frequent first (ties in course order).

    Identical messages are grouped: the checks describe the answer given
    ("`n_wards` is 9, which is too high"), so one message is one wrong answer.
    """
    groups: dict[tuple[ExerciseInfo, str], list[str]] = defaultdict(list)
    for answer in cohort.answers:
        if answer.outcome in (WRONG, PART_MARKS):
            for message in dict.fromkeys(answer.messages):
                groups[(answer.exercise, message)].append(answer.student)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0][0].module, _natural(item[0][0].name)))
    found = [WrongAnswer(info, message, tuple(sorted(students))) for (info, message), students in ranked]
    return found[:limit] if limit is not None else found


def checks_disagree(cohort: Cohort) -> list[Answer]:
    """Answers whose notebook said "Correct" where the grader's judgement did not, by trainee.

    The grade is decided outside the trainee's kernel; a notebook whose own checks
    pass where the grade does not most likely had its checks tampered with.
    """
    return sorted((a for a in cohort.answers if a.checks_disagree),
                  key=lambda a: (a.student, a.exercise.module, _natural(a.exercise.name)))


def trainees_needing_help(cohort: Cohort, threshold: float = HELP_THRESHOLD) -> list[HelpNeeded]:
    """Trainees who did not submit, did not attempt, scored below ``threshold`` on core, or whose notebook failed."""
    core = {(s.student, s.module): s for s in track_scores(cohort) if s.track == CORE}
    attempted = {(a.student, a.exercise.module) for a in cohort.answers
                 if a.outcome not in (NOT_ATTEMPTED, DID_NOT_RUN, AWAITING)}
    found = []
    for module in cohort.modules:
        for student in cohort.students:
            reason = _help_reason(student, module, cohort, core.get((student, module)), attempted, threshold)
            if reason:
                score = core.get((student, module))
                percent = None if score is None or score.fraction is None else round(100 * score.fraction, 1)
                found.append(HelpNeeded(student, module, reason, percent))
    return found


def _help_reason(student, module, cohort, core_score, attempted, threshold) -> str:
    if (student, module) not in cohort.submitted:
        return "did not submit"
    reasons = []
    problem = cohort.problems.get((student, module))
    if problem:
        reasons.append(f"notebook {problem}")
    if (student, module) not in attempted:
        reasons.append("did not attempt any exercise")
    elif core_score is not None and core_score.fraction is not None and core_score.fraction < threshold:
        reasons.append(f"below {threshold:.0%} on the core track")
    return "; ".join(reasons)



def percents(scores: list[TrackScore], module: str, track: str) -> list[float]:
    """Every trainee's percentage on one track of one module (those with graded points)."""
    return [100 * s.fraction for s in scores if s.module == module and s.track == track and s.fraction is not None]


def median_percent(scores: list[TrackScore], module: str, track: str) -> float | None:
    values = percents(scores, module, track)
    return statistics.median(values) if values else None



def hardest_exercise(successes: list[ExerciseSuccess]) -> ExerciseSuccess | None:
    """The exercise the fewest trainees got right, among those fully graded (none awaiting the trainer)."""
    rated = [s for s in successes if s.success_rate is not None]
    settled = [s for s in rated if not s.counts.get(AWAITING)] or rated
    return min(settled, key=lambda s: s.success_rate) if settled else None

