"""CPU counting honours affinity, cgroup quotas (v1 and v2), PYTHON_CPU_COUNT and LK_NUM_CPUS.

Cgroup trees are built under tmp_path and handed to ``cpu_facts(root=...)``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lenskit.config import ConfigError, ParallelSettings
from lenskit.parallel import cpu_facts, effective_cpu_count
from tests.config.fake_files import tree

AFFINITY: int = (
    len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
)


def v2_tree(root: Path, cgroup: str, quotas: dict[str, str]) -> Path:
    files = {"proc/self/cgroup": f"0::{cgroup}\n", "sys/fs/cgroup/cgroup.controllers": "cpu\n"}
    for folder, text in quotas.items():
        files[f"sys/fs/cgroup/{folder}/cpu.max".replace("//", "/")] = text
    return tree(root, files)


def test_v2_quota_is_rounded_up(tmp_path: Path, project: Path) -> None:
    facts = cpu_facts(v2_tree(tmp_path, "/job", {"job": "150000 100000\n"}))
    assert facts.cgroup is not None
    assert facts.cgroup.cpus == 1.5
    assert facts.cgroup.version == 2
    assert facts.cgroup_cpus == 2


def test_v2_max_means_no_quota(tmp_path: Path, project: Path) -> None:
    facts = cpu_facts(v2_tree(tmp_path, "/job", {"job": "max 100000\n"}))
    assert facts.cgroup is None
    assert facts.effective == AFFINITY


def test_v2_quota_below_affinity_limits_the_count(tmp_path: Path, project: Path) -> None:
    facts = cpu_facts(v2_tree(tmp_path, "/job", {"job": "50000 100000\n"}))
    assert facts.effective == 1
    assert facts.limited_by == "cgroup v2 CPU quota"


def test_v2_parent_quota_applies_to_nested_groups(tmp_path: Path, project: Path) -> None:
    root = v2_tree(tmp_path, "/outer/inner", {"outer": "100000 100000\n", "outer/inner": "max\n"})
    facts = cpu_facts(root)
    assert facts.cgroup is not None
    assert facts.cgroup.cpus == 1.0
    assert facts.cgroup.file == root / "sys/fs/cgroup/outer/cpu.max"


def test_tightest_quota_in_the_lineage_wins(tmp_path: Path, project: Path) -> None:
    root = v2_tree(
        tmp_path, "/outer/inner", {"outer": "300000 100000\n", "outer/inner": "200000 100000\n"}
    )
    facts = cpu_facts(root)
    assert facts.cgroup is not None
    assert facts.cgroup.cpus == 2.0


def test_v2_mount_found_through_mountinfo(tmp_path: Path, project: Path) -> None:
    root = tree(
        tmp_path,
        {
            "proc/self/cgroup": "0::/user.slice/job\n",
            "proc/self/mountinfo": (
                "30 23 0:26 / /custom/cg rw,nosuid - cgroup2 cgroup2 rw\n"
                "31 23 0:27 / /proc rw - proc proc rw\n"
            ),
            "custom/cg/user.slice/job/cpu.max": "250000 100000\n",
        },
    )
    facts = cpu_facts(root)
    assert facts.cgroup is not None
    assert facts.cgroup.cpus == 2.5


def test_container_mount_root_is_stripped_from_the_group_path(
    tmp_path: Path, project: Path
) -> None:
    root = tree(
        tmp_path,
        {
            "proc/self/cgroup": "0::/docker/abc\n",
            "proc/self/mountinfo": (
                "30 23 0:26 /docker/abc /sys/fs/cgroup ro - cgroup2 cgroup2 rw\n"
            ),
            "sys/fs/cgroup/cpu.max": "100000 100000\n",
        },
    )
    facts = cpu_facts(root)
    assert facts.cgroup is not None
    assert facts.cgroup.file == root / "sys/fs/cgroup/cpu.max"


def test_v1_cfs_quota_is_read(tmp_path: Path, project: Path) -> None:
    root = tree(
        tmp_path,
        {
            "proc/self/cgroup": "4:cpu,cpuacct:/job\n1:name=systemd:/\n",
            "sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_quota_us": "50000\n",
            "sys/fs/cgroup/cpu,cpuacct/job/cpu.cfs_period_us": "100000\n",
        },
    )
    facts = cpu_facts(root)
    assert facts.cgroup is not None
    assert (facts.cgroup.version, facts.cgroup.cpus) == (1, 0.5)
    assert facts.effective == 1
    assert facts.limited_by == "cgroup v1 CFS quota"


def test_v1_minus_one_quota_means_no_limit(tmp_path: Path, project: Path) -> None:
    root = tree(
        tmp_path,
        {
            "proc/self/cgroup": "3:cpu:/\n",
            "sys/fs/cgroup/cpu/cpu.cfs_quota_us": "-1\n",
            "sys/fs/cgroup/cpu/cpu.cfs_period_us": "100000\n",
        },
    )
    assert cpu_facts(root).cgroup is None


def test_unreadable_quota_file_is_noted_not_fatal(tmp_path: Path, project: Path) -> None:
    root = v2_tree(tmp_path, "/job", {})
    (root / "sys/fs/cgroup/job/cpu.max").mkdir(parents=True)
    facts = cpu_facts(root)
    assert facts.cgroup is None
    assert facts.effective == AFFINITY
    assert any("job/cpu.max: unreadable" in note for note in facts.notes)


def test_garbled_quota_file_is_noted_not_fatal(tmp_path: Path, project: Path) -> None:
    facts = cpu_facts(v2_tree(tmp_path, "/job", {"job": "lots\n"}))
    assert facts.cgroup is None
    assert any("unexpected contents 'lots'" in note for note in facts.notes)


def test_no_cgroup_information_means_no_quota(tmp_path: Path, project: Path) -> None:
    facts = cpu_facts(tmp_path)
    assert facts.cgroup is None
    assert facts.notes == ()
    assert facts.effective == AFFINITY
    assert facts.limited_by == "affinity mask"


def test_python_cpu_count_lowers_the_count(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_CPU_COUNT", "1")
    facts = cpu_facts(tmp_path)
    assert facts.effective == 1
    assert facts.python_cpu_count == 1


def test_python_cpu_count_default_is_ignored(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_CPU_COUNT", "default")
    assert cpu_facts(tmp_path).python_cpu_count is None


def test_lk_num_cpus_is_a_setting_not_a_machine_limit(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LK_NUM_CPUS", "64")
    root = v2_tree(tmp_path, "/job", {"job": "100000 100000\n"})
    assert cpu_facts(root).effective == 1
    assert ParallelSettings().resolve_defaults().num_cpus == 64


def test_effective_cpu_count_takes_no_arguments_as_in_lenskit(project: Path) -> None:
    assert effective_cpu_count() == cpu_facts().effective


def test_bad_python_cpu_count_is_refused(
    tmp_path: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_CPU_COUNT", "many")
    with pytest.raises(
        ConfigError, match=r"^PYTHON_CPU_COUNT='many' \(environment\): expected a positive"
    ):
        cpu_facts(tmp_path)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(quota=st.integers(min_value=1000, max_value=10_000_000))
def test_effective_count_is_the_smaller_of_quota_and_affinity(
    tmp_path_factory: pytest.TempPathFactory, project: Path, quota: int
) -> None:
    root = v2_tree(tmp_path_factory.mktemp("cg"), "/job", {"job": f"{quota} 100000\n"})
    facts = cpu_facts(root)
    rounded = -(-quota // 100000)
    assert facts.cgroup_cpus == rounded
    assert facts.effective == min(AFFINITY, rounded)
