"""The course website opened in a browser, as a reader sees it: headless Chromium on the built site.

The site is built once per test session (the `site` fixture of conftest.py, which
test_docs_site.py reads too) and served over HTTP on 127.0.0.1. The tests open the modules page
and a module page, search the site, check the main kinds of page with the axe-core accessibility
checker (scripts/install-npm.sh installs it), and open a module's slides and their speaker
view, checking that nothing they ask for leaves this computer. The PDF handouts, which
`campaign-lab docs` prints with the same Chromium, are read back with pypdf: one A4 page for
each module, with its title, objectives and take-home work.
"""

from __future__ import annotations

import functools
import http.server
import importlib.util
import sys
import threading
from pathlib import Path

import nbformat
import pytest

from browser_tools import expect, needed
from campaign_lab import course, handouts, study_time

pytestmark = pytest.mark.slow

AXE = Path(sys.prefix) / "lib" / "node_modules" / "axe-core" / "axe.min.js"
MODULE = "09-drafting-with-ai"  # it has live-demo cells and speaker notes
PAGES = {"home": "docs/index.html", "modules": "docs/modules.html",
         "module": f"notebooks/{MODULE}/{MODULE}.html", "workshop": "docs/workshop-one-day.html"}
#: Rules every checked page must pass, among all of axe's (every violation fails, whatever its impact).
REQUIRED_RULES = {"image-alt", "heading-order", "page-has-heading-one", "color-contrast", "link-name", "html-has-lang"}
#: axe's rules the theme's own HTML breaks and no setting of it can mend: not run, and why.
THEME_OWN = {
    "landmark-unique": "furo's page.html writes its two sidebars as <aside> landmarks without a label",
}
# As tall as a long page, so axe sees every line's colours rather than those in the first screen.
VIEWPORT = {"width": 1400, "height": 8000}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # a request log would bury the test's own output
        pass


@pytest.fixture(scope="module")
def served(site):
    """The built site over HTTP on 127.0.0.1, on a port the system picks: its address."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture()
def page(browser):
    opened = browser.new_page(viewport=VIEWPORT)
    opened.set_default_timeout(15_000)
    yield opened
    opened.context.close()


def module_title_and_time(module: str):
    notebook = nbformat.read(str(course.source_notebook(module)), as_version=4)
    first = next(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    return first.splitlines()[0].lstrip("# ").strip(), study_time.estimate(notebook)


def test_the_modules_page_leads_to_a_module_page_with_its_time(served, page):
    title, time = module_title_and_time(MODULE)
    page.goto(served + PAGES["modules"])
    expect(page.get_by_role("heading", level=1)).to_contain_text("The modules")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))
    expect(row).to_contain_text(f"{time.total} min {time.core} min")
    row.get_by_role("link", name=title, exact=True).click()
    expect(page).to_have_url(served + PAGES["module"])
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    expect(page.get_by_role("listitem").filter(has_text="Time to learn")).to_have_text(
        f"Time to learn: {time.total} minutes (about {time.core} for the core track).")


def test_the_search_box_finds_a_course_word(served, page):
    title, _ = module_title_and_time("12-deepfakes-and-provenance")
    page.goto(served + PAGES["home"])
    box = page.get_by_role("search").get_by_role("textbox")
    box.fill("deepfake")
    box.press("Enter")
    results = page.locator("#search-results")
    expect(results.locator(".search-summary")).to_contain_text("Search finished, found", timeout=30_000)
    expect(results.get_by_role("link", name=title, exact=True)).to_be_visible()
    assert_accessible(page, "search results")


@pytest.mark.parametrize("name", PAGES)
def test_the_page_passes_the_accessibility_checks(served, page, name):
    page.goto(served + PAGES[name])
    assert_accessible(page, name)


def test_a_modules_slides_and_speaker_notes_open_without_leaving_this_computer(served, page):
    asked = []

    def local_only(route):
        asked.append(route.request.url)
        if route.request.url.startswith(served):
            route.continue_()
        else:
            route.abort()

    page.context.route("**/*", local_only)  # the whole context: the speaker view's window too
    page.set_viewport_size({"width": 1280, "height": 800})
    title, _ = module_title_and_time(MODULE)
    page.goto(served + f"slides/{MODULE}.html")
    expect(page.locator(".reveal.ready")).to_be_attached()  # reveal.js has started
    expect(page.locator("section.present h1")).to_contain_text(title)
    expect(page.locator(".live-demo-label").first).to_have_text("Live demo")

    # The first slide with notes, and the speaker view (key S) showing them.
    slide = page.evaluate("""() => {
        const notes = document.querySelector('.slides aside.notes'), section = notes.closest('section');
        const top = section.parentElement.closest('section') || section;
        const index = element => [...element.parentElement.children].filter(e => e.tagName === 'SECTION').indexOf(element);
        return `#/${index(top)}/${top === section ? 0 : index(section)}`;
    }""")
    page.goto(served + f"slides/{MODULE}.html{slide}")
    expect(page.locator("section.present aside.notes").first).to_be_hidden()  # notes are not on the slide
    with page.expect_popup() as speaker_view:
        page.keyboard.press("s")
    notes = speaker_view.value.locator(".speaker-controls-notes")
    expect(notes).to_contain_text("Reading.")
    assert any(url.endswith("/_reveal/dist/reveal.js") for url in asked), asked  # what was asked was seen
    assert [url for url in asked if not url.startswith(served)] == [], "the slides asked for something on the web"


def test_every_module_has_a_one_page_pdf_handout(site):
    lacking = handouts.missing()
    needed(lacking is None, f"`campaign-lab docs` prints the PDF handouts only with {lacking}")
    needed(importlib.util.find_spec("pypdf") is not None, "pypdf is missing: run `make install` (it is in the `dev` extra)")
    from pypdf import PdfReader

    links = (site / "docs" / "handouts.html").read_text(encoding="utf-8") + (site / "docs" / "modules.html").read_text(encoding="utf-8")
    for module in course.modules():
        pdf = site / handouts.FOLDER / f"{module}.pdf"
        assert pdf.exists(), f"no PDF handout for {module}"
        assert links.count(f'href="../{handouts.FOLDER}/{module}.pdf"') == 2, f"the handouts and modules pages do not both link to {pdf.name}"
        pages = PdfReader(pdf).pages
        assert len(pages) == 1, f"{module}'s handout takes {len(pages)} pages"
        width, height = (round(float(side) * 25.4 / 72) for side in (pages[0].mediabox.width, pages[0].mediabox.height))
        assert (width, height) == (210, 297), f"{module}'s handout is {width} x {height} mm, not A4"
        printed = " ".join(pages[0].extract_text().split()).replace("\u2019", "'")  # the site's curly apostrophes
        title, time = module_title_and_time(module)
        for words in (title, f"Time to learn: {time.total} minutes", "By the end of this notebook you will be able to",
                      "Summary", "Try it for your own campaign"):
            assert words in printed, f"{module}'s handout does not say {words!r}"


def assert_accessible(page, name: str) -> None:
    """axe-core's checks on ``page``, in light and dark colours: print every violation, then fail on any."""
    needed(AXE.exists(), f"axe-core is missing from {AXE.parent.parent}: run `make install` (scripts/install-npm.sh)")
    page.add_script_tag(path=str(AXE))
    options = {"rules": {rule: {"enabled": False} for rule in THEME_OWN}, "resultTypes": ["violations"]}
    found = []
    for scheme in ("light", "dark"):  # the theme follows the reader's system setting
        page.emulate_media(color_scheme=scheme)
        results = page.evaluate("options => axe.run(document, options)", options)
        ran = {rule["id"] for kind in ("passes", "violations", "incomplete", "inapplicable") for rule in results[kind]}
        assert REQUIRED_RULES <= ran, f"axe did not run {sorted(REQUIRED_RULES - ran)}"
        found += [f"[{scheme}] {described(violation)}" for violation in results["violations"]]
    skipped = "; ".join(f"{rule}: {why}" for rule, why in THEME_OWN.items())
    print(f"axe on the {name} page ({page.url}): {len(found)} violations (not run, {skipped})", *found, sep="\n")
    assert not found, f"the {name} page has accessibility problems:\n" + "\n".join(found)


def described(violation: dict) -> str:
    """An axe violation, with every element it was found on, as a line to fix each."""
    lines = [f"{violation['id']} ({violation['impact']}): {violation['help']} ({violation['helpUrl']})"]
    for node in violation["nodes"]:
        lines += [f"  at {' '.join(map(str, node['target']))}: {node['html'][:200]}",
                  "    " + node["failureSummary"].replace("\n", "\n    ")]
    return "\n".join(lines)
