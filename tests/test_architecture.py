"""The package's layers (docs/architecture.md) hold: no module imports a higher layer, and notebooks import only what modules offer."""

import ast
import importlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "campaign_lab"
DOC = ROOT / "docs" / "architecture.md"


def _layer_table() -> dict[str, int]:
    """``{"errors": 0, "ai.*": 1, ...}`` from the table in docs/architecture.md."""
    layers = {}
    for row in DOC.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) >= 2 and re.match(r"^\d+\b", cells[0]):
            for name in re.findall(r"`([^`]+)`", cells[1]):
                layers[name] = int(cells[0].split()[0])
    return layers


LAYERS = _layer_table()


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _short(module: str) -> str:
    return module.removeprefix("campaign_lab.") if module != "campaign_lab" else module


def layer_of(module: str) -> int | None:
    name = _short(module)
    if name in LAYERS:
        return LAYERS[name]
    parents = [p for p in LAYERS if p.endswith(".*") and name.startswith(p[:-1])]
    return LAYERS[max(parents, key=len)] if parents else None


def imported_modules(module: str, path: Path) -> set[str]:
    """The course modules ``module`` imports anywhere in its file (functions included)."""
    found = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == "campaign_lab")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            if base.split(".")[0] != "campaign_lab":
                continue
            for alias in node.names:  # `from campaign_lab import data` imports the module campaign_lab.data
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return found - {module}


def test_every_module_has_a_layer_in_the_architecture_page():
    missing = sorted(_short(m) for m in MODULES if layer_of(m) is None)
    assert not missing, f"add these modules to the layer table in docs/architecture.md: {missing}"


def test_the_architecture_page_names_only_modules_that_exist():
    names = {_short(m) for m in MODULES}
    stale = [n for n in LAYERS if n.removesuffix(".*") not in names]
    assert not stale, f"docs/architecture.md lists modules that do not exist: {stale}"


def test_no_module_imports_a_higher_layer():
    upward = [
        f"{_short(module)} (layer {layer_of(module)}) imports {_short(target)} (layer {layer_of(target)})"
        for module, path in MODULES.items()
        for target in sorted(imported_modules(module, path))
        if layer_of(target) is not None and layer_of(target) > layer_of(module)
    ]
    assert not upward, "a lower layer imports a higher one:\n" + "\n".join(upward)


def test_the_rule_catches_an_upward_import(tmp_path):
    planted = tmp_path / "paths.py"
    planted.write_text("def f():\n    from campaign_lab.grading import report\n    from .checks import core\n")
    targets = imported_modules("campaign_lab.paths", planted)
    assert {"campaign_lab.grading.report", "campaign_lab.checks.core"} <= targets
    assert all(layer_of(t) > layer_of("campaign_lab.paths") for t in targets)


# -- what notebooks import ------------------------------------------------------------
def _notebook_imports() -> dict[str, set[str]]:
    """``{module: {names}}`` for every ``from campaign_lab... import`` in the source notebooks' code cells."""
    imports: dict[str, set[str]] = {}
    for notebook in sorted((ROOT / "notebooks").glob("*/*.ipynb")):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "\n".join(line for line in "".join(cell["source"]).splitlines() if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "campaign_lab":
                    imports.setdefault(node.module, set()).update(alias.name for alias in node.names)
    return imports


NOTEBOOK_IMPORTS = {m: names for m, names in _notebook_imports().items() if not m.startswith("campaign_lab.checks")}


def test_notebooks_import_from_the_course_package():
    assert {"campaign_lab", "campaign_lab.profiles", "campaign_lab.text"} <= set(NOTEBOOK_IMPORTS)


@pytest.mark.parametrize("module", sorted(NOTEBOOK_IMPORTS))
def test_every_name_a_notebook_imports_is_in_the_modules_all(module):
    loaded = importlib.import_module(module)
    offered = getattr(loaded, "__all__", None)
    assert offered is not None, f"{module} has no __all__"
    assert not NOTEBOOK_IMPORTS[module] - set(offered), f"add to {module}.__all__: {sorted(NOTEBOOK_IMPORTS[module] - set(offered))}"
    missing = [name for name in offered if not hasattr(loaded, name) and f"{module}.{name}" not in MODULES]
    assert not missing, f"{module}.__all__ names what it does not define: {missing}"
