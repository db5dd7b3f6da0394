"""Execute source notebooks top to bottom with papermill, in this process.

One Python process runs every notebook (papermill starts a kernel for each,
but not a new command-line program), passes the context profile as the
``profile`` parameter, and writes each executed copy atomically: a notebook
that fails leaves no half-written file behind.
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
    try:
        from campaign_lab.profiles import load_profile
    except ImportError:  # profiles arrive with the data layer
        return resolved
    load_profile(resolved)  # raises BadInput with the field that is wrong
    return resolved


def run_one(module: str, profile: str, out_dir: Path, timeout: int = 600) -> NotebookRun:
    """Execute one module's source notebook; write ``<out_dir>/<module>.ipynb`` only if it succeeds."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = course.source_notebook(module)
    target = out_dir / f"{module}.ipynb"
    handle, partial = tempfile.mkstemp(prefix=f".{module}.partial-", suffix=".ipynb", dir=out_dir)
    os.close(handle)
    start = time.perf_counter()
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
    except PapermillExecutionError as error:
        _remove(partial)
        return NotebookRun(module, time.perf_counter() - start, False, None, _source_cell(error), _one_line(error))
    except BaseException as error:  # kernel died, notebook unreadable, interrupted ...
        _remove(partial)
        if not isinstance(error, Exception):
            raise
        return NotebookRun(module, time.perf_counter() - start, False, None, None, f"{type(error).__name__}: {error}")
    os.replace(partial, target)
    return NotebookRun(module, time.perf_counter() - start, True, target)


def _remove(path: str) -> None:
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
