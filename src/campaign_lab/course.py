"""The course as nbgrader sees it: modules, releases and the self-check.

A *module* is one nbgrader assignment: ``notebooks/<NN-slug>/`` holds its
source notebook (with solutions) and any small files it uses. Every function
here works on a course root (the project by default, a copy in tests).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from campaign_lab import paths
from campaign_lab.errors import BadInput, RunFailed

MODULE_PATTERN = re.compile(r"^\d\d-[a-z0-9-]+$")
NOT_ATTEMPTED = "Not attempted yet"


# -- modules ------------------------------------------------------------------
def modules(root: Path | None = None) -> list[str]:
    """Return the module names (``"00-start-here"``, ...) in course order."""
    source = _root(root) / "notebooks"
    return sorted(p.name for p in source.iterdir() if p.is_dir() and MODULE_PATTERN.match(p.name))


def select_modules(selection: str | None, root: Path | None = None) -> list[str]:
    """Turn ``"00,03"`` (numbers or full names) into module names; ``None`` means all.

    Raises
    ------
    BadInput
        If a requested module does not exist; the message lists the ones that do.
    """
    available = modules(root)
    if not selection:
        return available
    chosen = []
    for wanted in (part.strip() for part in selection.split(",") if part.strip()):
        match = [name for name in available if name == wanted or name.split("-")[0] == wanted.zfill(2)]
        if not match:
            raise BadInput(f"there is no notebook {wanted!r}. Available: {', '.join(available)}.")
        chosen.extend(m for m in match if m not in chosen)
    return chosen


def source_notebook(module: str, root: Path | None = None) -> Path:
    """The source notebook of a module: ``notebooks/<module>/<module>.ipynb``."""
    return _root(root) / "notebooks" / module / f"{module}.ipynb"


# -- nbgrader -------------------------------------------------------------------
def nbgrader_config(root: Path | None = None):
    """Load ``graders/nbgrader_config.py``, re-rooted at ``root`` if given."""
    from traitlets.config.loader import PyFileConfigLoader

    loader = PyFileConfigLoader("nbgrader_config.py", path=str(paths.graders_dir()))
    config = loader.load_config()
    if root is not None:
        root = Path(root).resolve()
        config.CourseDirectory.root = str(root)
        config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
        config.Exchange.root = str(root / "exchange")
    return config


def nbgrader_api(root: Path | None = None):
    """An ``NbGraderAPI`` for the course (or for a copy of it at ``root``)."""
    config = nbgrader_config(root)
    if root is None:
        paths.state_dir()  # the gradebook lives there
    return nbgrader_api_for(config)


def nbgrader_api_for(config):
    """An ``NbGraderAPI`` with these settings (the course's, changed by the caller)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    _put_environment_on_path()
    return NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)


def _put_environment_on_path() -> None:
    """nbgrader runs helper programs (``alembic``) by name: find ours first."""
    import os
    import sys

    bin_dir = os.path.dirname(sys.executable)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def check_nbgrader(result: dict, what: str) -> None:
    """Raise RunFailed with nbgrader's last log line if an ``NbGraderAPI`` call failed."""
    if not result.get("success"):
        detail = (result.get("error") or result.get("log") or "").strip().splitlines()
        raise RunFailed(f"{what} failed: {detail[-1] if detail else 'no details from nbgrader'}")


def release(selection: str | None = None, root: Path | None = None, report=None) -> list[Path]:
    """Generate the student version of each module into ``release/``.

    ``report``, if given, is called with each released notebook's path as soon as it is written.
    Returns the released notebook paths.
    """
    api = nbgrader_api(root)
    released = []
    for module in select_modules(selection, root):
        check_nbgrader(api.generate_assignment(module, force=True, create=True), f"Releasing {module}")
        released.append(_root(root) / "release" / module / f"{module}.ipynb")
        if report:
            report(released[-1])
    return released


# -- self-check -------------------------------------------------------------------
@dataclass
class ModuleCheck:
    """Grades of one module: sources and releases, autograded points only."""

    module: str
    max_points: float
    source_points: float
    release_points: float
    manual_points: float
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


SOLUTIONS, BLANK = "solutions", "blank"


def selfcheck(selection: str | None = None, progress=print) -> list[ModuleCheck]:
    """Grade the sources (must be full marks) and the releases (must score zero).

    Works on a temporary copy of the course, so the real gradebook and
    release folder are untouched. The released notebooks must run with no
    error other than their checks saying "not attempted yet".
    """
    import warnings

    warnings.filterwarnings("ignore", module="nbgrader")  # nbgrader's own database chatter
    with tempfile.TemporaryDirectory(prefix="campaign-lab-selfcheck-") as tmp:
        root = Path(tmp)
        shutil.copytree(paths.notebooks_dir(), root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        api = nbgrader_api(root)
        results = []
        for module in select_modules(selection, root):
            progress(f"  checking {module} ...")
            results.append(_selfcheck_module(api, root, module))
        return results


def _selfcheck_module(api, root: Path, module: str) -> ModuleCheck:
    check_nbgrader(api.generate_assignment(module, force=True, create=True), f"Releasing {module}")
    for student, folder in ((SOLUTIONS, root / "notebooks" / module), (BLANK, root / "release" / module)):
        shutil.copytree(folder, root / "submitted" / student / module)
        check_nbgrader(api.autograde(module, student, force=True, create=True), f"Grading {module} for {student}")
    return _module_check(api, root, module)


def _module_check(api, root: Path, module: str) -> ModuleCheck:
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url) as gradebook:
        source = _points(gradebook, module, SOLUTIONS)
        blank = _points(gradebook, module, BLANK)
    check = ModuleCheck(module, source["max"], source["auto"], blank["auto"], source["manual_max"])
    if check.max_points == 0:
        check.problems.append("it has no autograded points")
    if check.source_points != check.max_points:
        check.problems.append(f"the sources score {check.source_points:g} of {check.max_points:g}")
    if check.release_points != 0:
        check.problems.append(f"the release scores {check.release_points:g} instead of 0")
    check.problems += _unexpected_errors(root / "autograded" / SOLUTIONS / module, allow_not_attempted=False)
    check.problems += _unexpected_errors(root / "autograded" / BLANK / module, allow_not_attempted=True)
    return check


def _points(gradebook, module: str, student: str) -> dict:
    totals = {"auto": 0.0, "max": 0.0, "manual_max": 0.0}
    submission = gradebook.find_submission(module, student)
    for notebook in submission.notebooks:
        for grade in notebook.grades:
            if grade.cell.cell_type == "code" and not grade.needs_manual_grade:
                totals["auto"] += grade.auto_score or 0
                totals["max"] += grade.max_score
            elif grade.cell.cell_type == "code":
                totals["max"] += grade.max_score
            else:
                totals["manual_max"] += grade.max_score
    return totals


def _unexpected_errors(folder: Path, allow_not_attempted: bool) -> list[str]:
    """Errors in an autograded notebook other than checks saying "not attempted yet"."""
    problems = []
    for notebook_path in sorted(folder.glob("*.ipynb")):
        notebook = json.loads(notebook_path.read_text(encoding="utf-8"))
        for index, cell in enumerate(notebook["cells"]):
            # A blank answer's check says "not attempted yet" without raising; the hidden
            # tests after it then fail, which is how the blank scores zero.
            said_not_attempted = any(NOT_ATTEMPTED in "".join(output.get("text", ""))
                                     for output in cell.get("outputs", []) if output.get("output_type") == "stream")
            for output in cell.get("outputs", []):
                if output.get("output_type") != "error":
                    continue
                expected = (
                    allow_not_attempted
                    and cell.get("metadata", {}).get("nbgrader", {}).get("grade")
                    and (said_not_attempted or output.get("ename") == "CheckFailed"
                         and NOT_ATTEMPTED in output.get("evalue", ""))
                )
                if not expected:
                    kind = "release" if allow_not_attempted else "source"
                    problems.append(
                        f"{kind} cell {index + 1} of {notebook_path.name}: {output.get('ename')}: "
                        f"{output.get('evalue', '')[:120]}"
                    )
    return problems


def format_selfcheck(results: list[ModuleCheck]) -> str:
    """A plain-text table of the self-check, one row per module."""
    header = f"{'module':<32} {'points':>6} {'sources':>8} {'release':>8} {'manual':>7}  result"
    rows = [header, "-" * len(header)]
    for r in results:
        verdict = "ok" if r.ok else "FAILED: " + "; ".join(r.problems)
        rows.append(
            f"{r.module:<32} {r.max_points:>6g} {r.source_points:>8g} {r.release_points:>8g} "
            f"{r.manual_points:>7g}  {verdict}"
        )
    return "\n".join(rows)


def _root(root: Path | None) -> Path:
    return Path(root) if root is not None else paths.project_root()


# -- setting up a machine ---------------------------------------------------------
#: nbgrader's Lab panels for making and grading assignments: a trainer's, not a trainee's.
TRAINER_EXTENSIONS = ("@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:course-list")
#: JupyterLab's defaults that would reach the internet: the "official Jupyter news?" question and update checks.
OFFLINE_LAB_SETTINGS = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
_CONFIG_FILE = "campaign-lab.json"


def install_jupyter_config(prefix: Path | None = None) -> Path:
    """Set up the environment's Jupyter for the course; return the nbgrader config it wrote.

    - ``etc/jupyter/nbgrader_config.py`` loads ``graders/nbgrader_config.py``,
      so ``nbgrader`` commands and the formgrader use the course's settings
      wherever they are started;
    - ``etc/jupyter/labconfig/page_config.d/`` turns off nbgrader's authoring
      panels (:data:`TRAINER_EXTENSIONS`): a trainee's Lab shows the course,
      a trainer gets them back with :func:`trainer_jupyter_config`;
    - ``share/jupyter/lab/settings/overrides.d/`` turns off JupyterLab's news
      and update checks (:data:`OFFLINE_LAB_SETTINGS`).

    Files of the same name written by hand are replaced; other files there are left alone.
    """
    import sys

    prefix = Path(prefix or sys.prefix)
    target = prefix / "etc" / "jupyter" / "nbgrader_config.py"
    config = paths.graders_dir() / "nbgrader_config.py"
    _write_if_changed(target, f"# Written by campaign-lab: use the course's grading settings.\nload_subconfig({str(config)!r})\n")
    _write_json(prefix / "etc" / "jupyter" / "labconfig" / "page_config.d" / _CONFIG_FILE,
                {"disabledExtensions": {name: True for name in TRAINER_EXTENSIONS}})
    _write_json(prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.d" / _CONFIG_FILE, OFFLINE_LAB_SETTINGS)
    return target


def trainer_jupyter_config(folder: Path) -> Path:
    """Write a Jupyter config folder that gives a trainer nbgrader's authoring panels.

    Put it first on ``JUPYTER_CONFIG_PATH`` for the trainer's Lab (``campaign-lab
    start --trainer`` does); it outranks the environment's, which keeps them off.
    """
    _write_json(Path(folder) / "labconfig" / "page_config.d" / _CONFIG_FILE,
                {"disabledExtensions": {name: False for name in TRAINER_EXTENSIONS}})
    return Path(folder)


def ensure_exchange() -> Path:
    """Create nbgrader's exchange folder if it is missing, as ``nbgrader release_assignment`` would.

    Without it the formgrader and the Assignments panel warn that the exchange
    "does not exist and could not be created". Like nbgrader, the folder is
    writable by every user of the machine, so trainees of a shared machine can
    submit into it.
    """
    import os

    root = Path(nbgrader_config().Exchange.root)
    if not root.is_dir():
        root.mkdir(parents=True)
        os.chmod(root, 0o777)  # nbgrader's ExchangeReleaseAssignment.ensure_root uses these permissions
    return root


def _write_if_changed(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")


def _write_json(target: Path, data: dict) -> None:
    _write_if_changed(target, json.dumps(data, indent=2, sort_keys=True) + "\n")


def workspace_dir() -> Path:
    """The trainee's own copies of the released notebooks (never overwritten)."""
    return paths.project_root() / "workspace"


def release_is_current(module: str) -> bool:
    """True if ``release/<module>`` exists and is newer than its source folder."""
    released = paths.release_dir() / module / f"{module}.ipynb"
    if not released.exists():
        return False
    newest_source = max(p.stat().st_mtime for p in (paths.notebooks_dir() / module).rglob("*") if p.is_file())
    return released.stat().st_mtime >= newest_source


def prepare_workspace() -> list[str]:
    """Release what is out of date, then copy new modules into ``workspace/``.

    A module already in the workspace is left alone: it holds the trainee's
    answers. Returns the modules copied this time.
    """
    stale = [m for m in modules() if not release_is_current(m)]
    if stale:
        release(",".join(stale))
    copied = []
    for module in modules():
        target = workspace_dir() / module
        if not target.exists():
            shutil.copytree(paths.release_dir() / module, target)
            copied.append(module)
    return copied
