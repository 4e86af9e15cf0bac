"""The facts defaults are derived from: how many CPUs this process may use, and the GIL.

``os.cpu_count()`` counts the machine: in a container limited to 2 CPUs on a
64-core host, a tool that trusts it starts 64 threads.  We take the minimum of
the affinity mask, the cgroup CPU quota (rounded up) and ``PYTHON_CPU_COUNT``;
the ``num_cpus`` setting (``LK_NUM_CPUS``) overrides the result when resolving.
"""

from __future__ import annotations

import math
import os
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from lenskit.config._cgroup import CgroupQuota, read_cgroup_quota
from lenskit.config._errors import ConfigError, bad_value
from lenskit.config._values import parse_integer

_PYTHON_CPU_COUNT = "a positive integer or 'default'"


@dataclass(frozen=True)
class CpuFacts:
    """Each CPU limit this process is under, and the count that results.

    ``effective`` is the smallest limit; ``limited_by`` names it.  ``notes``
    lists cgroup files that could not be read.
    """

    logical: int | None
    affinity: int | None
    cgroup: CgroupQuota | None
    python_cpu_count: int | None
    effective: int
    limited_by: str
    notes: tuple[str, ...] = ()

    @property
    def cgroup_cpus(self) -> int | None:
        """The cgroup quota as whole CPUs, rounded up (1.5 CPUs of quota keep 2 threads busy)."""
        return None if self.cgroup is None else max(1, math.ceil(self.cgroup.cpus))


def _python_cpu_count() -> int | None:
    raw = os.environ.get("PYTHON_CPU_COUNT")
    if raw is None or raw.strip().lower() == "default":
        return None
    try:
        value = parse_integer(raw)
    except ValueError:
        value = 0
    if value < 1:
        message = bad_value("PYTHON_CPU_COUNT", raw, "environment", f"expected {_PYTHON_CPU_COUNT}")
        raise ConfigError(message)
    return value


def cpu_facts(root: Path | str = "/") -> CpuFacts:
    """Read every CPU limit; *root* relocates ``/proc`` and ``/sys`` (for tests)."""
    python_count = _python_cpu_count()
    logical = os.cpu_count()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    quota, notes = read_cgroup_quota(Path(root))

    candidates: list[tuple[int, str]] = []
    if python_count is not None:
        candidates.append((python_count, "PYTHON_CPU_COUNT"))
    if quota is not None:
        kind = "cgroup v2 CPU quota" if quota.version == 2 else "cgroup v1 CFS quota"
        candidates.append((max(1, math.ceil(quota.cpus)), kind))
    if affinity is not None:
        candidates.append((affinity, "affinity mask"))
    else:
        candidates.append((logical or 1, "os.cpu_count()"))
    effective, limited_by = min(candidates, key=lambda c: c[0])
    return CpuFacts(logical, affinity, quota, python_count, effective, limited_by, tuple(notes))


def effective_cpu_count() -> int:
    """The number of CPUs this process may use: affinity mask, cgroup quota, PYTHON_CPU_COUNT."""
    return cpu_facts().effective


def is_free_threaded(*, require_active: bool = False) -> bool:
    """Whether this interpreter is a free-threaded build (3.13t and later).

    With *require_active*, also require the GIL to be disabled right now: a
    free-threaded build re-enables it when ``PYTHON_GIL=1`` is set or an
    extension module that needs it is imported.
    """
    if not sysconfig.get_config_var("Py_GIL_DISABLED"):
        return False
    if not require_active:
        return True
    gil_enabled = getattr(sys, "_is_gil_enabled", None)
    return gil_enabled is not None and not gil_enabled()
