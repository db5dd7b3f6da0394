"""The course sizes its threads and jobs from the CPUs and memory it may really use."""

import os

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


def test_cgroup_v2_memory_limit_of_our_own_group_is_read(tmp_path):
    assert _fake_cgroup(tmp_path, "0::/hub/alice\n", {"hub/alice/memory.max": "1073741824\n"}) == 2**30


def test_cgroup_v1_memory_limit_is_read(tmp_path):
    files = {"memory/pod/memory.limit_in_bytes": "536870912\n"}
    assert _fake_cgroup(tmp_path, "4:memory:/pod\n3:cpu,cpuacct:/pod\n", files) == 2**29


@pytest.mark.parametrize("text", ["max\n", str(2**63 - 4096)])
def test_unlimited_cgroup_memory_is_no_limit(tmp_path, text):
    assert _fake_cgroup(tmp_path, "0::/\n", {"memory.max": text}) is None
