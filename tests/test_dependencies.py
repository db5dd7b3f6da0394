"""pyproject.toml and environment.yml must list the same packages and ranges."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# Where a conda-forge package has another name than on PyPI.
CONDA_NAMES = {}
# Optional extras that need a compiler or large files: installed by scripts, not conda.
NOT_MIRRORED_EXTRAS = {"model"}


def _normalise(requirement: str) -> str:
    requirement = requirement.split(";")[0]
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*)$", requirement).groups()
    name = name.lower().replace("_", "-")
    return CONDA_NAMES.get(name, name) + spec.replace(" ", "")


def _pyproject_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra, items in project.get("optional-dependencies", {}).items():
        if extra not in NOT_MIRRORED_EXTRAS:
            requirements += items
    return {_normalise(r) for r in requirements}


def _conda_requirements() -> set[str]:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    items = []
    for entry in environment["dependencies"]:
        if isinstance(entry, dict):
            items += entry.get("pip", [])
        elif not entry.startswith(("python", "pip")) or entry.startswith("python-"):
            items.append(entry)
    return {_normalise(item) for item in items}


def test_environment_yml_lists_what_pyproject_needs():
    missing = _pyproject_requirements() - _conda_requirements()
    assert not missing, f"add to environment.yml: {sorted(missing)}"


def test_environment_yml_lists_nothing_pyproject_does_not():
    extra = _conda_requirements() - _pyproject_requirements()
    assert not extra, f"environment.yml has packages pyproject.toml lacks: {sorted(extra)}"
