"""Start the cohort's real JupyterHub (graders/jupyterhub_config.py) on 127.0.0.1 for a test, and drive it.

``running_hub(trainees=..., limits=...)`` is a context manager: it makes a
folder every test account may traverse, copies the course into it, writes
the passwords into files of mode 0600, starts the hub as root with system
accounts of a unique prefix (and groups of that prefix), and at the end
stops the hub and deletes exactly the accounts, homes and groups it made.
:class:`Hub` calls the REST API, starts servers, and runs code in a user's
kernel through the kernel API (as JupyterLab does, over a websocket).
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import json
import os
import pwd
import secrets
import shutil
import signal
import sqlite3
import subprocess
import time
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from campaign_lab import paths
from campaign_lab.hub.accounts import Accounts
from cohort_tools import course_copy, free_port, wait_until

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
        status = Path(f"/proc/{pid}/status")
        return status.exists() and "zombie" not in status.read_text()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # keep the hub's answer to the login itself


@dataclass
class Hub:
    """One running JupyterHub and what it started."""

    url: str
    service_token: str
    process: subprocess.Popen
    base: Path
    state: Path
    log: Path
    course: Path
    exchange: Path
    accounts: Accounts
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
    def home(self, user: str) -> Path:
        return self.accounts.home(user)

    def start_servers(self, *users: str) -> None:
        """Start the servers of ``users`` together; wait until each is ready; give each a token."""
        for user in users:
            try:
                self.call("POST", f"/hub/api/users/{user}/server")
            except AssertionError as error:
                raise AssertionError(f"{error}\nThe hub's log:\n{self.log.read_text()[-4000:]}") from None
        for user in users:
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

    # -- kernels ---------------------------------------------------------------------
    def start_kernel(self, user: str) -> str:
        return self.as_user(user, "POST", "api/kernels", {"name": "python3"})["id"]

    def execute(self, user: str, kernel_id: str, code: str, timeout: float = 60) -> dict:
        """Run ``code`` in the kernel; return its stdout, error name and whether it finished."""
        return asyncio.run(self._execute(user, kernel_id, code, timeout))

    async def _execute(self, user: str, kernel_id: str, code: str, timeout: float) -> dict:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        url = self.url.replace("http", "ws", 1) + f"/user/{user}/api/kernels/{kernel_id}/channels"
        request = HTTPRequest(url, headers={"Authorization": f"token {self.tokens[user]}"})
        connection = await asyncio.wait_for(websocket_connect(request), 30)
        msg_id, result = uuid.uuid4().hex, {"stdout": "", "error": None, "finished": False,
                                         "died": False}
        connection.write_message(json.dumps({
            "header": {"msg_id": msg_id, "username": user, "session": uuid.uuid4().hex,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        try:
            await asyncio.wait_for(self._collect(connection, msg_id, result), timeout)
        except asyncio.TimeoutError:
            pass  # the kernel died or hangs: "finished" stays False
        finally:
            connection.close()
        result["stdout"] = result["stdout"].strip()
        return result

    @staticmethod
    async def _collect(connection, msg_id: str, result: dict) -> None:
        while True:
            text = await connection.read_message()
            if text is None:
                return  # the server closed the channel
            message = json.loads(text)
            kind, content = message["msg_type"], message["content"]
            if kind == "status" and content["execution_state"] in ("restarting", "dead"):
                result["died"] = True  # the kernel stopped (killed, out of memory...)
                return
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if kind == "stream" and content.get("name") == "stdout":
                result["stdout"] += content["text"]
            elif kind == "error":
                result["error"] = content["ename"]
            elif kind == "status" and content["execution_state"] == "idle":
                result["finished"] = True
                return

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


def _secret_file(folder: Path, name: str, value: str) -> Path:
    path = folder / name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(value)
    return path


def hub_environment(hub_folders: dict[str, Path], accounts: Accounts, ports: list[int],
                    secret_files: dict[str, Path], trainers: list[str], trainees: list[str],
                    limits: dict[str, str]) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMPAIGN_LAB_", "JUPYTERHUB_"))}
    env.update({
        "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        "CAMPAIGN_LAB_ROOT": str(hub_folders["course"]), "CAMPAIGN_LAB_HUB_DIR": str(hub_folders["state"]),
        "CAMPAIGN_LAB_EXCHANGE": str(hub_folders["exchange"]),
        "CAMPAIGN_LAB_HUB_PORT": str(ports[0]), "CAMPAIGN_LAB_HUB_API_PORT": str(ports[1]),
        "CAMPAIGN_LAB_HUB_PROXY_API_PORT": str(ports[2]),
        "CAMPAIGN_LAB_HUB_TRAINERS": ",".join(trainers), "CAMPAIGN_LAB_HUB_TRAINEES": ",".join(trainees),
        "CAMPAIGN_LAB_HUB_USER_PREFIX": accounts.prefix, "CAMPAIGN_LAB_HUB_HOMES": str(accounts.homes),
        "CAMPAIGN_LAB_HUB_TRAINERS_GROUP": accounts.trainers_group,
        "CAMPAIGN_LAB_HUB_TRAINEES_GROUP": accounts.trainees_group,
        **{f"CAMPAIGN_LAB_HUB_{name}_FILE": str(path) for name, path in secret_files.items()},
        **{f"CAMPAIGN_LAB_HUB_{name}": value for name, value in limits.items()},
    })
    return env


def unique_accounts(base: Path) -> Accounts:
    """Accounts and groups under a prefix no one else uses (``clt<6 hex>-``), homes under ``base``."""
    tag = f"clt{secrets.token_hex(3)}"
    return Accounts(prefix=f"{tag}-", homes=base / "homes", trainers_group=f"{tag}-trainers",
                    trainees_group=f"{tag}-trainees")


def pids_of_user(uid: int) -> list[int]:
    """The running processes whose real user is ``uid`` (zombies, already dead, are left out)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError, StopIteration):
            lines = status.read_text().splitlines()
            uid_line = next(line for line in lines if line.startswith("Uid:"))
            state = next(line for line in lines if line.startswith("State:"))
            if int(uid_line.split()[1]) == uid and "zombie" not in state:
                found.append(int(status.parent.name))
    return found


def gone_within(seconds: float, still_there) -> list:
    """Poll ``still_there()`` until it returns nothing or ``seconds`` pass; return its last answer.

    Killed processes take a moment to exit on a loaded machine.
    """
    deadline = time.monotonic() + seconds
    left = still_there()
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = still_there()
    return left


def remove_accounts(accounts: Accounts, names: list[str]) -> None:
    """Delete the test's accounts, homes and groups; kill what those accounts still run first."""
    for name in names:
        with contextlib.suppress(KeyError):
            for pid in pids_of_user(pwd.getpwnam(accounts.system_name(name)).pw_uid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    for name in names:
        accounts.remove(name)
    accounts.remove_groups()


@contextlib.contextmanager
def running_hub(trainers: list[str], trainees: list[str], limits: dict[str, str] | None = None,
                environment: dict[str, str] | None = None):
    """A hub on 127.0.0.1 with a course copy; stopped, and its accounts deleted, at the end."""
    proxy = BIN / "configurable-http-proxy"
    assert proxy.exists() or shutil.which("configurable-http-proxy"), \
        "JupyterHub's proxy is missing: run `bash scripts/install-npm.sh`."
    base = Path(tempfile.mkdtemp(prefix="campaign-lab-hub-test-"))
    base.chmod(0o711)  # the test accounts reach their homes and the exchange through it
    folders = {"course": course_copy(base / "course"), "state": base / "state", "exchange": base / "exchange"}
    generated = paths.generated_data_dir()
    if generated.is_dir():  # else the hub makes the classroom data itself (10-30 s)
        shutil.copytree(generated, folders["course"] / "datasets" / "generated")
    (base / "homes").mkdir(mode=0o711)
    accounts = unique_accounts(base)
    ports, service_token = [free_port() for _ in range(3)], secrets.token_hex(32)
    passwords = {"trainee": secrets.token_urlsafe(12), "trainer": secrets.token_urlsafe(32)}
    secret_files = {"PASSWORD": _secret_file(base, "trainees-password", passwords["trainee"]),
                    "TRAINER_PASSWORD": _secret_file(base, "trainer-password", passwords["trainer"]),
                    "SERVICE_TOKEN": _secret_file(base, "service-token", service_token)}
    env = hub_environment(folders, accounts, ports, secret_files, trainers, trainees, limits or {})
    env.update(environment or {})
    log = base / "jupyterhub.log"
    with log.open("w") as log_handle:
        process = subprocess.Popen(
            [str(BIN / "jupyterhub"), "-f", str(paths.graders_dir() / "jupyterhub_config.py")],
            cwd=base, env=env, stdout=log_handle, stderr=subprocess.STDOUT, start_new_session=True)
    hub = Hub(f"http://127.0.0.1:{ports[0]}", service_token, process, base, folders["state"], log,
              folders["course"], folders["exchange"], accounts, passwords)
    try:
        wait_until(lambda: _hub_answers(hub), START_SECONDS, "the hub to answer")
        yield hub
    finally:
        hub.stop()
        remove_accounts(accounts, [*trainers, *trainees])
        shutil.rmtree(base, ignore_errors=True)


def _hub_answers(hub: Hub) -> bool:
    if hub.process.poll() is not None:
        raise AssertionError("the hub stopped while starting:\n" + hub.log.read_text()[-3000:])
    try:
        with urllib.request.urlopen(hub.url + "/hub/api/", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False
