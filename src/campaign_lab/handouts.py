"""Each module's handout as a one-page A4 PDF, printed from the built course website.

The site's handouts page (docs/handouts.md, made by the ``{module-handouts}`` directive of
docs/_ext/campaign_site.py) holds every module's handout. Opened at one of them
(``docs/handouts.html#handout-09-drafting-with-ai``), its print styles (docs/_static/handouts.css)
show that handout alone, on one A4 page. :func:`write` prints it so for each module into
``handouts/NN-slug.pdf`` in the site.

The printer is the system's own Chromium (Debian's ``chromium``), run headless by Playwright (the
``dev`` extra), which never downloads a browser of its own here. While it prints, the page may
load only the site's own files: any other request is refused.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from campaign_lab.errors import RunFailed

CHROMIUM = "/usr/bin/chromium"  # Debian's package; `make test` installs it (scripts/bootstrap-system.sh --browser)
#: Where the PDFs go in the site, and the page they are printed from.
FOLDER = "handouts"
PAGE = "docs/handouts.html"
# On paper a link leads nowhere: the PDFs have none (and so no address of this computer in them).
_NO_LINKS = "() => document.querySelectorAll('a[href]').forEach(link => link.removeAttribute('href'))"
_PAGE_OBJECT = re.compile(rb"/Type\s*/Page\b")  # a page of the PDF (not /Pages, their list)


def anchor(module: str) -> str:
    """The id of ``module``'s handout on the handouts page."""
    return f"handout-{module}"


def missing() -> str | None:
    """What printing the PDFs needs and this computer lacks, in a sentence, or None when nothing is missing."""
    needs = []
    if not Path(CHROMIUM).exists():
        needs.append("Chromium (`apt-get install chromium`, or `make test`)")
    if importlib.util.find_spec("playwright") is None:
        needs.append("Playwright (`make install`: it is in the `dev` extra)")
    return " and ".join(needs) or None


def write(site: Path, modules: list[str]) -> dict[str, int]:
    """Print each module's handout into ``site/handouts/<module>.pdf``: how many pages each took."""
    from playwright.sync_api import sync_playwright

    (site / FOLDER).mkdir(exist_ok=True)
    address = (site / PAGE).resolve().as_uri()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            page = browser.new_page()
            page.route("**/*", _site_only)
            page.goto(address)
            page.evaluate(_NO_LINKS)
            return {module: _print(page, address, module, site / FOLDER / f"{module}.pdf") for module in modules}
        finally:
            browser.close()


def _site_only(route) -> None:
    if route.request.url.startswith("file:"):
        route.continue_()
    else:
        route.abort()


def _print(page, address: str, module: str, pdf: Path) -> int:
    """The handouts page opened at ``module``'s handout, printed into ``pdf``: its number of pages."""
    page.goto(f"{address}#{anchor(module)}")
    handout = page.locator(".handout:target")
    if handout.count() != 1:
        raise RunFailed(f"The handouts page ({PAGE}) has no handout for {module}.")
    # The PDF's title, which a PDF reader shows: the module's, as the handout's first line says it.
    page.evaluate("title => { document.title = title; }", handout.locator("strong").first.inner_text())
    printed = page.pdf(format="A4", prefer_css_page_size=True)
    pdf.write_bytes(printed)
    return len(_PAGE_OBJECT.findall(printed))
