"""Execute source notebooks top to bottom with papermill, in this process.

One Python process runs every notebook (papermill starts a kernel for each,
but not a new command-line program) and passes the context profile as the
``profile`` parameter. A notebook that runs to the end is written atomically
to ``<out>/<module>.ipynb``. One that fails is kept, as papermill keeps it, as
the log of the run: ``<out>/<module>.failed.ipynb`` holds every output up to
the error, and the failing cell is marked.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from campaign_lab import course, paths
from campaign_lab.errors import BadInput
from campaign_lab.profiles import load_profile

__all__ = ["DEFAULT_PROFILE", "NotebookRun", "failed_copy", "resolve_profile", "run_notebooks", "run_one"]

DEFAULT_PROFILE = "default"


@dataclass
class NotebookRun:
    """The outcome of executing one notebook."""

    module: str
    seconds: float
    ok: bool
    output: Path | None = None
    failed_cell: int | None = None
    error: str = ""

    def line(self) -> str:
        """One line for the terminal: name, seconds, ok/failed (and where)."""
        verdict = "ok" if self.ok else f"failed at cell {self.failed_cell}: {self.error}"
        return f"{self.module:<32} {self.seconds:6.1f}s  {verdict}"

    def failure(self) -> str:
        """What went wrong and where the executed notebook shows it (for a failed run)."""
        where = f"; the notebook as far as it ran: {self.output}" if self.output else ""
        return f"{self.module} failed at cell {self.failed_cell}: {self.error}{where}"


def resolve_profile(profile: str | os.PathLike | None) -> str:
    """Return the profile as the notebooks expect it: a shipped name or an absolute path.

    Raises
    ------
    BadInput
        If ``profile`` looks like a path and there is no such file.
    """
    if profile is None:
        return DEFAULT_PROFILE
    text = str(profile)
    if os.sep in text or text.endswith((".yaml", ".yml")):
        path = Path(text).expanduser().resolve()
        if not path.is_file():
            raise BadInput(f"the profile file {text} does not exist.")
        return str(path)
    return text


def run_notebooks(
    selection: str | None = None,
    profile: str | None = None,
    out_dir: Path | None = None,
    report: Callable[[NotebookRun], None] | None = None,
    timeout: int = 600,
) -> list[NotebookRun]:
    """Execute the selected source notebooks and write the executed copies.

    Parameters
    ----------
    selection : str, optional
        ``"00,03"`` or full module names; all modules when omitted.
    profile : str, optional
        A shipped profile name or a path to a profile YAML file.
    out_dir : Path, optional
        Where executed notebooks go (default ``build/``).
    report : callable, optional
        Called with each :class:`NotebookRun` as soon as it finishes.

    Returns
    -------
    list of NotebookRun
        One per notebook; execution goes on after a failure.
    """
    modules = course.select_modules(selection)
    profile = _validated_profile(profile)
    out_dir = Path(out_dir or paths.build_dir()).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = []
    for module in modules:
        run = run_one(module, profile, out_dir, timeout)
        runs.append(run)
        if report:
            report(run)
    return runs


def _validated_profile(profile: str | None) -> str:
    resolved = resolve_profile(profile)
    load_profile(resolved)  # raises BadInput with the field that is wrong
    return resolved


def failed_copy(out_dir: Path, module: str) -> Path:
    """Where the executed notebook of a failed run is kept."""
    return out_dir / f"{module}.failed.ipynb"


def run_one(module: str, profile: str, out_dir: Path, timeout: int = 600) -> NotebookRun:
    """Execute one module's source notebook into ``<out_dir>/<module>.ipynb``.

    If it fails, the notebook as far as it ran goes to :func:`failed_copy`
    instead, and an older ``<module>.ipynb`` is removed: the folder always
    shows the outcome of the last run.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = course.source_notebook(module)
    target = out_dir / f"{module}.ipynb"
    handle, partial = tempfile.mkstemp(prefix=f".{module}.partial-", suffix=".ipynb", dir=out_dir)
    os.close(handle)
    start = time.perf_counter()
    try:
        _execute(papermill, source, partial, profile, timeout)
    except PapermillExecutionError as error:
        kept = _keep_failed(partial, target, failed_copy(out_dir, module))
        return NotebookRun(module, time.perf_counter() - start, False, kept, _source_cell(error), _one_line(error))
    except BaseException as error:  # kernel died, notebook unreadable, interrupted ...
        kept = _keep_failed(partial, target, failed_copy(out_dir, module))
        if not isinstance(error, Exception):
            raise
        return NotebookRun(module, time.perf_counter() - start, False, kept, None, f"{type(error).__name__}: {error}")
    os.replace(partial, target)
    _remove(failed_copy(out_dir, module))
    return NotebookRun(module, time.perf_counter() - start, True, target)


#: What jupyter_client says when a new kernel exits before answering, such as when another
#: program took one of the ports it was given; nothing of the notebook has run yet.
KERNEL_DIED_AT_START = "Kernel died before replying to kernel_info"


def _execute(papermill, source: Path, partial: str, profile: str, timeout: int) -> None:
    """papermill on one notebook; a kernel that dies as it starts is started once more."""
    for attempt in (1, 2):
        try:
            papermill.execute_notebook(
                str(source),
                partial,
                parameters={"profile": profile},
                cwd=str(source.parent),
                kernel_name="python3",
                progress_bar=False,
                log_output=False,
                execution_timeout=timeout,
            )
            return
        except RuntimeError as error:
            if attempt == 2 or KERNEL_DIED_AT_START not in str(error):
                raise


def _keep_failed(partial: str, target: Path, kept: Path) -> Path | None:
    """Move what papermill wrote before the failure to ``kept``; None if it wrote nothing."""
    _remove(target)
    if os.path.getsize(partial) == 0:  # failed before papermill wrote a cell
        _remove(partial)
        _remove(kept)
        return None
    os.replace(partial, kept)
    return kept


def _remove(path: str | Path) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def _source_cell(error) -> int:
    """The failing cell numbered as in the source notebook (1-based).

    papermill inserts one "injected-parameters" cell after the parameters
    cell, so cells after it are one further down in the executed copy.
    """
    index = getattr(error, "cell_index", 0) or 0
    return index if index > 0 else 1


def _one_line(error) -> str:
    evalue = str(getattr(error, "evalue", "") or "").strip().splitlines()
    return f"{getattr(error, 'ename', 'Error')}: {evalue[-1] if evalue else ''}".strip()
