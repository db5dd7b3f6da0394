"""A real JupyterHub for a cohort: a trainer releases module 00, two trainees fetch and submit it
through nbgrader's exchange, the trainer collects and grades with ``campaign-lab grade``.

Everything goes through the hub on 127.0.0.1: its REST API (accounts, servers, tokens) and the
single-user servers behind its proxy (the formgrader's API for the trainer, the Assignments API
and the contents API for the trainees), as the JupyterLab pages would. The hub, its proxy and
the servers it started are stopped by pid at the end.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import shutil
import signal
import sqlite3
import subprocess
import sys
import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from campaign_lab import paths
from cohort_tools import MODULE, answered, course_copy, free_port, wait_until

pytestmark = pytest.mark.slow

COURSE_ID = "campaign-ai-lab"
TRAINER, TRAINEES = "trainer", ("amina", "beatriz")
BIN = Path(sys.executable).parent
START_SECONDS = 120  # the hub, or a single-user server, must answer within this
STOP_SECONDS = 30


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a child that exited but was not reaped yet counts as gone
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return Path(f"/proc/{pid}").exists() and "zombie" not in Path(f"/proc/{pid}/status").read_text()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # keep the hub's answer to the login itself


@dataclass
class Hub:
    """One running JupyterHub and what it started."""

    url: str
    service_token: str
    process: subprocess.Popen
    state: Path
    log: Path
    course: Path
    exchange: Path
    passwords: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)
    server_pids: dict[str, int] = field(default_factory=dict)

    # -- HTTP --------------------------------------------------------------------------
    def call(self, method: str, path: str, token: str | None = None, body: dict | None = None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "Authorization": f"token {token or self.service_token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: HTTP {error.code}: {error.read().decode()[:500]}") from None
        return json.loads(text) if text.strip() else None

    def as_user(self, user: str, method: str, path: str, body: dict | None = None):
        """Call ``/user/<user>/<path>`` on that user's server, with that user's own token."""
        return self.call(method, f"/user/{user}/{path}", token=self.tokens[user], body=body)

    def login(self, username: str, password: str) -> bool:
        """Log in through the hub's login form, as a browser does; True if the hub lets them in."""
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
        browser.open(self.url + "/hub/login", timeout=30).read()
        xsrf = next(cookie.value for cookie in jar if cookie.name == "_xsrf")
        form = urllib.parse.urlencode({"username": username, "password": password, "_xsrf": xsrf}).encode()
        try:
            return browser.open(self.url + "/hub/login", data=form, timeout=30).status == 302
        except urllib.error.HTTPError as answer:
            return answer.code == 302  # let in: sent on to their server

    # -- accounts and servers -------------------------------------------------------------
    def start_server(self, user: str) -> None:
        self.call("POST", f"/hub/api/users/{user}/server")
        wait_until(lambda: self.call("GET", f"/hub/api/users/{user}")["servers"].get("", {}).get("ready"),
                   START_SECONDS, f"{user}'s server")
        self.server_pids[user] = self._spawner_pid(user)
        self.tokens[user] = self.call("POST", f"/hub/api/users/{user}/tokens",
                                      body={"expires_in": 1800, "note": "test"})["token"]

    def _spawner_pid(self, user: str) -> int:
        with sqlite3.connect(f"file:{self.state / 'jupyterhub.sqlite'}?mode=ro", uri=True) as db:
            row = db.execute("SELECT spawners.state FROM spawners JOIN users ON users.id = spawners.user_id "
                             "WHERE users.name = ?", (user,)).fetchone()
        return json.loads(row[0])["pid"]

    def proxy_pid(self) -> int | None:
        pid_file = self.state / "jupyterhub-proxy.pid"
        return int(pid_file.read_text()) if pid_file.is_file() else None

    # -- stopping ---------------------------------------------------------------------
    def started_pids(self) -> list[int]:
        return [pid for pid in (self.process.pid, self.proxy_pid(), *self.server_pids.values()) if pid]

    def stop(self) -> None:
        """SIGTERM the hub (it stops its servers and proxy), then make sure each pid is gone."""
        pids = self.started_pids()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_SECONDS)
        for pid in pids:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)


def hub_environment(course: Path, state: Path, exchange: Path, ports: list[int], service_token: str,
                    passwords: dict[str, str]) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPAIGN_LAB_", "JUPYTERHUB_"))}
    env.update({
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "CAMPAIGN_LAB_ROOT": str(course), "CAMPAIGN_LAB_HUB_DIR": str(state),
        "CAMPAIGN_LAB_EXCHANGE": str(exchange),
        "CAMPAIGN_LAB_HUB_PORT": str(ports[0]), "CAMPAIGN_LAB_HUB_API_PORT": str(ports[1]),
        "CAMPAIGN_LAB_HUB_PROXY_API_PORT": str(ports[2]),
        "CAMPAIGN_LAB_HUB_TRAINERS": TRAINER, "CAMPAIGN_LAB_HUB_TRAINEES": ",".join(TRAINEES),
        "CAMPAIGN_LAB_HUB_PASSWORD": passwords["trainee"],
        "CAMPAIGN_LAB_HUB_TRAINER_PASSWORD": passwords["trainer"],
        "CAMPAIGN_LAB_HUB_SERVICE_TOKEN": service_token,
    })
    return env


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    proxy = BIN / "configurable-http-proxy"
    assert proxy.exists() or shutil.which("configurable-http-proxy"), \
        "JupyterHub's proxy is missing: run `bash scripts/install-hub.sh`."
    base = tmp_path_factory.mktemp("hub")
    course, state, exchange = course_copy(base / "course"), base / "state", base / "exchange"
    state.mkdir()
    ports, service_token = [free_port() for _ in range(3)], secrets.token_hex(32)
    passwords = {"trainee": secrets.token_urlsafe(12), "trainer": secrets.token_urlsafe(32)}
    log = base / "jupyterhub.log"
    with log.open("w") as log_handle:
        process = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(paths.graders_dir() / "jupyterhub_config.py")],
            cwd=state, env=hub_environment(course, state, exchange, ports, service_token, passwords),
            stdout=log_handle, stderr=subprocess.STDOUT, start_new_session=True)
    running = Hub(f"http://127.0.0.1:{ports[0]}", service_token, process, state, log, course, exchange, passwords)
    try:
        wait_until(lambda: _hub_answers(running), START_SECONDS, "the hub to answer")
        yield running
    finally:
        running.stop()


def _hub_answers(hub: Hub) -> bool:
    if hub.process.poll() is not None:
        raise AssertionError("the hub stopped while starting:\n" + hub.log.read_text()[-3000:])
    try:
        with urllib.request.urlopen(hub.url + "/hub/api/", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


# --------------------------------------------------------------------------
# The cohort's week, step by step (each step keeps what the tests below check)


@pytest.fixture(scope="module")
def cohort(hub, tmp_path_factory):
    """Release, fetch, answer, submit, collect and grade; keep each step's answer."""
    steps = {}
    for user in (TRAINER, *TRAINEES):
        hub.start_server(user)
    assignment = f"formgrader/api/assignment/{MODULE}"
    steps["generate"] = hub.as_user(TRAINER, "POST", f"{assignment}/assign")
    steps["release"] = hub.as_user(TRAINER, "POST", f"{assignment}/release")
    request = {"course_id": COURSE_ID, "assignment_id": MODULE}
    for trainee, correct in zip(TRAINEES, (True, False)):
        steps[f"fetch {trainee}"] = hub.as_user(trainee, "POST", "assignments/fetch", request)
        path = f"api/contents/{COURSE_ID}/{MODULE}/{MODULE}.ipynb"
        fetched = nbformat.from_dict(hub.as_user(trainee, "GET", path)["content"])
        how = "right" if correct else "wrong"
        hub.as_user(trainee, "PUT", path, {"type": "notebook", "format": "json",
                                           "content": answered(fetched, core=how, deep_dive=how)})
        steps[f"submit {trainee}"] = hub.as_user(trainee, "POST", "assignments/submit", request)
    steps["collect"] = hub.as_user(TRAINER, "POST", f"{assignment}/collect")
    out = tmp_path_factory.mktemp("grades")
    steps["grade"] = subprocess.run(
        [str(BIN / "campaign-lab"), "grade", str(hub.course / "submitted"), "--assignment", MODULE,
         "--jobs", "2", "--out", str(out)],
        env={**os.environ, "CAMPAIGN_LAB_ROOT": str(hub.course)}, capture_output=True, text=True, timeout=600)
    with (out / "grades.csv").open() as handle:
        steps["grades"] = {row["student"]: row for row in csv.DictReader(handle)}
    return steps


def statuses(listing: dict) -> set[str]:
    assert listing["success"], listing
    return {item["status"] for item in listing["value"] if item["assignment_id"] == MODULE}


def test_trainer_releases_module_00_into_the_exchange(hub, cohort):
    assert cohort["release"]["success"], cohort["release"]
    outbound = hub.exchange / COURSE_ID / "outbound" / MODULE / f"{MODULE}.ipynb"
    assert "### BEGIN SOLUTION" not in outbound.read_text()


@pytest.mark.parametrize("trainee", TRAINEES)
def test_each_trainee_fetches_the_module_into_their_own_folder(hub, cohort, trainee):
    assert "fetched" in statuses(cohort[f"fetch {trainee}"])
    assert (hub.state / "homes" / trainee / COURSE_ID / MODULE / f"{MODULE}.ipynb").is_file()


@pytest.mark.parametrize("trainee", TRAINEES)
def test_each_submission_is_named_after_the_trainees_hub_account(hub, cohort, trainee):
    assert "submitted" in statuses(cohort[f"submit {trainee}"])
    inbound = [path.name.split("+")[0] for path in (hub.exchange / COURSE_ID / "inbound").iterdir()]
    assert inbound.count(trainee) == 1


def test_trainer_collects_both_submissions(hub, cohort):
    assert cohort["collect"]["success"], cohort["collect"]
    collected = sorted(path.parent.parent.name for path in (hub.course / "submitted").glob(f"*/{MODULE}/*.ipynb"))
    assert collected == sorted(TRAINEES)


def test_campaign_lab_grade_scores_the_collected_work(cohort):
    assert cohort["grade"].returncode == 0, cohort["grade"].stderr[-2000:]
    right, wrong = (cohort["grades"][name] for name in TRAINEES)
    assert right["status"] == wrong["status"] == "graded"
    assert float(right["score"]) > 0 and float(wrong["score"]) == 0, (right, wrong)


def test_a_trainee_has_no_formgrader(hub, cohort):
    with pytest.raises(AssertionError, match="HTTP 404"):
        hub.as_user(TRAINEES[0], "GET", "formgrader/api/status")


def test_a_trainee_logs_in_with_the_shared_password(hub):
    assert hub.login(TRAINEES[0], hub.passwords["trainee"])


def test_the_trainees_password_does_not_open_a_trainers_account(hub):
    assert not hub.login(TRAINER, hub.passwords["trainee"])
    assert hub.login(TRAINER, hub.passwords["trainer"])


def test_stopping_the_hub_stops_every_process_it_started(hub, cohort):
    pids = hub.started_pids()
    assert len(pids) == 2 + 1 + len(TRAINEES)  # the hub, its proxy, three servers
    hub.stop()
    assert [pid for pid in pids if pid_alive(pid)] == []
