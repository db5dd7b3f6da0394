"""A real JupyterHub for a cohort, with a hostile trainee in it.

A trainer releases module 00; one trainee fetches it; the other trainee's
kernel then attacks: it tries to read the first trainee's notebook, the
course's source notebooks and gradebook, the hub's secrets and environment;
to write into another home and the course folder; to kill other people's
processes; to use more memory than allowed; and a bounded fork bomb. Every
attempt must be denied, and everyone else must keep working: the first
trainee's kernel still answers, and the week goes on (both trainees submit,
the trainer collects and grades with ``campaign-lab grade``).

Everything goes through the hub on 127.0.0.1 (hub_tools.py): its REST API and
the servers behind its proxy, as the JupyterLab pages would. The test's
system accounts and groups have a unique prefix and are deleted at the end.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import subprocess
import urllib.request
from pathlib import Path

import nbformat
import pytest

from campaign_lab import course
from campaign_lab.hub.limits import parse_size
from cohort_tools import MODULE, answered
from hub_tools import BIN, gone_within, pid_alive, pids_of_user, running_hub

pytestmark = pytest.mark.slow

COURSE_ID = course.nbgrader_config().CourseDirectory.course_id
TRAINER, TRAINEES = "trainer", ("amina", "beatriz")
VICTIM, HOSTILE = TRAINEES
LIMITS = {"MEM_LIMIT": "640M", "CPU_LIMIT": "1", "PIDS_LIMIT": "160"}
FORK_ATTEMPTS = 400  # more than PIDS_LIMIT, and bounded even if the limit failed


@pytest.fixture(scope="module")
def hub():
    with running_hub([TRAINER], list(TRAINEES), LIMITS) as running:
        yield running


# --------------------------------------------------------------------------
# What the hostile trainee's kernel tries


def targets(hub, victim_server: int, victim_kernel: int) -> dict:
    victim_home = hub.home(VICTIM)
    reads = {
        "read another trainee's notebook": ("read", victim_home / COURSE_ID / MODULE / f"{MODULE}.ipynb"),
        "list another trainee's home": ("list", victim_home),
        "read the source notebook (solutions)": ("read", hub.course / "notebooks" / MODULE / f"{MODULE}.ipynb"),
        "list the course folder": ("list", hub.course),
        "read the gradebook": ("read", hub.course / "var" / "gradebook.db"),
        "read the cookie secret": ("read", hub.state / "jupyterhub_cookie_secret"),
        "read the hub's database": ("read", hub.state / "jupyterhub.sqlite"),
        "read the hub's environment": ("read", Path(f"/proc/{hub.process.pid}/environ")),
        "read the trainer's password file": ("read", hub.base / "trainer-password"),
        "list other trainees' submissions": ("list", hub.exchange / COURSE_ID / "inbound"),
    }
    for label, (_, path) in reads.items():
        assert path.exists(), f"the test's target for {label!r} is missing: {path}"
    writes = {
        "write into another trainee's home": victim_home / "planted.py",
        "write into the course folder": hub.course / "planted.py",
        "write beside the source notebooks": hub.course / "notebooks" / MODULE / "planted.py",
        "change the released notebook": hub.exchange / COURSE_ID / "outbound" / MODULE / f"{MODULE}.ipynb",
    }
    signals = {
        "kill another trainee's server": victim_server,
        "kill another trainee's kernel": victim_kernel,
        "kill the hub": hub.process.pid,
    }
    return {"reads": {k: (kind, str(path)) for k, (kind, path) in reads.items()},
            "writes": {k: str(path) for k, path in writes.items()}, "signals": signals}


ATTEMPTS = r"""
import json, os, signal
plan = json.loads({plan!r})
outcome = {{}}
def attempt(label, action):
    try:
        action()
        outcome[label] = "allowed"
    except PermissionError:
        outcome[label] = "denied"
    except Exception as error:
        outcome[label] = f"{{type(error).__name__}}: {{error}}"
def read(path):
    with open(path, "rb") as handle:
        handle.read(16)
for label, (kind, path) in plan["reads"].items():
    attempt(label, (lambda p=path: os.listdir(p)) if kind == "list" else (lambda p=path: read(p)))
for label, path in plan["writes"].items():
    attempt(label, lambda p=path: open(p, "ab").close())
for label, pid in plan["signals"].items():
    attempt(label, lambda p=pid: os.kill(p, signal.SIGKILL))
print(json.dumps(outcome))
"""

MEMORY_HOG = """
hoard = []
for _ in range(64):  # 64 x 64 MiB = 4 GiB, written byte by byte, far past the limit
    hoard.append(b"x" * (64 << 20))
print("allocated", len(hoard))
"""

FORK_BOMB = f"""
import json, os, signal, time
children, stopped_by = [], None
for _ in range({FORK_ATTEMPTS}):
    try:
        pid = os.fork()
    except OSError as error:
        stopped_by = type(error).__name__
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.kill(pid, signal.SIGKILL)
for pid in children:
    os.waitpid(pid, 0)
print(json.dumps({{"forks": len(children), "stopped_by": stopped_by}}))
"""


def cgroup_folder(pid: int, controller: str) -> Path:
    """Where ``pid``'s v1 control group of ``controller`` (or its v2 group) lives."""
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, relative = line.split(":", 2)
        if controller in controllers.split(","):
            return Path("/sys/fs/cgroup") / controller / relative.lstrip("/")
    relative = next(line for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines() if line.startswith("0::"))
    return Path("/sys/fs/cgroup") / relative[3:].lstrip("/")


def attack(hub) -> dict:
    """The hostile trainee's attempts, and how everyone else is doing afterwards."""
    victim_kernel_id = hub.start_kernel(VICTIM)
    victim_kernel = int(hub.execute(VICTIM, victim_kernel_id, "import os; print(os.getpid())")["stdout"])
    hostile_kernel_id = hub.start_kernel(HOSTILE)
    plan = targets(hub, hub.server_pids[VICTIM], victim_kernel)
    found = {"plan": plan}
    found["attempts"] = json.loads(hub.execute(HOSTILE, hostile_kernel_id, ATTEMPTS.format(plan=json.dumps(plan)))["stdout"])
    found["fork bomb"] = json.loads(hub.execute(HOSTILE, hostile_kernel_id, FORK_BOMB, timeout=120)["stdout"])
    memory_folder = cgroup_folder(hub.server_pids[HOSTILE], "memory")
    found["memory folder"] = memory_folder
    found["memory hog"] = hub.execute(HOSTILE, hostile_kernel_id, MEMORY_HOG, timeout=120)
    found["victim answers"] = hub.execute(VICTIM, victim_kernel_id, "print(6 * 7)")["stdout"]
    found["alive"] = {"hub": hub.process.poll() is None, "victim's kernel": pid_alive(victim_kernel),
                      "victim's server": pid_alive(hub.server_pids[VICTIM]),
                      "hostile's server": pid_alive(hub.server_pids[HOSTILE])}
    return found


# --------------------------------------------------------------------------
# The cohort's week, step by step (each step keeps what the tests below check)


@pytest.fixture(scope="module")
def cohort(hub, tmp_path_factory):
    """Release, fetch, attack, answer, submit, collect and grade; keep each step's answer."""
    steps = {}
    hub.start_servers(TRAINER, *TRAINEES)
    assignment = f"formgrader/api/assignment/{MODULE}"
    steps["generate"] = hub.as_user(TRAINER, "POST", f"{assignment}/assign")
    steps["release"] = hub.as_user(TRAINER, "POST", f"{assignment}/release")
    request = {"course_id": COURSE_ID, "assignment_id": MODULE}
    steps[f"fetch {VICTIM}"] = hub.as_user(VICTIM, "POST", "assignments/fetch", request)
    steps["attack"] = attack(hub)
    steps[f"fetch {HOSTILE}"] = hub.as_user(HOSTILE, "POST", "assignments/fetch", request)
    for trainee, correct in zip(TRAINEES, (True, False)):
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


# -- accounts and permissions -------------------------------------------------------


@pytest.mark.parametrize("user", [TRAINER, *TRAINEES])
def test_every_server_runs_as_its_own_unprivileged_account(hub, cohort, user):
    status = Path(f"/proc/{hub.server_pids[user]}/status").read_text()
    uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
    account = hub.accounts.lookup(user)
    assert account is not None and account.pw_uid != 0
    assert set(map(int, uids)) == {account.pw_uid}
    assert (Path(account.pw_dir).stat().st_mode & 0o777) == 0o700


@pytest.mark.parametrize("user", TRAINEES)
def test_each_trainee_has_a_temporary_folder_of_their_own(hub, cohort, user):
    environment = Path(f"/proc/{hub.server_pids[user]}/environ").read_bytes().split(b"\0")
    tmp = next(line for line in environment if line.startswith(b"TMPDIR=")).decode().removeprefix("TMPDIR=")
    assert Path(tmp).parent == hub.home(user) and stat.S_IMODE(Path(tmp).stat().st_mode) == 0o700


def test_the_hubs_secrets_are_readable_by_root_only(hub, cohort):
    for path in (hub.state, hub.state / "jupyterhub_cookie_secret", hub.state / "jupyterhub.sqlite"):
        info = path.stat()
        assert info.st_uid == 0 and info.st_mode & 0o077 == 0, f"{path} is mode {info.st_mode & 0o777:o}"


def test_no_password_is_in_the_hubs_environment(hub):
    environment = Path(f"/proc/{hub.process.pid}/environ").read_bytes()
    for password in hub.passwords.values():
        assert password.encode() not in environment


@pytest.mark.parametrize("label", [
    "read another trainee's notebook", "list another trainee's home", "read the source notebook (solutions)",
    "list the course folder", "read the gradebook", "read the cookie secret", "read the hub's database",
    "read the hub's environment", "read the trainer's password file", "list other trainees' submissions",
    "write into another trainee's home", "write into the course folder", "write beside the source notebooks",
    "change the released notebook", "kill another trainee's server", "kill another trainee's kernel",
    "kill the hub",
])
def test_a_hostile_trainee_is_denied(cohort, label):
    assert cohort["attack"]["attempts"][label] == "denied"


def test_nothing_was_planted(hub, cohort):
    planted = [path for path in cohort["attack"]["plan"]["writes"].values() if path.endswith("planted.py")]
    assert [path for path in planted if Path(path).exists()] == []


def test_a_fork_bomb_stops_at_the_process_limit(cohort):
    bomb = cohort["attack"]["fork bomb"]
    assert bomb["stopped_by"] == "BlockingIOError", bomb  # fork() refused: EAGAIN from pids.max
    assert 0 < bomb["forks"] < int(LIMITS["PIDS_LIMIT"]), bomb


def test_a_kernel_past_the_memory_limit_is_stopped(cohort):
    hog, folder = cohort["attack"]["memory hog"], cohort["attack"]["memory folder"]
    assert "allocated" not in hog["stdout"] and not hog["finished"], hog
    if (folder / "memory.limit_in_bytes").exists():  # cgroup v1
        assert int((folder / "memory.limit_in_bytes").read_text()) <= parse_size(LIMITS["MEM_LIMIT"])
        assert int((folder / "memory.failcnt").read_text()) > 0
    else:
        events = dict(line.split() for line in (folder / "memory.events").read_text().splitlines())
        assert int(events["oom_kill"]) > 0


def test_everyone_else_keeps_working_after_the_attacks(cohort):
    assert cohort["attack"]["victim answers"] == "42"
    assert all(cohort["attack"]["alive"].values()), cohort["attack"]["alive"]


# -- the week still works ---------------------------------------------------------


def test_trainer_releases_module_00_into_the_exchange(hub, cohort):
    assert cohort["release"]["success"], cohort["release"]
    outbound = hub.exchange / COURSE_ID / "outbound" / MODULE / f"{MODULE}.ipynb"
    assert "### BEGIN SOLUTION" not in outbound.read_text()


@pytest.mark.parametrize("trainee", TRAINEES)
def test_each_trainee_fetches_the_module_into_their_own_home(hub, cohort, trainee):
    assert "fetched" in statuses(cohort[f"fetch {trainee}"])
    fetched = hub.home(trainee) / COURSE_ID / MODULE / f"{MODULE}.ipynb"
    assert fetched.is_file() and fetched.stat().st_uid == hub.accounts.lookup(trainee).pw_uid


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


def frame_policy(hub, user: str, path: str) -> str:
    request = urllib.request.Request(f"{hub.url}/user/{user}/{path}",
                                     headers={"Authorization": f"token {hub.tokens[user]}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        return response.headers["Content-Security-Policy"]


def test_the_formgrader_panel_may_be_framed_by_the_trainers_jupyterlab(hub, cohort):
    # JupyterLab shows the formgrader in a frame; "frame-ancestors 'none'" leaves it blank (nbgrader#1870)
    assert "frame-ancestors 'self'" in frame_policy(hub, TRAINER, "formgrader/manage_assignments")
    assert "frame-ancestors 'none'" in frame_policy(hub, TRAINEES[0], "lab")


def test_a_trainee_logs_in_with_the_shared_password(hub):
    assert hub.login(TRAINEES[0], hub.passwords["trainee"])


def test_the_trainees_password_does_not_open_a_trainers_account(hub):
    assert not hub.login(TRAINER, hub.passwords["trainee"])
    assert hub.login(TRAINER, hub.passwords["trainer"])


def test_the_idle_culler_runs_beside_the_hub(hub):
    services = hub.call("GET", "/hub/api/services")
    assert "idle-culler" in services and services["idle-culler"]["pid"]
    assert pid_alive(services["idle-culler"]["pid"])


def test_stopping_the_hub_stops_every_process_it_started(hub, cohort):
    pids = hub.started_pids()
    assert len(pids) == 2 + 1 + len(TRAINEES)  # the hub, its proxy, three servers
    uids = [hub.accounts.lookup(user).pw_uid for user in (TRAINER, *TRAINEES)]
    hub.stop()
    assert gone_within(10, lambda: [pid for pid in pids if pid_alive(pid)]) == []
    assert gone_within(10, lambda: [pid for uid in uids for pid in pids_of_user(uid)]) == []  # kernels and forks too
