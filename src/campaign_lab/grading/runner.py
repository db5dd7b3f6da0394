"""Execute one notebook inside the grading sandbox.

This module runs *inside* the box, started by :mod:`campaign_lab.grading.sandbox`::

    python -m campaign_lab.grading.runner IN.ipynb OUT.ipynb --cell-seconds 60 --output-bytes 8000000

It executes every cell (errors do not stop the run, as in nbgrader), caps the
total size of the outputs it keeps, and writes the executed notebook even when
the kernel dies half-way. The exit code tells the sandbox what happened; the
sandbox, not this program, decides the final status, because student code runs
with the same rights as this program and could forge anything it writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_EXECUTED = 0
EXIT_NOT_A_NOTEBOOK = 3
EXIT_KERNEL_DIED = 4

TIMEOUT_ERROR_NAME = "CellTimeoutError"
TRUNCATION_NOTE = "[output truncated: this notebook printed more than the grader keeps]\n"

# The kernel talks to this program through Unix sockets in the working folder,
# so it works even where the box has no network interface at all.
KERNEL_CONFIG = {
    "KernelManager": {"transport": "ipc"},
}


def _capped_client_class():
    """Return a NotebookClient subclass that drops outputs past a byte budget."""
    from nbclient import NotebookClient

    class CappedClient(NotebookClient):
        def __init__(self, nb, output_bytes: int, **kwargs):
            super().__init__(nb, **kwargs)
            self.output_budget = output_bytes
            self.truncated = False

        def output(self, outs, msg, display_id, cell_index):
            size = len(json.dumps(msg.get("content", {}), default=str))
            if size > self.output_budget:
                self._note_truncation(outs)
                return None
            self.output_budget -= size
            return super().output(outs, msg, display_id, cell_index)

        async def _async_handle_timeout(self, timeout, cell=None):
            # nbclient interrupts the kernel but leaves no trace in the cell; nbgrader
            # adds one the same way, so the timeout shows in the executed notebook.
            reply = await super()._async_handle_timeout(timeout, cell)
            if cell is not None:
                from nbformat.v4 import new_output

                cell.outputs.append(new_output("error", **self.error_on_timeout))
            return reply

        def _note_truncation(self, outs):
            if self.truncated:
                return
            from nbformat.v4 import new_output

            self.truncated = True
            outs.append(new_output("stream", name="stderr", text=TRUNCATION_NOTE))

    return CappedClient


def read_notebook(path: Path):
    """Read a notebook, or return None when the file is not a valid notebook.

    Examples
    --------
    >>> read_notebook(Path("missing.ipynb")) is None
    True
    """
    import nbformat

    try:
        notebook = nbformat.read(str(path), as_version=4)
        nbformat.validate(notebook)
    except Exception:  # any parse or schema problem means "not a notebook"
        return None
    return notebook


def execute(notebook, cell_seconds: float, output_bytes: int) -> int:
    """Execute ``notebook`` in place and return one of the ``EXIT_*`` codes."""
    from nbclient.exceptions import DeadKernelError
    from traitlets.config import Config

    client = _capped_client_class()(
        notebook,
        output_bytes=output_bytes,
        kernel_name="python3",  # never the kernel a submission asks for
        timeout=cell_seconds,
        interrupt_on_timeout=True,
        error_on_timeout={
            "ename": TIMEOUT_ERROR_NAME,
            "evalue": f"the cell ran longer than {cell_seconds:g} seconds",
            "traceback": [f"{TIMEOUT_ERROR_NAME}: the cell ran longer than {cell_seconds:g} seconds"],
        },
        allow_errors=True,
        extra_arguments=["--HistoryManager.hist_file=:memory:"],
        resources={"metadata": {"path": "."}},
        config=Config(KERNEL_CONFIG),
    )
    try:
        client.execute()
    except DeadKernelError:
        return EXIT_KERNEL_DIED
    return EXIT_EXECUTED


def main(argv: list[str] | None = None) -> int:
    """Execute ``IN`` into ``OUT`` and return an ``EXIT_*`` code."""
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--cell-seconds", type=float, default=60.0)
    parser.add_argument("--output-bytes", type=int, default=8_000_000)
    args = parser.parse_args(argv)

    notebook = read_notebook(args.source)
    if notebook is None:
        return EXIT_NOT_A_NOTEBOOK
    # The file may hold the original tests, hidden ones included: the
    # trainee's code must not find it on disk while it runs.
    args.source.unlink()
    try:
        code = execute(notebook, args.cell_seconds, args.output_bytes)
    finally:
        nbformat.write(notebook, str(args.target))
    return code


if __name__ == "__main__":
    sys.exit(main())
