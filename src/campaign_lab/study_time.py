"""How long a notebook takes a learner: a reading and exercise model, in minutes.

The figures each notebook states ("Time to learn"), and the README's table of
modules, come from :func:`estimate`, so they agree with each other and change
when a notebook does. ``campaign-lab times`` prints them and says which stated
figure differs; ``campaign-lab times --write`` rewrites the stated figures.
docs/study-time.md explains the model and its assumptions.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["StudyTime", "estimate", "time_line", "stated_line", "with_time_line"]

#: Words of text read a minute. Brysbaert (2019) found 238 for silent reading of English non-fiction;
#: course text is technical, has tables to compare, and is often read in a second language.
READING_WORDS_PER_MINUTE = 150
#: To run a code cell and look at what it shows.
CELL_MINUTES = 0.5
#: A core exercise asks for a value, a choice or one edited line, then its check.
CORE_EXERCISE_MINUTES = 4
#: A deep-dive exercise asks for code: a function or a few lines of pandas.
DEEP_DIVE_EXERCISE_MINUTES = 10
#: An answer written for the trainer (a reflection, a policy): a few sentences.
WRITTEN_MINUTES = 6
#: Sections for after the session, not counted.
TAKE_HOME = ("Try it for your own campaign", "Resources")

TIME_LINE = re.compile(r"^- \*\*Time to learn\*\*: .*$", re.M)
_SECTION = re.compile(r"^## (.+)$", re.M)
_SECTION_START = re.compile(r"^(?=## )", re.M)
_WORD = re.compile(r"\w+")
_DEEP_DIVE = re.compile(r"deep[- ]dive", re.I)


@dataclass(frozen=True)
class StudyTime:
    """Minutes for the whole notebook and for its core track, rounded to 5."""

    total: int
    core: int


def estimate(notebook) -> StudyTime:
    """The model's minutes for a notebook (an ``nbformat`` notebook)."""
    total = core = 0.0
    section = ""
    for cell in notebook.cells:
        for section, minutes in _parts(cell, section):
            if section.startswith(TAKE_HOME):
                continue
            total += minutes
            if not _DEEP_DIVE.search(section):
                core += minutes
    return StudyTime(_round5(total), _round5(core))


def _parts(cell, section: str) -> list[tuple[str, float]]:
    """``(section, minutes)`` for each part of a cell: a markdown cell is cut at its ``## `` headings."""
    if cell.cell_type == "code":
        return [(section, CELL_MINUTES)]
    if cell.cell_type != "markdown":
        return []
    parts = []
    for number, text in enumerate(_SECTION_START.split(cell.source)):
        heading = _SECTION.match(text)
        if heading:
            section = heading.group(1).strip()
        elif number:
            continue
        parts.append((section, _reading(text) + (_work(section) if heading else 0.0)))
    return parts


def _reading(text: str) -> float:
    return len(_WORD.findall(text)) / READING_WORDS_PER_MINUTE


def _work(section: str) -> float:
    """Minutes of work a section's heading announces: an exercise, or an answer written for the trainer."""
    if "point" not in section:
        return 0.0
    if "graded by your trainer" in section:
        return WRITTEN_MINUTES
    return DEEP_DIVE_EXERCISE_MINUTES if _DEEP_DIVE.search(section) else CORE_EXERCISE_MINUTES


def _round5(minutes: float) -> int:
    return max(5, 5 * math.floor(minutes / 5 + 0.5))


def time_line(time: StudyTime) -> str:
    """The notebook's overview line for ``time``."""
    return f"- **Time to learn**: {time.total} minutes (about {time.core} for the core track)."


def stated_line(notebook) -> str | None:
    """The "Time to learn" line the notebook states, or None if it has none."""
    for cell in notebook.cells:
        found = TIME_LINE.search(cell.source) if cell.cell_type == "markdown" else None
        if found:
            return found.group(0)
    return None


def with_time_line(notebook, time: StudyTime) -> bool:
    """Write ``time`` into the notebook's "Time to learn" line; True if it changed."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and TIME_LINE.search(cell.source):
            new = TIME_LINE.sub(time_line(time), cell.source, count=1)
            changed, cell.source = new != cell.source, new
            return changed
    return False


def readme_time(time: StudyTime) -> str:
    """The README table's cell for ``time``."""
    return f"{time.total} min (core {time.core})"


def notebook_minutes(path: Path) -> StudyTime:
    import nbformat

    return estimate(nbformat.read(str(path), as_version=4))
