"""`ParallelSettings`: the one declaration of every parallelism knob, and the rules for defaults.

Defaults follow upstream LensKit's "Parallel Processing" guide, from the
CPU count N that `lenskit.parallel.effective_cpu_count` finds.
"""

from __future__ import annotations

import os
from typing import Annotated, ClassVar

from pydantic import Field, PrivateAttr
from pydantic_settings import SettingsConfigDict

from lenskit.config._fields import CpuCount, Derivation, Flag, OptionalText, ThreadCount
from lenskit.config._source import ValueSource
from lenskit.config._tracked import TrackedSettings
from lenskit.config._tree import leaves

BLAS_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Variables that size BLAS/OpenMP pools in a process that has not loaded them yet."""

USER_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""When the user set one of these, lenskit leaves BLAS pools alone."""

_MAX_DEFAULT_THREADS = 8
_MAX_DEFAULT_BACKEND_THREADS = 4


class ParallelSettings(TrackedSettings):
    """How many CPUs, threads, batch jobs and backend threads LensKit uses.

    Read from the ``[parallel]`` table of ``lenskit.toml`` / ``lenskit.local.toml``
    and from ``LK_*`` environment variables; unset counts are derived by
    `resolve_defaults`.  Counts that accept -1 take it to mean "all" (see each
    field).
    """

    model_config = SettingsConfigDict(env_prefix="LK_", extra="forbid", case_sensitive=True)
    toml_table: ClassVar[tuple[str, ...]] = ("parallel",)

    num_cpus: Annotated[
        CpuCount,
        Derivation("CPUs this process may use: affinity mask, cgroup quota, PYTHON_CPU_COUNT"),
    ] = Field(default=None, description="CPUs to plan for; the other defaults are derived from it.")
    num_threads: Annotated[ThreadCount, Derivation("min(N, 8)", minus_one="all N CPUs")] = Field(
        default=None, description="Threads for LensKit's own parallel work (the Rayon pool)."
    )
    num_batch_jobs: Annotated[
        ThreadCount,
        Derivation(
            "num_threads on free-threaded Python or with use_ray, else 1", minus_one="all N CPUs"
        ),
    ] = Field(default=None, description="Batch inference jobs run at once (threads or Ray tasks).")
    num_backend_threads: Annotated[
        ThreadCount,
        Derivation(
            "max(min(N // num_threads, 4), 1)",
            minus_one="leave BLAS, PyTorch and other backend pools untouched",
        ),
    ] = Field(default=None, description="Threads for compute backends: BLAS, PyTorch intra-op.")
    use_ray: Annotated[Flag, Derivation("false")] = Field(
        default=False, description="Run batch jobs as Ray tasks instead of threads."
    )
    ray_address: Annotated[OptionalText, Derivation("unset (a local Ray on 127.0.0.1)")] = Field(
        default=None, description="Address of an existing Ray cluster to use when use_ray is on."
    )

    _resolved: bool = PrivateAttr(default=False)

    def resolve_defaults(self) -> ParallelSettings:
        """A copy with every count a concrete positive number (or -1 backend threads).

        Each derived value records what it was derived from.  Resolving a
        resolved object returns it unchanged.
        """
        if self._resolved:
            return self
        from lenskit.parallel._cpus import cpu_facts
        from lenskit.parallel._gil import is_free_threaded

        sources = {name: self.source_of(name) for name in type(self).model_fields}

        if self.num_cpus is None:
            facts = cpu_facts()
            cpus = facts.effective
            sources["num_cpus"] = ValueSource("derived", facts.limited_by)
        else:
            cpus = self.num_cpus
        per_cpus = f"{cpus} CPUs"

        threads = self.num_threads
        if threads is None:
            threads = min(cpus, _MAX_DEFAULT_THREADS)
            sources["num_threads"] = ValueSource("derived", per_cpus)
        elif threads == -1:
            threads = cpus
            sources["num_threads"] = _with_note(sources["num_threads"], f"-1 = all {cpus} CPUs")

        backend = self.num_backend_threads
        if backend is None:
            backend = max(min(cpus // threads, _MAX_DEFAULT_BACKEND_THREADS), 1)
            sources["num_backend_threads"] = ValueSource(
                "derived", f"{cpus} CPUs // {threads} threads"
            )
        elif backend == -1:
            sources["num_backend_threads"] = _with_note(
                sources["num_backend_threads"], "-1 = leave backend pools alone"
            )

        jobs = self.num_batch_jobs
        if jobs is None:
            if is_free_threaded(require_active=True):
                jobs, why = threads, "num_threads on free-threaded Python"
            elif self.use_ray:
                jobs, why = threads, "num_threads with use_ray"
            else:
                jobs, why = 1, "GIL-enabled Python without Ray"
            sources["num_batch_jobs"] = ValueSource("derived", why)
        elif jobs == -1:
            jobs = cpus
            sources["num_batch_jobs"] = _with_note(sources["num_batch_jobs"], f"-1 = {cpus} CPUs")

        resolved = self.model_copy(
            update={
                "num_cpus": cpus,
                "num_threads": threads,
                "num_backend_threads": backend,
                "num_batch_jobs": jobs,
            }
        )
        resolved._sources = sources
        resolved._resolved = True
        return resolved

    @property
    def is_resolved(self) -> bool:
        """Whether every count is concrete (this came from `resolve_defaults`)."""
        return self._resolved

    @property
    def total_threads(self) -> int:
        """Threads all layers may run at once: batch jobs x (threads + backend threads).

        Backend pools left alone (-1) are counted at their usual size, one
        thread per CPU.
        """
        r = self.resolve_defaults()
        assert r.num_batch_jobs and r.num_threads and r.num_cpus and r.num_backend_threads
        backend = r.num_cpus if r.num_backend_threads == -1 else r.num_backend_threads
        return r.num_batch_jobs * (r.num_threads + backend)

    def env_vars(self, per_worker: bool = False) -> dict[str, str]:
        """Environment for a child process or Ray worker, so its pools come out right.

        Gives every ``LK_*`` setting (resolved) plus the BLAS/OpenMP thread
        variables; a BLAS variable the user set is passed through unchanged.
        With *per_worker*, the values for one of ``num_batch_jobs`` workers,
        which share the CPUs: each gets ``num_cpus // num_batch_jobs`` CPUs
        (at least 1) for its threads and backend pools, runs one job, and does
        not start Ray itself.
        """
        r = self.resolve_defaults()
        assert r.num_batch_jobs and r.num_threads and r.num_cpus and r.num_backend_threads
        values: dict[str, object] = {name: getattr(r, name) for name in type(r).model_fields}
        if per_worker:
            share = max(1, r.num_cpus // r.num_batch_jobs)
            backend = r.num_backend_threads
            values.update(
                num_cpus=share,
                num_threads=min(r.num_threads, share),
                num_batch_jobs=1,
                num_backend_threads=backend if backend == -1 else min(backend, share),
                use_ray=False,
                ray_address=None,
            )
        env: dict[str, str] = {}
        for leaf in leaves(type(r)):
            value = values[leaf.name]
            if value is not None:
                env[leaf.env_var] = _env_text(value)
        backend_threads = values["num_backend_threads"]
        for var in BLAS_THREAD_VARS:
            if var in os.environ:
                env[var] = os.environ[var]
            elif backend_threads != -1:
                env[var] = str(backend_threads)
        return env


def _with_note(source: ValueSource, note: str) -> ValueSource:
    return ValueSource(source.kind, source.detail, note)


def _env_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
