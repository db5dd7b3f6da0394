"""A trainee's first exercise in a real browser: what `campaign-lab start` opens, seen in headless Chromium.

The test starts the course as a trainee does, on a course copy with module 00,
opens the Lab's address in Debian's Chromium driven by Playwright, and does
what the notebook asks of her: type her answer to question 2 over the ``____``,
run all cells, and read the check's "Correct" line under her answer. A
screenshot of the page is kept in ``var/test-artifacts/`` whether the test
passes or fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from browser_tools import expect
from campaign_lab import course, paths
from campaign_lab.checks.m00 import exercises
from campaign_lab.commands.start import FIRST_NOTEBOOK
from campaign_lab.profiles import load_profile
from cohort_tools import course_copy, free_port, wait_until
from notebook_tools import read

LAB = Path(sys.executable).with_name("campaign-lab")
SCREENSHOT = paths.project_root() / "var" / "test-artifacts" / "browser-notebook-00.png"
ANSWER = 'leaves_the_machine = "C"'  # question 2's right answer, typed as a trainee types it


@pytest.fixture()
def lab(tmp_path):
    """`campaign-lab start` on a course copy, on a free loopback port: (the address it serves, the copy)."""
    root = course_copy(tmp_path / "course")
    port, token = free_port(), "browser-test-token"
    # Fresh Lab settings and layout, so the trainee's defaults are tested and nothing of ours is kept.
    env = {**os.environ, "CAMPAIGN_LAB_ROOT": str(root), "JUPYTER_TOKEN": token,
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    log = tmp_path / "lab.log"
    with log.open("w") as output:
        trainee = subprocess.Popen([str(LAB), "start", "--no-model", "--port", str(port)], env=env, cwd=root,
                                   stdout=output, stderr=subprocess.STDOUT)
    try:
        def serving() -> bool:
            assert trainee.poll() is None, f"campaign-lab start exited:\n{log.read_text()[-3000:]}"
            return "is running at:" in log.read_text()

        wait_until(serving, 300, "JupyterLab to start")
        yield f"http://127.0.0.1:{port}/?token={token}", root
    finally:
        trainee.terminate()  # JupyterLab (start execs it) stops its kernel and exits
        trainee.wait(timeout=60)
        # `start` pointed this environment's Jupyter at the copy: point it back at the real course.
        course.install_jupyter_config()


@pytest.mark.slow
def test_a_trainee_types_her_answer_in_notebook_00_and_sees_correct(browser, lab):
    """The address opens notebook 00; her typed answer is kept, and its check says Correct on the page."""
    url, root = lab
    correct = str(exercises(load_profile("default"))[1].judge("C"))  # what q2.check() prints for her answer
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    try:
        page.goto(url)  # the Lab's own address, no notebook named: it opens notebook 00 by itself
        expect(page.locator(".lm-TabBar-tab.jp-mod-current")).to_have_text(f"{FIRST_NOTEBOOK}.ipynb", timeout=120_000)
        expect(page.locator("#jp-main-statusbar")).to_contain_text("Idle", timeout=120_000)  # the kernel is ready

        answer = page.locator(".jp-CodeCell").filter(has_text="leaves_the_machine =")
        expect(answer).to_contain_text("leaves_the_machine = ____")  # the released notebook: blank
        answer.locator(".cm-content").click()
        page.keyboard.press("ControlOrMeta+a")
        page.keyboard.type(ANSWER)
        expect(answer.locator(".cm-content")).to_have_text(ANSWER)

        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        check = page.locator(".jp-CodeCell").filter(has_text="q2.check()")
        expect(check.locator(".jp-OutputArea")).to_contain_text(correct, timeout=180_000)
        check.scroll_into_view_if_needed()

        page.keyboard.press("ControlOrMeta+s")
        saved = root / "workspace" / FIRST_NOTEBOOK / f"{FIRST_NOTEBOOK}.ipynb"
        wait_until(lambda: ANSWER in (cell.source for cell in read(saved).cells), 30, "her answer saved in workspace/")
    finally:
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOT)
        print(f"Screenshot of the browser: {SCREENSHOT}")
