"""The cohort report: how a group of trainees did, and who needs help.

It reads three things a grading run leaves behind:

* the nbgrader **gradebook** (scores of every graded cell, the trainer's
  reflection grades included);
* the **autograded notebooks**, whose test cells hold the check messages
  ("Not quite: ...", "Not attempted yet: ...") that show *what* went wrong;
* ``grades.csv`` from ``campaign-lab grade`` (notebooks that timed out,
  crashed or were tampered with), if there is one.

Exercise names and tracks (core or deep-dive) come from the ``campaign_lab``
metadata of the source notebooks' test cells. The report is one HTML page with
its plots embedded, plus CSV tables for a spreadsheet.

Examples
--------
>>> files = build_report(Path("var/gradebook.db"), out_dir=Path("var/report"))  # doctest: +SKIP
>>> files.html.name  # doctest: +SKIP
'report.html'
"""

from __future__ import annotations

import csv
import html
import json
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from campaign_lab.checks.core import HEADLINES, Outcome
from campaign_lab.errors import BadInput

CORE, DEEP_DIVE = "core", "deep-dive"
TRACKS = (CORE, DEEP_DIVE)
HELP_THRESHOLD = 0.5  # below half of the core points: the trainer should follow up

# What happened to one answer, worst news last within each group.
CORRECT, PART_MARKS, WRONG = "correct", "part marks", "wrong"
NOT_ATTEMPTED, DID_NOT_RUN, AWAITING = "not attempted", "did not run", "awaiting grading"
OUTCOMES = (CORRECT, PART_MARKS, WRONG, NOT_ATTEMPTED, DID_NOT_RUN, AWAITING)

_CHECK_MESSAGE = re.compile(
    r"(?P<label>[^\n]*?) - (?P<headline>" + "|".join(map(re.escape, HEADLINES.values())) + r"): (?P<message>.*)",
    re.DOTALL,
)
UNKNOWN = object()  # no autograded notebooks at all: outcomes from points only
_DID_NOT_RUN_ERRORS = {"NotRun", "CellTimeoutError", "DeadKernelError"}
_NOT_ATTEMPTED_ERRORS = {"NotImplementedError"}


# --------------------------------------------------------------------------
# What the report is made of


@dataclass(frozen=True)
class ExerciseInfo:
    """One graded exercise of a module, as the source notebook describes it."""

    module: str
    name: str
    title: str
    track: str
    by_trainer: bool

    @property
    def label(self) -> str:
        """``"00 q1: how many wards?"``: module number, exercise, and its heading."""
        number = self.module.split("-")[0]
        if not self.title or self.title.lower() == self.name.lower():
            return f"{number} {self.name}"
        return f"{number} {self.name}: {self.title}"


@dataclass
class Answer:
    """One trainee's answer to one exercise: points and what the checks said."""

    student: str
    exercise: ExerciseInfo
    score: float
    max_score: float
    outcome: str
    messages: list[str] = field(default_factory=list)


@dataclass
class Cohort:
    """Everything the report shows, read once from the grading files."""

    answers: list[Answer]
    students: list[str]
    modules: list[str]
    submitted: set[tuple[str, str]]  # (student, module)
    problems: dict[tuple[str, str], str]  # (student, module) -> status from grades.csv
    notes: list[str] = field(default_factory=list)


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


@dataclass(frozen=True)
class ReportFiles:
    """The files :func:`write_report` wrote."""

    html: Path
    tables: dict[str, Path]


# --------------------------------------------------------------------------
# Reading the grading files


def load_cohort(
    gradebook: Path,
    *,
    autograded: Path | None = None,
    source: Path | None = None,
    grades_csv: Path | None = None,
    course_id: str = "campaign-ai-lab",
) -> Cohort:
    """Read the gradebook, the autograded notebooks and ``grades.csv`` into a :class:`Cohort`.

    Parameters
    ----------
    gradebook
        nbgrader's ``gradebook.db``.
    autograded
        nbgrader's ``autograded`` folder (``<trainee>/<module>/<notebook>.ipynb``).
    source
        The course's source notebooks (``<module>/<module>.ipynb``), for exercise names and tracks.
    grades_csv
        ``grades.csv`` from ``campaign-lab grade``, for notebooks that did not run to the end.
    course_id
        The nbgrader course id the gradebook was written with.

    Raises
    ------
    BadInput
        If the gradebook is missing or unreadable, or nothing has been graded yet.
    """
    rows, roster = _read_gradebook(gradebook, course_id)
    if not rows:
        raise BadInput(f"Nothing has been graded yet in {gradebook}; grade the submissions first "
                       "with `campaign-lab grade SUBMITTED`.")
    notes: list[str] = []
    have_notebooks = autograded is not None and autograded.is_dir()
    if not have_notebooks:
        notes.append(f"No autograded notebooks were found in {autograded}, so the report cannot show "
                     "what the wrong answers were.")
    described: dict[tuple[str, str], dict] = {}
    answers = []
    for row in rows:
        key = (row["module"], row["notebook"])
        if key not in described:
            described[key] = _describe_notebook(source, autograded, row)
        outputs = _test_outputs(autograded, row) if have_notebooks else UNKNOWN
        answers.extend(_answers(row, described[key], outputs))
    return Cohort(
        answers=_merge_cells_of_one_exercise(answers),
        students=sorted({row["student"] for row in rows} | set(roster)),
        modules=sorted({row["module"] for row in rows}),
        submitted={(row["student"], row["module"]) for row in rows},
        problems=_grading_problems(grades_csv),
        notes=notes,
    )


def _read_only_url(gradebook: Path) -> str:
    return f"sqlite:///file:{gradebook.resolve()}?mode=ro&uri=true"


def _open_gradebook(gradebook: Path, course_id: str):
    from nbgrader.api import Gradebook

    if not gradebook.is_file():
        raise BadInput(f"There is no gradebook at {gradebook}; grade some submissions first with "
                       "`campaign-lab grade SUBMITTED`, or give the right file with --gradebook.")
    try:
        return Gradebook(_read_only_url(gradebook), course_id)
    except Exception as error:  # not SQLite, not nbgrader's tables, another course
        raise BadInput(f"{gradebook} could not be read as this course's nbgrader gradebook "
                       f"({type(error).__name__}); give the gradebook.db that grading wrote.") from None


def _read_gradebook(gradebook: Path, course_id: str) -> tuple[list[dict], list[str]]:
    """One dict per submitted notebook with the scores of each graded cell, and the roster."""
    import warnings

    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLAlchemy chatter from nbgrader's models
        with _open_gradebook(gradebook, course_id) as book:
            for assignment in book.assignments:
                for submission in assignment.submissions:
                    for notebook in submission.notebooks:
                        rows.append({
                            "student": submission.student.id, "module": assignment.name,
                            "notebook": notebook.name, "cells": [_cell_grade(g) for g in notebook.grades],
                        })
            roster = [student.id for student in book.students]
    return rows, roster


def _cell_grade(grade) -> dict:
    return {
        "grade_id": grade.name, "cell_type": grade.cell.cell_type, "max_score": float(grade.max_score or 0),
        "auto_score": grade.auto_score, "manual_score": grade.manual_score,
        "needs_manual_grade": bool(grade.needs_manual_grade),
    }


def _read_notebook(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _describe_notebook(source: Path | None, autograded: Path | None, row: dict) -> dict:
    """``{grade_id: ExerciseInfo}`` from the source notebook (or, failing that, a submission)."""
    candidates = []
    if source is not None:
        candidates.append(source / row["module"] / f"{row['notebook']}.ipynb")
    if autograded is not None:
        candidates.append(autograded / row["student"] / row["module"] / f"{row['notebook']}.ipynb")
    for path in candidates:
        notebook = _read_notebook(path)
        if notebook is not None:
            return _exercise_infos(row["module"], notebook.get("cells", []))
    return {}


def _exercise_infos(module: str, cells: list[dict]) -> dict[str, ExerciseInfo]:
    infos, heading = {}, ""
    for cell in cells:
        meta = cell.get("metadata", {})
        grading = meta.get("nbgrader", {})
        if cell.get("cell_type") == "markdown" and not grading.get("grade"):
            heading = _heading(_text(cell.get("source"))) or heading
        if not grading.get("grade"):
            continue
        ours = meta.get("campaign_lab", {})
        infos[grading.get("grade_id", "")] = ExerciseInfo(
            module=module,
            name=str(ours.get("exercise") or grading.get("grade_id", "")),
            title=heading,
            track=ours.get("track") if ours.get("track") in TRACKS else CORE,
            by_trainer=bool(grading.get("solution")) or cell.get("cell_type") == "markdown",
        )
    return infos


def _heading(text: str) -> str:
    """What the first Markdown heading of a cell asks, without marks or "Exercise 1 (core, 1 point):".

    Examples
    --------
    >>> _heading("## Exercise 1 (core, 1 point): how many wards?")
    'how many wards?'
    >>> _heading("## Reflection (core, 2 points, graded by your trainer)")
    'Reflection'
    """
    for line in text.splitlines():
        if line.startswith("#"):
            words = re.sub(r"\s*\([^)]*\)", "", line.lstrip("#")).strip()
            return words.split(":", 1)[1].strip() if ":" in words else words
    return ""


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source or "")


def _test_outputs(autograded: Path, row: dict) -> dict[str, list[dict]] | None:
    """The outputs of each graded cell in the autograded notebook, by grade id; None if absent."""
    notebook = _read_notebook(autograded / row["student"] / row["module"] / f"{row['notebook']}.ipynb")
    if notebook is None:
        return None
    return {
        cell["metadata"]["nbgrader"].get("grade_id", ""): cell.get("outputs", [])
        for cell in notebook.get("cells", [])
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade")
    }


def _answers(row: dict, infos: dict[str, ExerciseInfo], outputs) -> list[Answer]:
    """Outcomes of one submitted notebook; ``outputs`` is None if its notebook is missing, or UNKNOWN."""
    answers = []
    for cell in row["cells"]:
        info = infos.get(cell["grade_id"]) or ExerciseInfo(
            row["module"], cell["grade_id"], "", CORE, cell["cell_type"] == "markdown")
        if info.by_trainer:
            outcome, score, messages = _trainer_outcome(cell)
        else:
            cell_outputs = outputs if outputs is None or outputs is UNKNOWN else outputs.get(cell["grade_id"], [])
            outcome, score, messages = _check_outcome(cell, cell_outputs)
        answers.append(Answer(row["student"], info, score, cell["max_score"], outcome, messages))
    return answers


def _trainer_outcome(cell: dict) -> tuple[str, float, list[str]]:
    """Outcome of a reflection: the trainer's grade, or still waiting for one."""
    if cell["manual_score"] is not None:
        return _by_points(float(cell["manual_score"]), cell["max_score"]), float(cell["manual_score"]), []
    if cell["needs_manual_grade"] or cell["auto_score"] is None:
        return AWAITING, 0.0, []
    return NOT_ATTEMPTED, float(cell["auto_score"]), []  # nbgrader scores an untouched answer zero


def _check_outcome(cell: dict, outputs) -> tuple[str, float, list[str]]:
    """Outcome of an autograded test cell, from its score and the check messages it printed."""
    score = float(cell["manual_score"] if cell["manual_score"] is not None else cell["auto_score"] or 0)
    if outputs is UNKNOWN:
        return _by_points(score, cell["max_score"]), score, []
    if outputs is None:  # no autograded notebook: it never ran
        return (_by_points(score, cell["max_score"]) if score else DID_NOT_RUN), score, []
    errors = [output for output in outputs if output.get("output_type") == "error"]
    if not errors or score >= cell["max_score"]:
        return _by_points(score, cell["max_score"]), score, []
    return _error_outcome(errors[0]), score, [_error_message(errors[0])]


def _by_points(score: float, max_score: float) -> str:
    if max_score and score >= max_score:
        return CORRECT
    return PART_MARKS if score > 0 else WRONG


def _error_outcome(error: dict) -> str:
    name = error.get("ename", "")
    if name in _DID_NOT_RUN_ERRORS:
        return DID_NOT_RUN
    if name in _NOT_ATTEMPTED_ERRORS:
        return NOT_ATTEMPTED
    found = _CHECK_MESSAGE.search(error.get("evalue", ""))
    if found and found["headline"] == HEADLINES[Outcome.NOT_ATTEMPTED]:
        return NOT_ATTEMPTED
    return WRONG


def _error_message(error: dict) -> str:
    """The words a trainee saw: the check's sentence, or the error's name and text."""
    value = str(error.get("evalue", "")).strip()
    found = _CHECK_MESSAGE.search(value)
    if found:
        return " ".join(found["message"].split())
    name = error.get("ename", "Error")
    return " ".join(f"{name}: {value}".split()) if value else name


def _merge_cells_of_one_exercise(answers: list[Answer]) -> list[Answer]:
    """One answer per trainee and exercise, when an exercise has several graded cells."""
    merged: dict[tuple, Answer] = {}
    for answer in answers:
        key = (answer.student, answer.exercise.module, answer.exercise.name)
        if key not in merged:
            merged[key] = answer
            continue
        first = merged[key]
        outcomes = {first.outcome, answer.outcome}
        first.score += answer.score
        first.max_score += answer.max_score
        first.messages += answer.messages
        if len(outcomes) > 1:
            first.outcome = AWAITING if AWAITING in outcomes else _by_points(first.score, first.max_score)
    return list(merged.values())


def _grading_problems(grades_csv: Path | None) -> dict[tuple[str, str], str]:
    """``(student, module) -> status`` for notebooks ``campaign-lab grade`` could not grade normally."""
    if grades_csv is None or not grades_csv.is_file():
        return {}
    problems = {}
    with grades_csv.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            status = row.get("status", "")
            if status and status != "graded":
                problems[(row.get("student", ""), row.get("assignment", ""))] = status.replace("_", " ")
    return problems


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


# --------------------------------------------------------------------------
# Plots


def _plot_html(fig, ax, *, title: str, xlabel: str, ylabel: str, alt: str, reading: str) -> str:
    """Label a figure in the course style and return it as an embedded ``<figure>``."""
    import matplotlib.pyplot as plt

    from campaign_lab import plotting

    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    markup = plotting.figure_html(fig, alt, reading)
    plt.close(fig)
    return markup


def _percents(scores: list[TrackScore], module: str, track: str) -> list[float]:
    """Every trainee's percentage on one track of one module (those with graded points)."""
    return [100 * s.fraction for s in scores if s.module == module and s.track == track and s.fraction is not None]


def _median_percent(scores: list[TrackScore], module: str, track: str) -> float | None:
    values = _percents(scores, module, track)
    return statistics.median(values) if values else None


def score_plot(cohort: Cohort, threshold: float = HELP_THRESHOLD) -> str:
    """Dots of every trainee's core and deep-dive percentage, one column pair per module."""
    from campaign_lab import plotting

    scores = track_scores(cohort)
    fig, ax = plotting.figure(figsize=(max(6.0, 1.6 * len(cohort.modules) + 3), 4.4))
    styles = {CORE: (plotting.OKABE_ITO[0], "o", -0.17), DEEP_DIVE: (plotting.OKABE_ITO[1], "s", 0.17)}
    for track, (colour, marker, offset) in styles.items():
        for position, module in enumerate(cohort.modules):
            values = sorted(_percents(scores, module, track))
            spread = [offset + 0.24 * (i / max(len(values) - 1, 1) - 0.5) for i in range(len(values))]
            ax.scatter([position + d for d in spread], values, color=colour, marker=marker, alpha=0.8,
                       label=track if position == 0 else None, zorder=3)
            if values:
                ax.hlines(statistics.median(values), position + offset - 0.12, position + offset + 0.12,
                          color="black", linewidth=2, zorder=4)
    ax.axhline(100 * threshold, color=plotting.OKABE_ITO[3], linestyle="--", linewidth=1,
               label=f"{threshold:.0%}: follow up below this")
    ax.set_xticks(range(len(cohort.modules)), cohort.modules, rotation=20, ha="right")
    ax.set_xlim(-0.5, len(cohort.modules) - 0.5)
    ax.set_ylim(-5, 105)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=9)
    title, alt, reading = _score_words(cohort, scores, threshold)
    return _plot_html(fig, ax, title=title, xlabel="Module", ylabel="Score (% of points)", alt=alt, reading=reading)


def _score_words(cohort: Cohort, scores: list[TrackScore], threshold: float) -> tuple[str, str, str]:
    medians = {m: _median_percent(scores, m, CORE) for m in cohort.modules}
    known = {m: v for m, v in medians.items() if v is not None}
    if not known:
        title = "No core points have been graded yet"
    elif len(known) == 1:
        module, value = next(iter(known.items()))
        title = f"Median core score in {module}: {value:.0f}%"
    else:
        module = min(known, key=known.get)
        title = f"Lowest median core score: {module} ({known[module]:.0f}%)"
    below = sorted({s.student for s in scores if s.track == CORE and s.fraction is not None and s.fraction < threshold})
    parts = [f"{m}: median core {_pct(medians[m])}, deep dive {_pct(_median_percent(scores, m, DEEP_DIVE))}"
             for m in cohort.modules]
    alt = ("Dot plot of each trainee's score per module, core and deep-dive tracks side by side. "
           + "; ".join(parts) + ".")
    reading = (f"Each dot is one trainee, the black bar the median; {len(below)} of {len(cohort.students)} "
               f"trainees are below {threshold:.0%} on the core track of at least one module.")
    return title, alt, reading


def success_plot(successes: list[ExerciseSuccess]) -> str:
    """Horizontal bars: the share of trainees who got each exercise fully right."""
    from campaign_lab import plotting

    rated = [s for s in successes if s.success_rate is not None]
    fig, ax = plotting.figure(figsize=(8.5, max(3.0, 0.45 * len(rated) + 1.6)))
    labels = [_short(s.exercise.label) for s in rated]
    rates = [100 * s.success_rate for s in rated]
    colours = [plotting.OKABE_ITO[0] if s.exercise.track == CORE else plotting.OKABE_ITO[1] for s in rated]
    hatches = ["" if s.exercise.track == CORE else "//" for s in rated]
    bars = ax.barh(range(len(rated)), rates, color=colours, hatch=hatches, edgecolor="black", linewidth=0.5)
    for bar, rate in zip(bars, rates):
        ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, f"{rate:.0f}%", va="center", fontsize=9)
    ax.set_yticks(range(len(rated)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 110)
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(facecolor=plotting.OKABE_ITO[0], edgecolor="black", label="core"),
                       Patch(facecolor=plotting.OKABE_ITO[1], edgecolor="black", hatch="//", label="deep-dive")],
              loc="lower right", fontsize=9)
    hardest = hardest_exercise(successes)
    title = (f"Hardest exercise: {_short(hardest.exercise.label, 40)} ({100 * hardest.success_rate:.0f}% right)"
             if hardest else "No exercise has been graded yet")
    alt = "Bar chart of the share of trainees with full marks per exercise: " + "; ".join(
        f"{s.exercise.label} ({s.exercise.track}) {100 * s.success_rate:.0f}%" for s in rated) + "."
    reading = ("Each bar is the share of trainees who submitted the module and got full marks; core exercises "
               "are plain blue, deep-dive ones hatched orange. Reflections still awaiting your grading are left out.")
    return _plot_html(fig, ax, title=title, xlabel="Trainees with full marks (%)", ylabel="Exercise",
                      alt=alt, reading=reading)


def hardest_exercise(successes: list[ExerciseSuccess]) -> ExerciseSuccess | None:
    """The exercise the fewest trainees got right, among those fully graded (none awaiting the trainer)."""
    rated = [s for s in successes if s.success_rate is not None]
    settled = [s for s in rated if not s.counts.get(AWAITING)] or rated
    return min(settled, key=lambda s: s.success_rate) if settled else None


def _short(text: str, width: int = 48) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


# --------------------------------------------------------------------------
# Writing the files


def write_report(cohort: Cohort, out_dir: Path, threshold: float = HELP_THRESHOLD) -> ReportFiles:
    """Write ``report.html`` and the CSV tables into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    scores, successes = track_scores(cohort), exercise_success(cohort)
    mistakes, help_needed = wrong_answers(cohort), trainees_needing_help(cohort, threshold)
    tables = {
        "scores": _write_csv(out_dir / "scores.csv", _score_rows(scores)),
        "exercises": _write_csv(out_dir / "exercises.csv", _success_rows(successes)),
        "wrong_answers": _write_csv(out_dir / "wrong_answers.csv", _wrong_rows(mistakes)),
        "needs_help": _write_csv(out_dir / "needs_help.csv", _help_rows(help_needed)),
    }
    page = out_dir / "report.html"
    page.write_text(_page(cohort, scores, successes, mistakes, help_needed, threshold), encoding="utf-8")
    return ReportFiles(page, tables)


def build_report(
    gradebook: Path,
    *,
    out_dir: Path,
    grades_dir: Path | None = None,
    autograded: Path | None = None,
    source: Path | None = None,
    course_id: str = "campaign-ai-lab",
) -> ReportFiles:
    """Read the grading files and write the cohort report; see :func:`load_cohort` for the inputs."""
    grades_csv = grades_dir / "grades.csv" if grades_dir is not None else None
    cohort = load_cohort(gradebook, autograded=autograded, source=source, grades_csv=grades_csv, course_id=course_id)
    return write_report(cohort, out_dir)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(text: str) -> str:
    """Text a spreadsheet will not run as a formula (trainees choose their answers)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        if rows:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return path


def _score_rows(scores: list[TrackScore]) -> list[dict]:
    return [{"student": _safe(s.student), "module": s.module, "track": s.track, "score": f"{s.score:g}",
             "max_score": f"{s.max_score:g}", "percent": "" if s.fraction is None else f"{100 * s.fraction:.1f}",
             "awaiting_grading": f"{s.awaiting:g}"} for s in scores]


def _success_rows(successes: list[ExerciseSuccess]) -> list[dict]:
    return [{"module": s.exercise.module, "exercise": s.exercise.name, "title": s.exercise.title,
             "track": s.exercise.track, "graded_by": "trainer" if s.exercise.by_trainer else "autograder",
             **{outcome.replace(" ", "_"): s.counts.get(outcome, 0) for outcome in OUTCOMES},
             "success_rate": "" if s.success_rate is None else f"{s.success_rate:.3f}"} for s in successes]


def _wrong_rows(mistakes: list[WrongAnswer]) -> list[dict]:
    return [{"module": w.exercise.module, "exercise": w.exercise.name, "track": w.exercise.track,
             "message": _safe(w.message), "count": len(w.students), "students": _safe(", ".join(w.students))}
            for w in mistakes]


def _help_rows(help_needed: list[HelpNeeded]) -> list[dict]:
    return [{"student": _safe(h.student), "module": h.module, "reason": h.reason,
             "core_percent": "" if h.core_percent is None else f"{h.core_percent:g}"} for h in help_needed]


# --------------------------------------------------------------------------
# The page

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; color: #1a1a1a; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #bbb; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #eef3f8; }
td.num { text-align: right; }
figure { margin: 1rem 0 2rem; } figure img { max-width: 100%; }
figcaption { margin-top: 0.4rem; }
.note { background: #fff6e0; border-left: 4px solid #E69F00; padding: 0.5rem 0.8rem; }
"""


def _page(cohort, scores, successes, mistakes, help_needed, threshold) -> str:
    sections = [
        _summary_section(cohort, successes, help_needed),
        _help_section(help_needed, threshold),
        _score_section(cohort, scores, threshold),
        _exercise_section(successes),
        _wrong_answer_section(mistakes),
        _files_section(),
    ]
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Cohort report</title><style>{_STYLE}</style></head><body>"
        "<h1>Cohort report</h1>"
        f"<p>Made {datetime.now():%d %B %Y, %H:%M} from the nbgrader gradebook.</p>"
        + "".join(f"<p class='note'>{html.escape(note)}</p>" for note in cohort.notes)
        + "".join(sections) + "</body></html>\n"
    )


def _table(headers: list[str], rows: list[list], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td class='num'>{html.escape(str(v))}</td>" if i in numeric
                         else f"<td>{html.escape(str(v))}</td>" for i, v in enumerate(row)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary_section(cohort, successes, help_needed) -> str:
    awaiting = sum(1 for a in cohort.answers if a.outcome == AWAITING)
    people = sorted({h.student for h in help_needed})
    items = [
        f"{len(cohort.students)} trainees, {len(cohort.modules)} module(s): {', '.join(cohort.modules)}.",
        f"{len(people)} trainee(s) need a follow-up: {', '.join(people) if people else 'nobody'}.",
    ]
    hardest = hardest_exercise(successes)
    if hardest:
        items.append(f"Hardest exercise: {hardest.exercise.label} ({hardest.exercise.track}), "
                     f"{100 * hardest.success_rate:.0f}% of trainees got it fully right.")
    items.append(f"{awaiting} reflection(s) are waiting for your grading in the formgrader." if awaiting
                 else "No reflection is waiting for your grading.")
    return "<h2>In short</h2><ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


def _help_section(help_needed: list[HelpNeeded], threshold: float) -> str:
    intro = (f"<p>Trainees who did not submit a module, did not attempt its exercises, scored below "
             f"{threshold:.0%} of the core points, or whose notebook did not run to the end.</p>")
    if not help_needed:
        return "<h2>Who needs help</h2>" + intro + "<p>Nobody: every trainee is above the line.</p>"
    rows = [[h.student, h.module, h.reason, _pct(h.core_percent)] for h in help_needed]
    return "<h2>Who needs help</h2>" + intro + _table(["Trainee", "Module", "Why", "Core score"], rows, {3})


def _score_section(cohort, scores, threshold) -> str:
    rows = []
    for module in cohort.modules:
        row = [module, sum(1 for s, m in cohort.submitted if m == module)]
        for track in TRACKS:
            mine = [s for s in scores if s.module == module and s.track == track]
            row += [_pct(_median_percent(scores, module, track)),
                    sum(1 for s in mine if s.fraction is not None and s.fraction < threshold)]
        rows.append(row)
    headers = ["Module", "Submitted", "Core median", f"Core below {threshold:.0%}",
               "Deep-dive median", f"Deep-dive below {threshold:.0%}"]
    return ("<h2>Scores per module</h2>" + score_plot(cohort, threshold)
            + _table(headers, rows, {1, 2, 3, 4, 5}))


def _exercise_section(successes: list[ExerciseSuccess]) -> str:
    parts = ["<h2>Success per exercise</h2>", success_plot(successes)]
    for track in TRACKS:
        mine = [s for s in successes if s.exercise.track == track]
        if not mine:
            continue
        rows = [[s.exercise.label, "trainer" if s.exercise.by_trainer else "autograder",
                 *(s.counts.get(outcome, 0) for outcome in OUTCOMES),
                 "-" if s.success_rate is None else f"{100 * s.success_rate:.0f}%"] for s in mine]
        headers = ["Exercise", "Graded by", *(o.capitalize() for o in OUTCOMES), "Full marks"]
        parts.append(f"<h3>{'Core' if track == CORE else 'Deep-dive'} track</h3>"
                     + _table(headers, rows, set(range(2, len(headers)))))
    return "".join(parts)


def _wrong_answer_section(mistakes: list[WrongAnswer], limit: int = 30) -> str:
    intro = ("<p>What the checks told trainees whose answer was wrong. The same message means the same "
             "wrong answer, so the top rows are the misunderstandings worth going over with the group.</p>")
    if not mistakes:
        return "<h2>Most common wrong answers</h2>" + intro + "<p>No wrong answers were recorded.</p>"
    rows = [[w.exercise.label, w.exercise.track, w.message, len(w.students), ", ".join(w.students)]
            for w in mistakes[:limit]]
    more = f"<p>{len(mistakes) - limit} rarer ones are in wrong_answers.csv.</p>" if len(mistakes) > limit else ""
    return ("<h2>Most common wrong answers</h2>" + intro
            + _table(["Exercise", "Track", "What the check said", "Trainees", "Who"], rows, {3}) + more)


def _files_section() -> str:
    return ("<h2>Tables</h2><p>The same numbers for a spreadsheet, beside this page: scores.csv (each trainee's "
            "points per module and track), exercises.csv (outcomes per exercise), wrong_answers.csv and "
            "needs_help.csv.</p>")
