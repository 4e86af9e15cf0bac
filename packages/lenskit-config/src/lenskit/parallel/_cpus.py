"""How many CPUs this process may really use.

``os.cpu_count()`` counts the machine: in a container limited to 2 CPUs on a
64-core host, a tool that trusts it starts 64 threads.  We take the minimum of
the affinity mask, the cgroup CPU quota (rounded up) and ``PYTHON_CPU_COUNT``;
``LK_NUM_CPUS`` overrides them all.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from lenskit.config._errors import ConfigError, bad_value
from lenskit.config._values import POSITIVE_INT, parse_positive_int
from lenskit.parallel._cgroup import CgroupQuota, read_cgroup_quota


@dataclass(frozen=True)
class CpuFacts:
    """Each CPU limit this process is under, and the count that results.

    ``detected`` is the minimum of the limits found; ``effective`` is that or
    the ``LK_NUM_CPUS`` override.  ``limited_by`` names what set ``effective``.
    ``notes`` lists cgroup files that could not be read.
    """

    logical: int | None
    affinity: int | None
    cgroup: CgroupQuota | None
    python_cpu_count: int | None
    override: int | None
    detected: int
    effective: int
    limited_by: str
    notes: tuple[str, ...] = ()

    @property
    def cgroup_cpus(self) -> int | None:
        """The cgroup quota as whole CPUs, rounded up (1.5 CPUs of quota keep 2 threads busy)."""
        return None if self.cgroup is None else max(1, math.ceil(self.cgroup.cpus))


def _env_count(name: str, allowed: str, *, default_word: str | None = None) -> int | None:
    raw = os.environ.get(name)
    if raw is None or (default_word is not None and raw.strip().lower() == default_word):
        return None
    try:
        return parse_positive_int(raw)
    except ValueError:
        raise ConfigError(bad_value(name, raw, "environment", f"expected {allowed}")) from None


def cpu_facts(root: Path | str = "/") -> CpuFacts:
    """Read every CPU limit; *root* relocates ``/proc`` and ``/sys`` (for tests)."""
    root = Path(root)
    override = _env_count("LK_NUM_CPUS", POSITIVE_INT)
    python_count = _env_count(
        "PYTHON_CPU_COUNT", f"{POSITIVE_INT} or 'default'", default_word="default"
    )
    logical = os.cpu_count()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    quota, notes = read_cgroup_quota(root)
    quota_cpus = None if quota is None else max(1, math.ceil(quota.cpus))

    base, base_name = (
        (affinity, "affinity mask") if affinity is not None else (logical or 1, "os.cpu_count()")
    )
    candidates: list[tuple[int, str]] = []
    if python_count is not None:
        candidates.append((python_count, "PYTHON_CPU_COUNT"))
    if quota is not None and quota_cpus is not None:
        kind = "cgroup v2 CPU quota" if quota.version == 2 else "cgroup v1 CFS quota"
        candidates.append((quota_cpus, kind))
    candidates.append((base, base_name))
    detected, limited_by = min(candidates, key=lambda c: c[0])

    if override is not None:
        effective, limited_by = override, "LK_NUM_CPUS"
    else:
        effective = detected
    return CpuFacts(
        logical=logical,
        affinity=affinity,
        cgroup=quota,
        python_cpu_count=python_count,
        override=override,
        detected=detected,
        effective=effective,
        limited_by=limited_by,
        notes=tuple(notes),
    )


def effective_cpu_count(root: Path | str = "/") -> int:
    """The number of CPUs this process may use (see the module docstring for the rules)."""
    return cpu_facts(root).effective
