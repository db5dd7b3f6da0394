"""Sphinx settings for the course website (`campaign-lab docs`, `make docs`).

The site is built from the project folder: the guides in docs/, the README, the data cards and
the notebooks, shown as trainees get them (without solutions or outputs, never executed). Everything it needs
comes with the packages of the `docs` extra, so it builds without internet.
"""

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "docs" / "_ext")]

_citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
project = _citation["title"].split(":")[0]  # "Campaign AI Lab"
author = ", ".join(person["name"] for person in _citation["authors"])
copyright = f"{author}; {_citation['license']} licence"
language = "en"

extensions = ["myst_nb", "campaign_site"]

# The site's pages: the home page is docs/index.md; build/site/index.html leads to it.
root_doc = "docs/index"
include_patterns = ["README.md", "docs/**", "notebooks/*/*.ipynb", "datasets/cards/*.md"]
exclude_patterns = [
    ".*", "build", "release", "workspace", "demo", "submitted", "autograded", "feedback", "var",
    "wheels", "src", "tests", "bench", "datasets/generated", "datasets/profiles", "graders", "binder", "scripts", "**/.ipynb_checkpoints",
    "docs/_ext", "docs/_templates", "docs/_static",
]

# Notebooks are shown as trainees get them (no solutions, no hidden tests) and as stored in git
# (no outputs): never run while building.
nb_execution_mode = "off"
nb_custom_formats = {".ipynb": ["campaign_site.student_notebook", {}, False]}
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]
# Code blocks in a language Pygments does not know (```csv) are shown as plain text.
suppress_warnings = ["misc.highlighting_failure"]

html_theme = "furo"
html_title = project
html_static_path = ["_static"]
html_css_files = ["handouts.css"]
templates_path = ["_templates"]
html_additional_pages = {"index": "redirect.html"}
html_copy_source = False
html_show_sphinx = False
