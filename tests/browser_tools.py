"""Headless Chromium for the browser tests: Debian's own, driven by Playwright (never `playwright install`)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from campaign_lab.handouts import CHROMIUM  # the browser the site's PDF handouts are printed with

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # an environment set up before the browser tests existed; chromium() says so
    expect = sync_playwright = None


def needed(present: bool, message: str) -> None:
    """Fail in CI, skip elsewhere, when the browser or Playwright is missing.

    CI installs both (scripts/bootstrap-system.sh and the `dev` extra), so there a
    missing one is a broken setup and must not pass as a skip; on a machine set up
    before the browser tests existed, `make test` says what to install instead.
    """
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextlib.contextmanager
def chromium():
    """A headless Chromium, closed at the end (or the test skipped or failed, as :func:`needed` says)."""
    needed(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make test` (it installs it) or apt-get install chromium")
    needed(sync_playwright is not None, "Playwright is missing: run `make install` (it is in the `dev` extra)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            yield launched
        finally:
            launched.close()
