"""The cohort report: how a group of trainees did, and who needs help.

Three stages, one module each:

* :mod:`.load` reads the gradebook, the outcomes each autograded notebook
  recorded (``<notebook>.outcomes.json``) and ``grades.csv`` into a
  :class:`~.load.Cohort`;
* :mod:`.analyse` computes scores per track, success per exercise, the most
  common wrong answers and who needs help;
* :mod:`.render` writes one HTML page with its plots embedded (from the Jinja2
  template ``grading/templates/report.html.j2``) and CSV tables for a spreadsheet.

Examples
--------
>>> files = build_report(Path("var/gradebook.db"), out_dir=Path("var/report"))  # doctest: +SKIP
>>> files.html.name  # doctest: +SKIP
'report.html'
"""

from __future__ import annotations

from pathlib import Path

from campaign_lab.grading.report.analyse import (ExerciseSuccess, HelpNeeded, TrackScore, WrongAnswer,
                                                 exercise_success, hardest_exercise, track_scores,
                                                 trainees_needing_help, wrong_answers)
from campaign_lab.grading.report.load import (AWAITING, CORE, CORRECT, DEEP_DIVE, DID_NOT_RUN, HELP_THRESHOLD,
                                              NOT_ATTEMPTED, OUTCOMES, PART_MARKS, TRACKS, WRONG, Answer, Cohort,
                                              ExerciseInfo, load_cohort)
from campaign_lab.grading.report.render import ReportFiles, score_plot, success_plot, write_report

__all__ = [
    "AWAITING", "CORE", "CORRECT", "DEEP_DIVE", "DID_NOT_RUN", "HELP_THRESHOLD", "NOT_ATTEMPTED", "OUTCOMES",
    "PART_MARKS", "TRACKS", "WRONG", "Answer", "Cohort", "ExerciseInfo", "ExerciseSuccess", "HelpNeeded",
    "ReportFiles", "TrackScore", "WrongAnswer", "build_report", "exercise_success", "hardest_exercise",
    "load_cohort", "score_plot", "success_plot", "track_scores", "trainees_needing_help", "write_report",
    "wrong_answers",
]


def build_report(
    gradebook: Path,
    *,
    out_dir: Path,
    grades_dir: Path | None = None,
    autograded: Path | None = None,
    source: Path | None = None,
    course_id: str = "campaign-ai-lab",
) -> ReportFiles:
    """Load the grading files and write the cohort report; see :func:`~.load.load_cohort` for the inputs."""
    grades_csv = grades_dir / "grades.csv" if grades_dir is not None else None
    cohort = load_cohort(gradebook, autograded=autograded, source=source, grades_csv=grades_csv, course_id=course_id)
    return write_report(cohort, out_dir)
