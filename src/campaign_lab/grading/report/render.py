"""Render: the report's files, the HTML page (from a Jinja2 template) and the CSV tables."""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from markupsafe import Markup

from campaign_lab.grading import pages
from campaign_lab.grading.report.analyse import (ExerciseSuccess, HelpNeeded, TrackScore, WrongAnswer,
                                                 checks_disagree, exercise_success, hardest_exercise, median_percent, percents,
                                                 track_scores, trainees_needing_help, wrong_answers)
from campaign_lab.grading.report.load import (AWAITING, CORE, DEEP_DIVE, HELP_THRESHOLD, OUTCOMES, TRACKS,
                                              Cohort)


@dataclass(frozen=True)
class ReportFiles:
    """The files :func:`write_report` wrote."""

    html: Path
    tables: dict[str, Path]


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


def score_plot(cohort: Cohort, threshold: float = HELP_THRESHOLD) -> str:
    """Dots of every trainee's core and deep-dive percentage, one column pair per module."""
    from campaign_lab import plotting

    scores = track_scores(cohort)
    fig, ax = plotting.figure(figsize=(max(6.0, 1.6 * len(cohort.modules) + 3), 4.4))
    styles = {CORE: (plotting.OKABE_ITO[0], "o", -0.17), DEEP_DIVE: (plotting.OKABE_ITO[1], "s", 0.17)}
    for track, (colour, marker, offset) in styles.items():
        for position, module in enumerate(cohort.modules):
            values = sorted(percents(scores, module, track))
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
    medians = {m: median_percent(scores, m, CORE) for m in cohort.modules}
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
    parts = [f"{m}: median core {_pct(medians[m])}, deep dive {_pct(median_percent(scores, m, DEEP_DIVE))}"
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
        "checks_disagree": _write_csv(out_dir / "checks_disagree.csv", _disagree_rows(checks_disagree(cohort))),
    }
    page = out_dir / "report.html"
    page.write_text(_page(cohort, scores, successes, mistakes, help_needed, threshold), encoding="utf-8")
    return ReportFiles(page, tables)


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


def _disagree_rows(answers) -> list[dict]:
    return [{"student": _safe(a.student), "module": a.exercise.module, "exercise": a.exercise.name,
             "graded": a.outcome, "message": _safe(a.messages[0] if a.messages else "")} for a in answers]


# --------------------------------------------------------------------------
# The page (templates/report.html.j2; every value is escaped by the template)


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list]
    numeric: frozenset[int] = frozenset()


def _page(cohort, scores, successes, mistakes, help_needed, threshold, limit: int = 30) -> str:
    return pages.render(
        "report.html.j2",
        made=f"{datetime.now():%d %B %Y, %H:%M}",
        notes=cohort.notes,
        summary=_summary(cohort, successes, help_needed),
        threshold=f"{threshold:.0%}",
        help_table=_help_table(help_needed),
        disagree_table=_disagree_table(checks_disagree(cohort)),
        score_plot=Markup(score_plot(cohort, threshold)),
        score_table=_score_table(cohort, scores, threshold),
        success_plot=Markup(success_plot(successes)),
        track_tables=_track_tables(successes),
        wrong_table=_wrong_table(mistakes[:limit]),
        rarer=max(len(mistakes) - limit, 0),
    )


def _summary(cohort, successes, help_needed) -> list[str]:
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
    return items


def _help_table(help_needed: list[HelpNeeded]) -> Table:
    rows = [[h.student, h.module, h.reason, _pct(h.core_percent)] for h in help_needed]
    return Table(["Trainee", "Module", "Why", "Core score"], rows, frozenset({3}))


def _disagree_table(answers) -> Table:
    rows = [[a.student, a.exercise.module, a.exercise.label, a.messages[0] if a.messages else ""] for a in answers]
    return Table(["Trainee", "Module", "Exercise", "What the grader found"], rows)


def _score_table(cohort, scores, threshold) -> Table:
    rows = []
    for module in cohort.modules:
        row = [module, sum(1 for s, m in cohort.submitted if m == module)]
        for track in TRACKS:
            mine = [s for s in scores if s.module == module and s.track == track]
            row += [_pct(median_percent(scores, module, track)),
                    sum(1 for s in mine if s.fraction is not None and s.fraction < threshold)]
        rows.append(row)
    headers = ["Module", "Submitted", "Core median", f"Core below {threshold:.0%}",
               "Deep-dive median", f"Deep-dive below {threshold:.0%}"]
    return Table(headers, rows, frozenset({1, 2, 3, 4, 5}))


def _track_tables(successes: list[ExerciseSuccess]) -> list[tuple[str, Table]]:
    """``("Core", table)`` and ``("Deep-dive", table)`` of the exercises of each track that has some."""
    headers = ["Exercise", "Graded by", *(o.capitalize() for o in OUTCOMES), "Full marks"]
    tables = []
    for track in TRACKS:
        rows = [[s.exercise.label, "trainer" if s.exercise.by_trainer else "autograder",
                 *(s.counts.get(outcome, 0) for outcome in OUTCOMES),
                 "-" if s.success_rate is None else f"{100 * s.success_rate:.0f}%"]
                for s in successes if s.exercise.track == track]
        if rows:
            tables.append(("Core" if track == CORE else "Deep-dive",
                           Table(headers, rows, frozenset(range(2, len(headers))))))
    return tables


def _wrong_table(mistakes: list[WrongAnswer]) -> Table:
    rows = [[w.exercise.label, w.exercise.track, w.message, len(w.students), ", ".join(w.students)]
            for w in mistakes]
    return Table(["Exercise", "Track", "What the check said", "Trainees", "Who"], rows, frozenset({3}))
