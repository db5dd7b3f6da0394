"""Progress bars for the commands: one bar over a known number of steps, on stderr.

A bar is shown only where someone watches it: on a terminal's stderr, or as a
widget in a notebook. It is silent with ``quiet=True`` (a command's
``--quiet``), when the ``CI`` environment variable is true, and when stderr is
a file or a pipe, so logs and captured output stay clean. Standard output is
never touched: lines a command prints go through :func:`echo`, which keeps
the bar below them.

    with bar(total=14, description="Running notebooks", unit="notebook", quiet=args.quiet) as steps:
        for module in modules:
            ...
            steps.update()
"""

from __future__ import annotations

import os
import sys

__all__ = ["bar", "echo", "shown"]

_TRUE = {"1", "true", "yes", "on"}


def shown(quiet: bool = False, stream=None) -> bool:
    """True when a bar would be seen: not quiet, not CI, and stderr (or ``stream``) a terminal or a notebook."""
    if quiet or os.environ.get("CI", "").strip().lower() in _TRUE:
        return False
    stream = sys.stderr if stream is None else stream
    return _in_notebook() or bool(getattr(stream, "isatty", lambda: False)())


def bar(iterable=None, total: int | None = None, description: str = "", unit: str = "step",
        quiet: bool = False, stream=None, **options):
    """A tqdm bar over ``total`` steps (or over ``iterable``); a silent one where :func:`shown` is False.

    Use it as a context manager and call ``update()`` per step, or iterate over it.
    ``options`` go to tqdm as they are (``unit_scale=True`` for large counts).
    """
    from tqdm import tqdm

    visible = shown(quiet, stream)
    if visible and _in_notebook() and stream is None:
        from tqdm.auto import tqdm
    return tqdm(iterable, total=total, desc=description, unit=f" {unit}" if unit else "",
                file=sys.stderr if stream is None else stream, disable=not visible, dynamic_ncols=True, **options)


def echo(line: str) -> None:
    """Print ``line`` on stdout without breaking a bar being drawn on stderr."""
    from tqdm import tqdm

    tqdm.write(line, file=sys.stdout)
    sys.stdout.flush()


def _in_notebook() -> bool:
    """True inside a Jupyter kernel (where a bar is drawn as a widget)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell is not None and "IPKernelApp" in shell.config
