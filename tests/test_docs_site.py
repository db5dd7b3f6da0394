"""The course website: `campaign-lab docs` (what `make docs` runs) builds it offline, without a warning.

Checked as a reader would see it: a page for every module that names its time to learn and shows
no answers, the modules page and the workshop agendas with the times of the reading and exercise
model, slides for every module that load nothing from the web, label the cells of the live demo
and carry speaker notes, and a search that finds the course's words.
"""

import html
import json
import re

import nbformat
import pytest

from campaign_lab import course, demo, study_time

pytestmark = pytest.mark.slow


# The site is built once per test session: the `site` fixture of conftest.py.


def text(page) -> str:
    """The words of an HTML page, as a reader sees them."""
    return words(page.read_text(encoding="utf-8"))


def words(source: str) -> str:
    """The words of some HTML, as a reader sees them."""
    source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", source)).split()).replace(" :", ":")


def times():
    for module in course.modules():
        yield module, study_time.estimate(nbformat.read(str(course.source_notebook(module)), as_version=4))


def test_the_home_page_leads_to_the_three_audiences(site):
    assert 'url=docs/index.html' in (site / "index.html").read_text()
    home = text(site / "docs" / "index.html")
    for part in ("Trainees", "Trainers", "Facilitators", "Getting started", "Grading a cohort", "Running a workshop"):
        assert part in home


def test_every_module_has_a_page_that_names_its_time(site):
    for module, time in times():
        page = site / "notebooks" / module / f"{module}.html"
        assert page.exists(), f"no page for {module}"
        assert f"Time to learn: {time.total} minutes (about {time.core} for the core track)" in text(page)


def test_module_pages_show_the_notebooks_as_trainees_get_them(site):
    for module in course.modules():
        page = (site / "notebooks" / module / f"{module}.html").read_text(encoding="utf-8")
        assert "____" in page, f"{module}: the blanks to answer are missing"
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "BEGIN MARK SCHEME"):
            assert marker not in page, f"{module}'s page shows what is between {marker} and its END"
    assert "len(wards)" not in (site / "notebooks" / "00-start-here" / "00-start-here.html").read_text()


def test_the_modules_page_gives_each_modules_time_and_objectives(site):
    page = text(site / "docs" / "modules.html")
    for module, time in times():
        number = module[:2]
        assert re.search(rf"{number} · [^|]+? {time.total} min {time.core} min", page), f"{module} is not in the table"
        assert f"Time to learn: {time.total} minutes (about {time.core} for the core track)" in page
    assert page.count("By the end of this notebook you will be able to") == len(course.modules())


def test_the_agendas_time_each_module_by_the_model(site):
    minutes = {module[:2]: time for module, time in times()}
    one_day = text(site / "docs" / "workshop-one-day.html")
    start_here = minutes["00"].core  # the one-day workshop starts at 09:00 on the core track
    assert f"09:00-09:{start_here:02d} 00 · Start here {start_here} min {minutes['00'].total} min" in one_day
    three_days = text(site / "docs" / "workshop-three-day.html")
    for number in minutes:
        assert f" {number} · " in three_days, f"module {number} is missing from the three-day agenda"
    assert three_days.count("Time in the modules:") == 3
    workshops = text(site / "docs" / "workshops.html")
    for part in ("Setting up a room without internet", "Pairing candidates and staff", "When a cell fails"):
        assert part in workshops


def test_the_handouts_give_each_module_its_take_home_work(site):
    page = (site / "docs" / "handouts.html").read_text(encoding="utf-8")
    assert page.count('class="handout') == len(course.modules())
    handouts = text(site / "docs" / "handouts.html")
    for module, time in times():
        assert f"Time to learn: {time.total} minutes (about {time.core} for the core track)" in handouts
    assert handouts.count("Try it for your own campaign") == len(course.modules()) + 1  # and the introduction
    assert handouts.count("Summary") == len(course.modules())


def test_every_module_has_slides_that_open_without_internet(site):
    modules_page = (site / "docs" / "modules.html").read_text(encoding="utf-8")
    for module in course.modules():
        slides = site / "slides" / f"{module}.html"
        assert f'href="../slides/{module}.html"' in modules_page
        page = slides.read_text(encoding="utf-8")
        assert page.count("<section") > 5, f"{module}: the slides have hardly a slide"
        loaded = re.findall(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"', page)
        loaded += re.findall(r'"(_reveal/[^"]+)"', page)
        assert loaded and not [url for url in loaded if "://" in url], f"{module}'s slides load from the web"
        for url in loaded:
            assert (slides.parent / url).exists(), f"{module}'s slides load {url}, which is not in the site"
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS"):
            assert marker not in page


def test_the_slides_label_the_live_demo_cells(site):
    label = re.compile(r'<div [^>]*class="jp-Cell jp-CodeCell [^"]*\bcelltag_live-demo\b[^>]*>\s*'
                       r'<p class="live-demo-label">Live demo</p>')
    for module in course.modules():
        opening = demo.opening_cells(nbformat.read(str(course.source_notebook(module)), as_version=4))
        page = (site / "slides" / f"{module}.html").read_text(encoding="utf-8")
        assert len(label.findall(page)) == len(opening) > 0, f"{module}: not every cell `campaign-lab demo` runs says Live demo"
        assert page.count('class="live-demo-label"') == len(opening)


def test_the_slides_have_the_reading_paragraphs_as_speaker_notes(site):
    page = (site / "slides" / "09-drafting-with-ai.html").read_text(encoding="utf-8")
    notes = [words(note) for note in re.findall(r'<aside class="notes">(.*?)</aside>', page, re.S)]
    assert notes and all(note.startswith("Reading.") for note in notes), notes
    shown = words(re.sub(r'<aside class="notes">.*?</aside>', " ", page, flags=re.S))
    assert "Reading." not in shown, "a Reading paragraph is on a slide as well as in the notes"


def test_the_search_finds_course_words(site):
    assert (site / "search.html").exists()
    index = json.loads(re.search(r"Search\.setIndex\((.*)\)\s*$", (site / "searchindex.js").read_text(), re.S).group(1))
    for word in ("deepfak", "voter", "nbgrader"):
        assert word in index["terms"], f"the search does not know {word!r}"
    assert "notebooks/12-deepfakes-and-provenance/12-deepfakes-and-provenance" in index["docnames"]
