"""HTML pages of grading (the cohort report, a scores-only feedback page) from Jinja2 templates.

The templates are in ``grading/templates``; autoescaping is on, so every value
a template shows (trainees' names, their answers, check messages) appears as
text, never as markup. Only values marked safe with ``markupsafe.Markup``
(the report's embedded plots) go in as they are.

Examples
--------
>>> "&lt;b&gt;" in render("scores_only.html.j2", notebook="<b>", score=1, max_score=2)
True
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2

TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )


def render(template: str, **values) -> str:
    """The page ``template`` with ``values`` filled in (each escaped unless marked safe)."""
    return _environment().get_template(template).render(**values)
