"""Build the course website into build/site/ (Sphinx, from docs/, the README and the notebooks).

Each module also gets slides (reveal.js, from nbconvert) in build/site/slides/, and its handout as
a one-page A4 PDF in build/site/handouts/ (campaign_lab.handouts) when this computer has Chromium
and Playwright; without them the site is built all the same, and one line says what to install.

The settings are in docs/conf.py; the table of modules and the workshop agendas are worked out
while the site builds, from the notebooks and the reading and exercise model
(docs/_ext/campaign_site.py). Notebooks are shown as stored, never run. The build needs no
internet. A warning (a broken link, a page missing from the contents) fails it, exit code 1.
"""

from __future__ import annotations

from pathlib import Path

from campaign_lab.errors import EXIT_FAILED

HELP = "build the course website into build/site/ (open build/site/index.html), with a PDF handout per module"


def add_arguments(parser) -> None:
    parser.add_argument("--out", type=Path, metavar="DIR", help="where the site goes (default: build/site)")


def sphinx_arguments(out: Path, handout_pdfs: bool = False) -> list[str]:
    """The `sphinx-build` arguments for the course's site in ``out`` (its cache goes beside it);
    ``handout_pdfs``: the pages link to the PDF handouts (:func:`run` prints them after the build)."""
    from campaign_lab import paths

    root = paths.project_root()
    out = Path(out).resolve()
    return ["-b", "html", "-c", str(root / "docs"), "-d", str(out.parent / f"{out.name}.doctrees"),
            "-D", f"handout_pdfs={int(handout_pdfs)}", "-W", "--keep-going", "-q", str(root), str(out)]


def run(args) -> int:
    from sphinx.cmd.build import build_main

    from campaign_lab import handouts, paths

    out = Path(args.out or paths.build_dir() / "site")
    lacking = handouts.missing()
    if build_main(sphinx_arguments(out, handout_pdfs=lacking is None)):
        print("The website was not built: fix the warnings above.")
        return EXIT_FAILED
    print(f"Built the course website: open {out / 'index.html'}")
    if lacking:
        print(f"Skipped the PDF handouts (print them from the handouts page instead): they need {lacking}.")
        return 0
    return print_handouts(out)


def print_handouts(out: Path) -> int:
    """Each module's handout as a PDF in ``out/handouts/``; fails when one takes more than a page."""
    from campaign_lab import course, handouts

    pages = handouts.write(out, course.modules())
    long = [f"{module} ({count} pages)" for module, count in pages.items() if count != 1]
    if long:
        print(f"The handouts are printed, but these take more than one page: {', '.join(long)}. Shorten the "
              "notebook's Summary or Try it for your own campaign, or the print styles in docs/_static/handouts.css.")
        return EXIT_FAILED
    print(f"Printed {len(pages)} handouts, one A4 page each: {out / handouts.FOLDER}")
    return 0
