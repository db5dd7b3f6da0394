"""Build the course website into build/site/ (Sphinx, from docs/, the README and the notebooks).

Each module also gets slides (reveal.js, from nbconvert) in build/site/slides/.

The settings are in docs/conf.py; the table of modules and the workshop agendas are worked out
while the site builds, from the notebooks and the reading and exercise model
(docs/_ext/campaign_site.py). Notebooks are shown as stored, never run. The build needs no
internet. A warning (a broken link, a page missing from the contents) fails it, exit code 1.
"""

from __future__ import annotations

from pathlib import Path

from campaign_lab.errors import EXIT_FAILED

HELP = "build the course website into build/site/ (open build/site/index.html)"


def add_arguments(parser) -> None:
    parser.add_argument("--out", type=Path, metavar="DIR", help="where the site goes (default: build/site)")


def sphinx_arguments(out: Path) -> list[str]:
    """The `sphinx-build` arguments for the course's site in ``out`` (its cache goes beside it)."""
    from campaign_lab import paths

    root = paths.project_root()
    out = Path(out).resolve()
    return ["-b", "html", "-c", str(root / "docs"), "-d", str(out.parent / f"{out.name}.doctrees"),
            "-W", "--keep-going", "-q", str(root), str(out)]


def run(args) -> int:
    from sphinx.cmd.build import build_main

    from campaign_lab import paths

    out = args.out or paths.build_dir() / "site"
    if build_main(sphinx_arguments(out)):
        print("The website was not built: fix the warnings above.")
        return EXIT_FAILED
    print(f"Built the course website: open {Path(out) / 'index.html'}")
    return 0
