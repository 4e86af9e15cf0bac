"""The memory a process may still use: address-space limit, cgroup limits (v1, v2), MemAvailable.

Cgroup and /proc files are fake trees under tmp_path handed to
``memory_headroom(root=...)``; the address-space limit is set for real in a
child interpreter.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lenskit.config._memory import memory_headroom
from tests.config.fake_files import tree

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux limits")

GB = 10**9


def meminfo(available_kib: int, total_kib: int = 64_000_000) -> str:
    return f"MemTotal:       {total_kib} kB\nMemFree:  1 kB\nMemAvailable:   {available_kib} kB\n"


def test_available_memory_is_the_limit_without_others(tmp_path: Path) -> None:
    root = tree(tmp_path, {"proc/meminfo": meminfo(3_000_000)})
    headroom = memory_headroom(root)
    assert headroom is not None
    assert headroom.available == 3_000_000 * 1024
    assert headroom.limit == 64_000_000 * 1024
    assert "MemAvailable" in headroom.source


def test_cgroup_v2_limit_leaves_what_is_not_in_use(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "proc/self/cgroup": "0::/job\n",
            "proc/meminfo": meminfo(30_000_000),
            "sys/fs/cgroup/cgroup.controllers": "memory\n",
            "sys/fs/cgroup/job/memory.max": f"{2 * GB}\n",
            "sys/fs/cgroup/job/memory.current": f"{GB // 2}\n",
        },
    )
    headroom = memory_headroom(root)
    assert headroom is not None
    assert (headroom.available, headroom.limit) == (3 * GB // 2, 2 * GB)
    assert headroom.source == "the cgroup memory limit (/sys/fs/cgroup/job/memory.max)"


def test_a_parent_cgroup_limit_applies_to_nested_groups(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "proc/self/cgroup": "0::/outer/inner\n",
            "sys/fs/cgroup/cgroup.controllers": "memory\n",
            "sys/fs/cgroup/outer/memory.max": f"{GB}\n",
            "sys/fs/cgroup/outer/memory.current": "0\n",
            "sys/fs/cgroup/outer/inner/memory.max": "max\n",
        },
    )
    headroom = memory_headroom(root)
    assert headroom is not None
    assert headroom.limit == GB
    assert "/sys/fs/cgroup/outer/memory.max" in headroom.source


def test_cgroup_v1_limit_is_read_and_its_no_limit_value_ignored(tmp_path: Path) -> None:
    files = {
        "proc/self/cgroup": "4:memory:/job\n2:cpu,cpuacct:/job\n",
        "sys/fs/cgroup/memory/job/memory.limit_in_bytes": f"{4 * GB}\n",
        "sys/fs/cgroup/memory/job/memory.usage_in_bytes": f"{GB}\n",
        "sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n",
    }
    headroom = memory_headroom(tree(tmp_path, files))
    assert headroom is not None
    assert (headroom.available, headroom.limit) == (3 * GB, 4 * GB)


def test_the_tightest_limit_wins(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {
            "proc/self/cgroup": "0::/job\n",
            "proc/meminfo": meminfo(1_000_000),
            "sys/fs/cgroup/cgroup.controllers": "memory\n",
            "sys/fs/cgroup/job/memory.max": f"{8 * GB}\n",
            "sys/fs/cgroup/job/memory.current": "0\n",
        },
    )
    headroom = memory_headroom(root)
    assert headroom is not None
    assert "MemAvailable" in headroom.source


def test_nothing_readable_means_no_known_limit(tmp_path: Path) -> None:
    assert memory_headroom(tmp_path) is None


def test_the_address_space_limit_counts_what_the_process_already_maps() -> None:
    script = (
        "import resource\n"
        "from pathlib import Path\n"
        "from lenskit.config._memory import _address_space, memory_headroom\n"
        "resource.setrlimit(resource.RLIMIT_AS, (6 * 10**9, resource.RLIM_INFINITY))\n"
        "a = _address_space(Path('/'))\n"
        "size = int(open('/proc/self/status').read().split('VmSize:')[1].split()[0]) * 1024\n"
        "print(a.limit, a.available, size, memory_headroom().available)\n"
        "print(a.source)\n"
    )
    numbers, source = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    ).stdout.splitlines()
    limit, available, size, tightest = map(int, numbers.split())
    assert source == "the address-space limit (RLIMIT_AS)"
    assert limit == 6 * 10**9
    assert 0 <= (limit - size) - available < 16 * 2**20
    assert tightest <= available
