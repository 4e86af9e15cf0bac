"""Explain settings that oversubscribe or waste the CPUs, as plain sentences."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from lenskit.config._machine import CpuFacts, cpu_facts, is_free_threaded
from lenskit.config._resolve import resolved_copy
from lenskit.parallel._gil import find_gil_enabling_module

if TYPE_CHECKING:
    from lenskit.config import ParallelSettings

FAR_ABOVE = 4
"""A thread count more than this many times the CPUs available is warned about everywhere."""

# The counts whose product can oversubscribe; derived values follow upstream's rules, which
# assume kernels inside batch jobs run on the job's own thread.
_COUNTS = ("num_batch_jobs", "num_threads", "num_backend_threads")


def far_above_cpus(settings: ParallelSettings, cpus: CpuFacts | None = None) -> list[str]:
    """Counts of threads in this process far above the CPUs it may use (Ray jobs excepted).

    Such threads only wait their turn, and thousands of them make a fit
    hundreds of times slower; `ensure_parallel_init` warns on every entry point.
    """
    r = resolved_copy(settings)
    available = (cpus or cpu_facts()).effective
    counts = ["num_threads", "num_backend_threads"] + ([] if r.use_ray else ["num_batch_jobs"])
    over = [name for name in counts if getattr(r, name) > FAR_ABOVE * available]
    # A derived count is only too high because a chosen one is (batch jobs follow num_threads
    # on free-threaded Python): name the chosen one alone, so one mistake gives one line.
    chosen = [name for name in over if r.source_of(name).kind != "derived"]
    return [
        f"{name} = {getattr(r, name)} ({r.source_of(name)}) is far above the {available} CPUs "
        f"this process may use (more than {FAR_ABOVE} x); the extra threads only wait their "
        f"turn: lower it or leave it at 0 to derive it"
        for name in chosen or over
    ]


def parallel_warnings(
    settings: ParallelSettings | None = None, *, cpus: CpuFacts | None = None
) -> list[str]:
    """Problems with *settings* (default: those in force) on these CPUs.

    Checks: counts far above the CPUs; more threads than CPUs when some count
    was chosen rather than derived (allowing each batch job's own thread,
    which mostly waits while its pools work); several batch jobs on a Python
    with the GIL and without Ray; a cgroup quota below the affinity mask; a
    free-threaded build whose GIL was turned back on; and a ``num_cpus`` above
    what the process may use.
    """
    if settings is None:
        from lenskit.config import lenskit_config

        settings = lenskit_config().parallel
    cpus = cpus or cpu_facts()
    r = resolved_copy(settings)
    found = far_above_cpus(r, cpus)

    total = r.peak_threads
    chosen = [name for name in _COUNTS if r.source_of(name).kind != "derived"]
    if chosen and total - r.num_batch_jobs > r.num_cpus:
        backend = (
            "left alone (~1 per CPU)" if r.num_backend_threads == -1 else r.num_backend_threads
        )
        found.append(
            f"oversubscribed: up to {total} threads (num_batch_jobs {r.num_batch_jobs} x "
            f"(num_threads {r.num_threads} + num_backend_threads {backend})) on {r.num_cpus} CPUs, "
            f"from the values set for {', '.join(chosen)}; lower num_threads, "
            "num_backend_threads or num_batch_jobs"
        )

    if r.num_batch_jobs > 1 and not r.use_ray and not is_free_threaded(require_active=True):
        found.append(
            f"num_batch_jobs = {r.num_batch_jobs} ({r.source_of('num_batch_jobs')}) on a Python "
            "with the GIL and without Ray: the jobs take turns on one interpreter lock for "
            "their Python work; set use_ray = true, run a free-threaded Python, or use 1 job"
        )

    quota = cpus.cgroup_cpus
    if quota is not None and cpus.affinity is not None and quota < cpus.affinity:
        assert cpus.cgroup is not None
        found.append(
            f"the cgroup CPU quota ({cpus.cgroup.cpus:g} CPUs, {cpus.cgroup.file}) is smaller than "
            f"the affinity mask ({cpus.affinity} CPUs): tools that trust os.cpu_count() start "
            f"too many threads here; lenskit plans for {quota}"
        )

    if is_free_threaded() and not is_free_threaded(require_active=True):
        if os.environ.get("PYTHON_GIL", "").strip() == "1":
            cause = "PYTHON_GIL=1 is set"
        else:
            culprit = find_gil_enabling_module()
            cause = (
                f"importing {culprit} turned it back on: it does not declare free-threading support"
                if culprit
                else "an extension module that does not declare free-threading support was imported"
            )
        found.append(
            f"this is a free-threaded Python but the GIL is enabled ({cause}): "
            "threads run Python code one at a time"
        )

    source = r.source_of("num_cpus")
    if source.kind != "derived" and r.num_cpus > cpus.effective:
        found.append(
            f"num_cpus = {r.num_cpus} ({source}) is more than the {cpus.effective} CPUs this "
            f"process may use ({cpus.limited_by})"
        )
    return found
