"""Errors that the course reports to people as one clear sentence.

Library code raises these; the command line prints the message (no traceback)
and exits with the matching code, and the notebooks show the message as is.
"""

from __future__ import annotations

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED", "EXIT_OK", "BadInput", "LabError", "RunFailed"]

EXIT_OK = 0
EXIT_FAILED = 1  # a notebook or a check failed
EXIT_BAD_INPUT = 2  # the user gave something we cannot use


class LabError(Exception):
    """Base class: ``str(error)`` is a message written for a person."""

    exit_code = EXIT_FAILED

    def _render_traceback_(self) -> list[str]:
        """In a notebook, show the message alone, not a traceback."""
        return [f"⚠️ {self}"]


class BadInput(LabError):
    """A file, name or option the user gave cannot be used (exit code 2)."""

    exit_code = EXIT_BAD_INPUT


class RunFailed(LabError):
    """A notebook or a check failed (exit code 1)."""

    exit_code = EXIT_FAILED
