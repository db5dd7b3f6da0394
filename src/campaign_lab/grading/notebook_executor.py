"""Execute one notebook inside the grading sandbox.

This module runs *inside* the box, started by :mod:`campaign_lab.grading.sandbox`::

    python -m campaign_lab.grading.notebook_executor IN.ipynb OUT.ipynb --cell-seconds 60 --output-bytes 8000000

It executes every cell (errors do not stop the run, as in nbgrader), caps the
total size of the outputs it keeps, and writes the executed notebook even when
the kernel dies half-way. With ``--fork-kernel`` (used inside a warm box, see
:mod:`.box_server`) the kernel is a fork of this process, so the libraries the
box loaded in advance are already imported in it. ``--call-functions`` runs
:mod:`.function_runner` instead, in this process. The exit code tells the sandbox what happened; the
sandbox, not this program, decides the final status, because student code runs
with the same rights as this program and could forge anything it writes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

# jsonschema (under nbformat) imports this optional IRI checker if it is there,
# and building its grammar takes more than a second; notebooks never need it.
sys.modules.setdefault("rfc3987_syntax", None)

EXIT_EXECUTED = 0
EXIT_NOT_A_NOTEBOOK = 3
EXIT_KERNEL_DIED = 4
CALL_FUNCTIONS = "--call-functions"

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


class _ForkedKernel:
    """The small part of ``subprocess.Popen`` that jupyter_client uses, for a forked kernel."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout=None) -> int:
        if self.returncode is None:
            _, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _start_forked_kernel(folder: Path):
    """Fork an IPython kernel from this process; return a kernel manager that drives it.

    The fork happens before any event loop, thread or messaging context exists
    here, so the kernel starts from a clean copy with every module this process
    has already imported.
    """
    from jupyter_client.connect import write_connection_file

    connection_file, info = write_connection_file(
        str(folder / ".kernel.json"), transport="ipc", ip=str(folder / ".kernel"))
    pid = os.fork()
    if pid == 0:  # the kernel
        code = 1
        try:
            os.setpgid(0, 0)  # interrupts and kills reach the kernel's group, not this runner
            from ipykernel.kernelapp import IPKernelApp

            app = IPKernelApp.instance()
            app.initialize(["-f", connection_file, "--HistoryManager.hist_file=:memory:"])
            app.start()
            code = 0
        finally:
            os._exit(code)
    return _manager_for(pid, connection_file, info)


def _manager_for(pid: int, connection_file: str, info: dict):
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    manager = AsyncKernelManager(kernel_name="python3", transport="ipc", connection_file=connection_file)
    manager.load_connection_file(connection_file)
    provisioner = LocalProvisioner(kernel_id=os.path.basename(connection_file),
                                   kernel_spec=manager.kernel_spec, parent=manager)
    provisioner.process, provisioner.pid, provisioner.pgid = _ForkedKernel(pid), pid, pid
    provisioner.connection_info = info
    manager.provisioner = provisioner
    manager._connect_control_socket()  # start_kernel would do this; the kernel is already started
    return manager


def _stop_kernel(manager) -> None:
    process = manager.provisioner.process if manager.provisioner else None
    if process is not None and process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def execute(notebook, cell_seconds: float, output_bytes: int, kernel_manager=None) -> int:
    """Execute ``notebook`` in place and return one of the ``EXIT_*`` codes.

    ``kernel_manager`` drives an already started kernel; by default nbclient starts one.
    """
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
        km=kernel_manager,
    )
    try:
        client.execute()
    except DeadKernelError:
        return EXIT_KERNEL_DIED
    finally:
        if kernel_manager is not None:
            _stop_kernel(kernel_manager)
    return EXIT_EXECUTED


def main(argv: list[str] | None = None) -> int:
    """Execute ``IN`` into ``OUT`` and return an ``EXIT_*`` code.

    With :data:`CALL_FUNCTIONS` first there is no notebook and no kernel: this
    process, which no trainee code has touched, calls the exported functions
    (:mod:`.function_runner`).
    """
    import nbformat

    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [CALL_FUNCTIONS]:
        from campaign_lab.grading import function_runner

        function_runner.run(".")
        return EXIT_EXECUTED
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--cell-seconds", type=float, default=60.0)
    parser.add_argument("--output-bytes", type=int, default=8_000_000)
    parser.add_argument("--fork-kernel", action="store_true",
                        help="fork the kernel from this process instead of starting a new Python")
    args = parser.parse_args(argv)

    notebook = read_notebook(args.source)
    if notebook is None:
        return EXIT_NOT_A_NOTEBOOK
    # The file may hold the original tests, hidden ones included: the
    # trainee's code must not find it on disk while it runs.
    args.source.unlink()
    manager = _start_forked_kernel(args.target.resolve().parent) if args.fork_kernel else None
    try:
        code = execute(notebook, args.cell_seconds, args.output_bytes, manager)
    finally:
        nbformat.write(notebook, str(args.target))
    return code


if __name__ == "__main__":
    sys.exit(main())
