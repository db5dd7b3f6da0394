"""The cohort hub's pieces on their own: roster import, course permissions, secrets, HTTPS, limits.

The roster tests make real system accounts (root only), with a prefix and
groups no one else uses, and delete them at the end.
"""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from campaign_lab.errors import BadInput
from campaign_lab.hub import course_access, tls
from campaign_lab.hub.limits import GiB, MiB, Limits, parse_size
from campaign_lab.hub.roster import read_roster
from campaign_lab.hub.state import secret
from cohort_tools import course_copy
from hub_tools import remove_accounts, unique_accounts

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="system accounts are made by root")
BIN = Path(sys.executable).parent


def write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


# -- the roster ------------------------------------------------------------------


@pytest.mark.parametrize("rows, message", [
    ("name\namina\n", "must name the columns, with a 'username' column"),
    ("username\namina\nRoot!\n", "row 3: 'Root!' cannot be a user name"),
    ("username\namina\namina\n", "row 3: 'amina' is already on row 2"),
    ("username,email\namina,a@example.org,extra\n", "row 2: 3 values for 2 columns"),
    ("username\ntrainer\n", "row 2: 'trainer' is a trainer's name"),
    ("username\n\n", "no trainees under the header row"),
])
def test_a_bad_roster_gets_one_line_naming_the_row(tmp_path, rows, message):
    roster = write(tmp_path / "cohort.csv", rows)
    with pytest.raises(BadInput, match=message.replace("(", r"\(")) as error:
        read_roster(roster, frozenset({"trainer"}))
    assert "\n" not in str(error.value)


def test_a_roster_keeps_names_and_details(tmp_path):
    roster = write(tmp_path / "cohort.csv", "\ufeffusername,first_name,last_name,email\n"
                                            "amina,Amina,Diallo,amina@example.org\nbeatriz,Beatriz,,\n")
    trainees = read_roster(roster)
    assert [(t.username, t.first_name, t.email) for t in trainees] == [
        ("amina", "Amina", "amina@example.org"), ("beatriz", "Beatriz", "")]


@pytest.fixture
def roster_env(tmp_path):
    base = tmp_path / "hub"
    base.mkdir()
    accounts = unique_accounts(base)
    course = course_copy(base / "course")
    env = {**os.environ, "CAMPAIGN_LAB_ROOT": str(course), "CAMPAIGN_LAB_HUB_USER_PREFIX": accounts.prefix,
           "CAMPAIGN_LAB_HUB_HOMES": str(accounts.homes),
           "CAMPAIGN_LAB_HUB_TRAINERS_GROUP": accounts.trainers_group,
           "CAMPAIGN_LAB_HUB_TRAINEES_GROUP": accounts.trainees_group}
    yield accounts, course, env
    remove_accounts(accounts, ["amina", "beatriz", "chidi"])


def run_roster(env: dict, roster: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "campaign-lab"), "hub", "roster", str(roster)], env=env,
                          capture_output=True, text=True, timeout=120)


def gradebook_students(course: Path) -> list[str]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'var' / 'gradebook.db'}") as gradebook:
        return sorted(student.id for student in gradebook.students)


@needs_root
@pytest.mark.slow  # nbgrader makes a new gradebook with alembic: 5-25 s
def test_the_roster_makes_accounts_and_nbgrader_students_once(tmp_path, roster_env):
    accounts, course, env = roster_env
    roster = write(tmp_path / "cohort.csv", "username,first_name\namina,Amina\nbeatriz,Beatriz\n")
    first = run_roster(env, roster)
    assert first.returncode == 0, first.stderr
    assert "2 accounts made" in first.stdout
    for name in ("amina", "beatriz"):
        account = pwd.getpwnam(accounts.system_name(name))
        assert account.pw_uid != 0 and stat.S_IMODE(os.stat(account.pw_dir).st_mode) == 0o700
    assert accounts.hub_names() == ["amina", "beatriz"]
    assert gradebook_students(course) == ["amina", "beatriz"]
    again = run_roster(env, roster)
    assert again.returncode == 0 and "0 accounts made, 2 already there" in again.stdout, again.stdout


@needs_root
def test_a_bad_row_makes_nothing(tmp_path, roster_env):
    accounts, course, env = roster_env
    roster = write(tmp_path / "cohort.csv", "username\nchidi\nnot valid\n")
    result = run_roster(env, roster)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"campaign-lab hub: {roster}, row 3: 'not valid' cannot be a user name: use 1-23 lower-case "
        "letters, digits, - or _, starting with a letter."]
    assert accounts.lookup("chidi") is None
    assert not (course / "var" / "gradebook.db").exists()


@needs_root
def test_an_account_the_hub_did_not_make_is_never_taken_over(roster_env):
    accounts, _, _ = roster_env
    subprocess.run(["useradd", "--no-create-home", accounts.system_name("chidi")], check=True)
    try:
        with pytest.raises(BadInput, match="already exists and is not one of this hub's"):
            accounts.ensure("chidi")
    finally:
        subprocess.run(["userdel", accounts.system_name("chidi")], check=True)


# -- the course folder ---------------------------------------------------------


@needs_root
def test_the_course_folder_is_closed_to_others_but_for_what_servers_need(tmp_path, roster_env):
    accounts, course, _ = roster_env
    accounts.ensure_groups()
    (course / "var" / "hub").mkdir(parents=True)
    (course / "var" / "hub").chmod(0o700)
    course_access.close_to_trainees(course, accounts.trainers_group, keep_private=[course / "var" / "hub"])
    mode = lambda path: stat.S_IMODE(path.stat().st_mode)  # noqa: E731
    assert mode(course) == 0o2771  # enter by name, no listing
    source = course / "notebooks" / "00-start-here" / "00-start-here.ipynb"
    assert mode(source) & 0o007 == 0 and mode(source) & 0o060 == 0o060
    assert mode(course / "notebooks") & 0o007 == 0
    assert mode(course / "datasets") & 0o005 == 0o005  # servers read the datasets
    assert mode(course / "var" / "hub") == 0o700  # the hub's own state is left to the hub


# -- secrets -----------------------------------------------------------------------


def test_a_password_file_readable_by_others_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_LAB_HUB_PASSWORD_FILE", str(write(tmp_path / "password", "hunter22", 0o644)))
    with pytest.raises(BadInput, match="can be read by other users; run `chmod 600"):
        secret("CAMPAIGN_LAB_HUB_PASSWORD")
    (tmp_path / "password").chmod(0o600)
    assert secret("CAMPAIGN_LAB_HUB_PASSWORD") == "hunter22"


# -- HTTPS ---------------------------------------------------------------------------


def test_the_loopback_stays_http(tmp_path):
    assert tls.listening("127.0.0.1", 8000, tmp_path).url == "http://127.0.0.1:8000"
    assert not (tmp_path / "tls").exists()


def test_beyond_the_loopback_a_self_signed_certificate_is_made_with_a_warning(tmp_path, caplog):
    from cryptography import x509

    listening = tls.listening("0.0.0.0", 8443, tmp_path)
    assert listening.url == "https://0.0.0.0:8443" and listening.self_signed
    assert "SELF-SIGNED" in caplog.text
    assert stat.S_IMODE(listening.key.stat().st_mode) == 0o600
    certificate = x509.load_pem_x509_certificate(listening.cert.read_bytes())
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    again = tls.listening("0.0.0.0", 8443, tmp_path)
    assert again.cert.read_bytes() == listening.cert.read_bytes()  # reused while valid


def test_the_trainers_certificate_is_used_as_given(tmp_path):
    cert, key = write(tmp_path / "hub.crt", "x"), write(tmp_path / "hub.key", "x", 0o600)
    listening = tls.listening("192.0.2.10", 443, tmp_path, str(cert), str(key))
    assert (listening.url, listening.cert, listening.self_signed) == ("https://192.0.2.10:443", cert, False)
    with pytest.raises(BadInput, match="Set both"):
        tls.listening("192.0.2.10", 443, tmp_path, str(cert), "")


# -- limits -----------------------------------------------------------------------


def test_limits_default_to_a_share_of_this_machine(monkeypatch):
    for name in ("MEM", "CPU", "PIDS"):
        monkeypatch.delenv(f"CAMPAIGN_LAB_HUB_{name}_LIMIT", raising=False)
    limits = Limits.from_environment()
    assert 512 * MiB <= limits.memory_bytes <= 2 * GiB and limits.cpus >= 1 and limits.max_tasks > 100
    monkeypatch.setenv("CAMPAIGN_LAB_HUB_MEM_LIMIT", "1.5G")
    monkeypatch.setenv("CAMPAIGN_LAB_HUB_CPU_LIMIT", "0.5")
    assert Limits.from_environment().memory_bytes == parse_size("1536M")
    monkeypatch.setenv("CAMPAIGN_LAB_HUB_MEM_LIMIT", "lots")
    with pytest.raises(BadInput, match="'lots' is not a size"):
        Limits.from_environment()


def test_a_v2_control_group_gets_the_three_limits(tmp_path, monkeypatch):
    """This machine may have cgroup v1: the v2 layout is checked on a folder shaped like one."""
    from campaign_lab.hub import limits as hub_limits

    own = tmp_path / "hub.service"
    own.mkdir()
    (tmp_path / "cgroup.subtree_control").write_text("")
    (own / "cgroup.controllers").write_text("cpuset cpu io memory pids")
    (own / "cgroup.subtree_control").write_text("")
    (own / "campaign-lab-hub").mkdir()  # the kernel makes a group's files when it is made
    (own / "campaign-lab-hub" / "cgroup.subtree_control").write_text("")
    monkeypatch.setattr(hub_limits, "CGROUP_ROOT", tmp_path)
    monkeypatch.setattr(hub_limits, "_own_groups", lambda: {"": "hub.service"})
    monkeypatch.setattr(hub_limits, "_v1_parents", lambda: None)
    group = hub_limits.Cgroup.create("jupyter-amina", Limits(768 * MiB, 1.5, 200))
    folder = own / "campaign-lab-hub" / "campaign-lab-jupyter-amina"
    assert group is not None and group.folders == [folder]
    assert (folder / "memory.max").read_text() == str(768 * MiB)
    assert (folder / "cpu.max").read_text() == "150000 100000"
    assert (folder / "pids.max").read_text() == "200"
    assert (own / "cgroup.subtree_control").read_text() == "+memory +cpu +pids"


def test_without_control_groups_the_hub_says_limits_are_not_enforced(monkeypatch, caplog):
    from campaign_lab.hub import limits as hub_limits

    def refuse():
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(hub_limits, "_v1_parents", refuse)
    assert hub_limits.Cgroup.create("jupyter-amina", Limits(GiB, 1, 100)) is None
    assert "limits are NOT enforced" in caplog.text


@needs_root
@pytest.mark.slow  # starts JupyterHub, which stops while reading its settings
def test_the_hub_refuses_a_password_file_others_can_read_in_one_line(tmp_path):
    password = write(tmp_path / "trainees-password", "hunter22", 0o644)
    env = {**os.environ, "CAMPAIGN_LAB_HUB_PASSWORD_FILE": str(password),
           "CAMPAIGN_LAB_HUB_DIR": str(tmp_path / "state"), "CAMPAIGN_LAB_ROOT": str(tmp_path / "course")}
    config = Path(__file__).resolve().parents[1] / "graders" / "jupyterhub_config.py"
    result = subprocess.run([str(BIN / "jupyterhub"), "-f", str(config)], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"jupyterhub_config.py: CAMPAIGN_LAB_HUB_PASSWORD_FILE: {password} can be read by other users; "
        f"run `chmod 600 {password}`.")
    assert not (tmp_path / "state").exists()  # nothing was set up
