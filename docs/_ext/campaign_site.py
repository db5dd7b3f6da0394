"""The course website's generated parts: the table of modules, the workshop agendas, the notebooks as
trainees get them, and slides.

Three MyST directives, each worked out while the site builds from the source notebooks and
the reading and exercise model (``campaign_lab.study_time``), so no figure is copied by hand:

- ``{module-table}``: every module with its time to learn, whole notebook and core track;
- ``{module-overviews}``: every module's title, time and "Overview" (its learning objectives),
  as the notebook's first markdown cell states them;
- ``{module-handouts}``: a printed page for each module to take home: its title, time, objectives,
  "Summary" and "Try it for your own campaign", as the notebook states them. With the setting
  ``handout_pdfs`` (``campaign-lab docs`` gives it when it can print them), each one and its row
  of the module table link to its one-page PDF, which ``campaign_lab.handouts`` prints from this page;
- ``{agenda}``: one day of a workshop. Each line of its body is a module number (``09``) or a
  break (``break 15 Coffee``); the clock times follow from the model's minutes, starting at
  ``:start:``. ``:track: core`` gives each module its core-track time, ``:track: whole`` the
  whole notebook's.

The notebooks themselves are shown as trainees get them: :func:`student_notebook` takes out the
solutions, hidden tests and mark schemes with nbgrader's own steps and the course's settings,
as ``campaign-lab release`` does.

Each module also gets slides, ``slides/<module>.html`` (:func:`write_slides`): nbconvert's reveal.js
slides of the same student notebook, with reveal.js and what it needs copied beside them, so
they open from the folder without internet.

The opening cells that ``campaign-lab demo NN`` runs before the room are labelled "Live demo" on
them, and each "**Reading.**" paragraph (how to read the output above it) becomes the speaker notes
of its slide (press S in the slides to see them).

The pages are written by :class:`Translator`, Sphinx's own HTML with two fixes for readers who use a
screen reader or the keyboard.
"""

from __future__ import annotations

import functools
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective
from sphinx.writers.html5 import HTML5Translator

from campaign_lab import course, demo, handouts, study_time

_SECTION_TEXT = r"^## {}\s*$(?P<text>.*?)(?=^#|\Z)"
_OVERVIEW = re.compile(_SECTION_TEXT.format("Overview"), re.M | re.S)
#: The sections of a notebook that its handout shows after the objectives.
HANDOUT_SECTIONS = ("Summary", "Try it for your own campaign")


@dataclass(frozen=True)
class Module:
    name: str  # "09-drafting-with-ai"
    title: str  # "09 · Drafting with an AI assistant"
    overview: str  # the Overview section of the first markdown cell, as Markdown
    time: study_time.StudyTime
    path: Path
    sections: dict[str, str]  # HANDOUT_SECTIONS found in the notebook: heading -> Markdown

    @property
    def number(self) -> str:
        return self.name[:2]

    def link(self) -> str:
        return f"{{doc}}`{self.title} </notebooks/{self.name}/{self.name}>`"


def read_modules(root: Path) -> list[Module]:
    """Every module of the course at ``root``, read from its source notebook."""
    found = []
    for name in course.modules(root):
        path = course.source_notebook(name, root)
        notebook = nbformat.read(str(path), as_version=4)
        first = next(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
        overview = _OVERVIEW.search(first)
        sections = {}
        for heading in HANDOUT_SECTIONS:
            for cell in notebook.cells:
                text = re.search(_SECTION_TEXT.format(re.escape(heading)), cell.source, re.M | re.S)
                if cell.cell_type == "markdown" and text:
                    sections[heading] = text.group("text").strip()
                    break
        found.append(Module(
            name=name,
            title=first.splitlines()[0].lstrip("# ").strip(),
            overview=overview.group("text").strip() if overview else "",
            time=study_time.estimate(notebook),
            path=path,
            sections=sections,
        ))
    return found


@functools.cache
def _release_steps():
    from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, ClearSolutions

    config = course.nbgrader_config()
    return [step(config=config) for step in (ClearSolutions, ClearHiddenTests, ClearMarkScheme)]


def student_notebook(text: str):
    """The notebook in ``text`` as a trainee gets it (the site's reader of ``.ipynb`` files)."""
    notebook = nbformat.reads(text, as_version=4)
    for step in _release_steps():
        notebook, _ = step.preprocess(notebook, {})
    return notebook


def minutes(value: int) -> str:
    hours, rest = divmod(value, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


class _CourseDirective(SphinxDirective):
    def modules(self) -> list[Module]:
        found = read_modules(Path(self.env.srcdir))
        for module in found:  # rebuild this page when a notebook changes
            self.env.note_dependency(str(module.path))
        return found

    def parse(self, markdown: list[str]) -> list[nodes.Node]:
        container = nodes.container()
        self.state.nested_parse(StringList(markdown, source=self.env.docname), self.content_offset, container)
        return container.children

    def up(self) -> str:
        """The way from this page to the top of the site."""
        return "../" * self.env.docname.count("/")

    def handout_pdf(self, module: Module) -> str | None:
        """The address of ``module``'s PDF handout from this page, when the site has them."""
        return f"{self.up()}{handouts.FOLDER}/{module.name}.pdf" if self.config.handout_pdfs else None


class ModuleTable(_CourseDirective):
    """Every module, its time to learn, its slides and its PDF handout."""

    def run(self):
        pdfs = self.config.handout_pdfs
        lines = ["| Module | Whole notebook | Core track | Slides |" + (" Handout |" if pdfs else ""),
                 "| --- | --- | --- | --- |" + (" --- |" if pdfs else "")]
        for m in self.modules():
            lines.append(f"| {m.link()} | {m.time.total} min | {m.time.core} min "
                         f'| <a href="{self.up()}{SLIDES}/{m.name}.html">slides</a> |'
                         + (f' <a href="{self.handout_pdf(m)}">PDF</a> |' if pdfs else ""))
        return self.parse(lines)


class ModuleOverviews(_CourseDirective):
    """Every module's title, time and learning objectives."""

    def run(self):
        lines = []
        for m in self.modules():
            lines += [f"**{m.link()}**", "", f"Time to learn: {m.time.total} minutes "
                      f"(about {m.time.core} for the core track).", "", m.overview, "", "---", ""]
        return self.parse(lines[:-2])


class ModuleHandouts(_CourseDirective):
    """A page to print for each module: title, time, objectives, summary and take-home work."""

    def run(self):
        lines = []
        for m in self.modules():
            lines += [":::{container} handout", f":name: {handouts.anchor(m.name)}", "", f"**{m.link()}**", ""]
            if self.handout_pdf(m):
                lines += [f'<p class="pdf-link"><a href="{self.handout_pdf(m)}">This handout as a PDF</a> '
                          "(one A4 page)</p>", ""]
            lines += [f"Time to learn: {m.time.total} minutes (about {m.time.core} for the core track).", "",
                      m.overview, ""]
            for heading, text in m.sections.items():
                lines += [f"**{heading}**", "", text, ""]
            lines += [":::", ""]
        return self.parse(lines)


class Agenda(_CourseDirective):
    """One day of a workshop, timed by the reading and exercise model."""

    has_content = True
    option_spec = {"start": directives.unchanged_required, "track": lambda v: directives.choice(v, ("core", "whole"))}

    def run(self):
        by_number = {m.number: m for m in self.modules()}
        track = self.options.get("track", "core")
        hour, minute = (int(part) for part in self.options.get("start", "09:00").split(":"))
        clock = hour * 60 + minute
        taught = 0
        rows = []
        for line in (line.strip() for line in self.content if line.strip()):
            kind, _, rest = line.partition(" ")
            if kind == "break":
                length, _, label = rest.partition(" ")
                slot, session, core, whole = int(length), label or "Break", "", ""
            elif kind in by_number:
                m = by_number[kind]
                slot = m.time.core if track == "core" else m.time.total
                session, core, whole = m.link(), f"{m.time.core} min", f"{m.time.total} min"
                taught += slot
            else:
                raise self.error(f"agenda line {line!r}: give a module number ({', '.join(by_number)}) or 'break MINUTES LABEL'")
            rows.append(f"| {_clock(clock)}-{_clock(clock + slot)} | {session} | {core} | {whole} |")
            clock += slot
        lines = ["| Time | Session | Core track | Whole notebook |", "| --- | --- | --- | --- |", *rows, "",
                 f"Time in the modules: {minutes(taught)} ({'core track' if track == 'core' else 'whole notebooks'}); "
                 f"the day ends at {_clock(clock)}."]
        return self.parse(lines)


def _clock(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


#: The slides' folder in the site, and where reveal.js and its helpers go in it.
SLIDES = "slides"
REVEAL = "_reveal"
#: The reveal.js theme: reveal.js's high-contrast one with black text on white, for projectors.
REVEAL_THEME = "white-contrast"
#: What the slides load, from the npm packages scripts/install-npm.sh installs.
SLIDE_ASSETS = {
    "dist/reveal.js": "reveal.js/dist/reveal.js",
    "dist/reveal.css": "reveal.js/dist/reveal.css",
    f"dist/theme/{REVEAL_THEME}.css": f"reveal.js/dist/theme/{REVEAL_THEME}.css",
    "dist/theme/fonts/source-sans-pro": "reveal.js/dist/theme/fonts/source-sans-pro",
    "plugin/notes/notes.js": "reveal.js/plugin/notes/notes.js",
    "require.js": "requirejs/require.js",
    "jquery.min.js": "jquery/dist/jquery.min.js",
}


#: The tag of the opening cells `campaign-lab demo` runs before the room; the slides label them.
LIVE_DEMO = "live-demo"
#: A paragraph starting so says how to read the output above it: the speaker notes of its slide.
READING = "**Reading.**"
_PARAGRAPHS = re.compile(r"\n[ \t]*\n")


def with_live_demo_tags(notebook):
    """The opening cells that `campaign-lab demo` runs (:func:`campaign_lab.demo.opening_cells`) tagged live-demo."""
    waiting = demo.opening_cells(notebook)  # their sources, in the notebook's order
    for cell in notebook.cells:
        if waiting and cell.cell_type == "code" and cell.source == waiting[0]:
            cell.metadata.setdefault("tags", []).append(LIVE_DEMO)
            waiting.pop(0)
    return notebook


def with_speaker_notes(notebook):
    """Each "**Reading.**" paragraph taken out of its cell into a notes cell of its own (reveal.js speaker notes)."""
    cells = []
    for cell in notebook.cells:
        cells += _notes_apart(cell) if cell.cell_type == "markdown" and READING in cell.source else [cell]
    notebook.cells = cells
    return notebook


def _notes_apart(cell) -> list:
    """``cell`` cut at its "Reading." paragraphs: each one a notes cell, the text between them markdown cells."""
    cut = []
    for paragraph in _PARAGRAPHS.split(cell.source):
        notes = paragraph.startswith(READING)
        if notes or not cut or _is_notes(cut[-1]):
            slideshow = {"slideshow": {"slide_type": "notes"}} if notes else {}
            cut.append(nbformat.v4.new_markdown_cell(paragraph, metadata=slideshow))
        else:
            cut[-1].source += "\n\n" + paragraph
    return cut


def _is_notes(cell) -> bool:
    return cell.metadata.get("slideshow", {}).get("slide_type") == "notes"


def with_slide_types(notebook):
    """Cells without slide metadata of their own: a ``#`` or ``##`` heading starts a slide (also after
    a ``---`` rule), other text a slide below it, and code stays on the slide of the text before it."""
    for cell in notebook.cells:
        if "slideshow" not in cell.metadata:
            heading = cell.cell_type == "markdown" and re.match(r"(?:-{3,}\s*\n)?#{1,2} ", cell.source)
            kind = "slide" if heading else "subslide" if cell.cell_type == "markdown" else "-"
            cell.metadata["slideshow"] = {"slide_type": kind}
    return notebook


def write_slides(app, exception) -> None:
    """Every module's slides into the site's ``slides/`` folder, with the files they load."""
    if exception or app.builder.format != "html":
        return
    from nbconvert import SlidesExporter

    node_modules = Path(sys.prefix) / "lib" / "node_modules"
    missing = [source for source in SLIDE_ASSETS.values() if not (node_modules / source).exists()]
    if missing:
        raise ExtensionError(f"the slides need {', '.join(missing)} in {node_modules}: run scripts/install-npm.sh")
    folder = Path(app.outdir) / SLIDES
    for target, source in SLIDE_ASSETS.items():
        (folder / REVEAL / target).parent.mkdir(parents=True, exist_ok=True)
        if (node_modules / source).is_dir():
            shutil.copytree(node_modules / source, folder / REVEAL / target, dirs_exist_ok=True)
        else:
            shutil.copyfile(node_modules / source, folder / REVEAL / target)
    exporter = SlidesExporter(
        template_name="campaign-slides", extra_template_basedirs=[str(Path(__file__).parent)],
        reveal_url_prefix=REVEAL, reveal_theme=REVEAL_THEME, reveal_scroll=True,
        require_js_url=f"{REVEAL}/require.js", jquery_url=f"{REVEAL}/jquery.min.js",
        exclude_input_prompt=True, exclude_output_prompt=True,
    )
    for module in read_modules(Path(app.srcdir)):
        notebook = student_notebook(module.path.read_text(encoding="utf-8"))
        notebook = with_slide_types(with_speaker_notes(with_live_demo_tags(notebook)))
        notebook.metadata["title"] = module.title
        body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": module.name}})
        (folder / f"{module.name}.html").write_text(body, encoding="utf-8")


class Translator(HTML5Translator):
    """Sphinx's HTML, with the contents' captions given a heading level and code blocks reachable by keyboard."""

    def visit_title(self, node):
        super().visit_title(node)
        if isinstance(node.parent, addnodes.compact_paragraph) and node.parent.get("toctree"):
            # Sphinx writes the caption as <p role="heading"> without the level a heading must have.
            self.body[-2] = self.body[-2].replace('role="heading"', 'role="heading" aria-level="2"', 1)

    def visit_literal_block(self, node):
        try:
            super().visit_literal_block(node)
        finally:
            # A long line makes a code block scroll sideways: let the keyboard focus it to scroll.
            self.body[-1] = self.body[-1].replace("<pre>", '<pre tabindex="0">', 1)


def setup(app):
    app.set_translator("html", Translator)
    app.add_directive("module-table", ModuleTable)
    app.add_directive("module-overviews", ModuleOverviews)
    app.add_directive("module-handouts", ModuleHandouts)
    app.add_directive("agenda", Agenda)
    app.add_config_value("handout_pdfs", False, "env", bool)
    app.connect("build-finished", write_slides)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
