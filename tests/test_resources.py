"""The course sizes its threads and jobs from the CPUs and memory it may really use."""

import os
import signal
import subprocess
import sys

import pytest

from campaign_lab import resources


def test_cpus_are_at_most_the_affinity_set():
    assert 1 <= resources.usable_cpus() <= len(os.sched_getaffinity(0))


def test_cpu_limit_from_the_hub_caps_the_count(monkeypatch):
    monkeypatch.setenv("CPU_LIMIT", "0.5")
    assert resources.usable_cpus() == 1


def test_affinity_caps_the_count():
    """A process pinned to one CPU (as taskset does) sees one usable CPU."""
    before = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {min(before)})
        assert resources.usable_cpus() == 1
    finally:
        os.sched_setaffinity(0, before)


@pytest.mark.parametrize("value", ["", "lots", "-2", "inf"])
def test_a_meaningless_cpu_limit_is_ignored(monkeypatch, value):
    monkeypatch.setenv("CPU_LIMIT", value)
    assert resources.usable_cpus() >= 1


def test_mem_limit_from_the_hub_caps_memory(monkeypatch):
    monkeypatch.setenv("MEM_LIMIT", str(512 * 2**20))
    assert resources.usable_memory_bytes() == 512 * 2**20


def _fake_cgroup(tmp_path, membership: str, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "self-cgroup").write_text(membership)
    return resources._cgroup_memory_limit(tmp_path, tmp_path / "self-cgroup")


def test_an_address_space_limit_caps_memory_by_what_is_left_of_it():
    # The grading sandbox limits a notebook's address space: DuckDB and pandas must size themselves by it.
    limit = 3 * 2**30
    code = "from campaign_lab import resources; print(resources.usable_memory_bytes())"
    limited = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        preexec_fn=lambda: __import__("resource").setrlimit(__import__("resource").RLIMIT_AS, (limit, limit)),
    )
    assert 0 < int(limited.stdout) < limit < resources.usable_memory_bytes()


def test_cgroup_v2_memory_limit_of_our_own_group_is_read(tmp_path):
    assert _fake_cgroup(tmp_path, "0::/hub/alice\n", {"hub/alice/memory.max": "1073741824\n"}) == 2**30


def test_cgroup_v1_memory_limit_is_read(tmp_path):
    files = {"memory/pod/memory.limit_in_bytes": "536870912\n"}
    assert _fake_cgroup(tmp_path, "4:memory:/pod\n3:cpu,cpuacct:/pod\n", files) == 2**29


@pytest.mark.parametrize("text", ["max\n", str(2**63 - 4096)])
def test_unlimited_cgroup_memory_is_no_limit(tmp_path, text):
    assert _fake_cgroup(tmp_path, "0::/\n", {"memory.max": text}) is None


def test_kill_until_empty_stops_every_listed_process_and_those_that_appear_later():
    started = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) for _ in range(2)]
    late = []

    def members():
        if not late:  # a fork that appears after the first round
            late.append(subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]))
        return [p.pid for p in started + late if p.poll() is None]

    resources.kill_until_empty(members)
    assert all(process.wait(timeout=5) == -signal.SIGKILL for process in started + late)


def test_kill_until_empty_returns_at_once_when_the_group_is_empty():
    rounds = []
    resources.kill_until_empty(lambda: rounds.append(1) or [], tries=3)
    assert rounds == [1]
