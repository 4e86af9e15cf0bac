"""Deciding how a batch run executes: which runner, how many jobs, and why.

Arguments override settings; otherwise the resolved `ParallelSettings`
decide (``num_batch_jobs``, ``use_ray``, ``ray_address``, ``num_threads``).
The plan keeps the reason for each choice, so ``lenskit recommend`` can
print where its parallelism came from.

Besides the runner, the plan decides how each job scores its chunk: on the
model's Rayon pool (``num_threads`` threads, shared by every job in this
process) or on the job's own thread.  With one job the pool is what puts
every core to work; with several, sharing it keeps the threads that
compute at ``num_threads`` however many jobs there are.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from lenskit.config import ParallelSettings

RunnerKind = Literal["sequential", "threads", "ray"]


@dataclass(frozen=True)
class RunPlan:
    """How one batch run is executed.

    Attributes:
        runner: ``"sequential"``, ``"threads"`` or ``"ray"``.
        jobs: batch jobs run at once (threads, or Ray tasks).
        jobs_source: why that many jobs (a phrase such as ``"argument n_jobs"``).
        runner_source: why this runner.
        ray_address: the Ray cluster to attach to; None starts a local one.
        settings: the resolved settings for this run (arguments applied).
        pool_scoring: whether each job hands its chunk to the model's Rayon
            path (``parallel=True``) rather than scoring it on its own thread.
        pool_threads: threads of the Rayon pool the jobs score on (each Ray
            worker's own pool for the Ray runner).
        scoring_source: why the chunks are scored that way.
    """

    runner: RunnerKind
    jobs: int
    jobs_source: str
    runner_source: str
    ray_address: str | None
    settings: ParallelSettings
    pool_scoring: bool = False
    pool_threads: int = 1
    scoring_source: str = "not planned"

    def describe(self) -> str:
        """One line for logs and the CLI summary."""
        jobs = "1 job" if self.jobs == 1 else f"{self.jobs} jobs"
        text = f"{self.runner} runner, {jobs}"
        if self.runner == "ray":
            text += f" on {self.ray_address or 'a local cluster (127.0.0.1)'}"
        return text

    def describe_scoring(self) -> str:
        """One line: where each chunk is scored, and why."""
        if self.pool_scoring:
            where = f"on the Rayon pool ({_threads(self.pool_threads)})"
        else:
            where = "on the job's own thread"
        return f"each chunk {where}: {self.scoring_source}"


def plan_run(
    n_jobs: int | None = None,
    use_ray: bool | None = None,
    *,
    settings: ParallelSettings | None = None,
) -> RunPlan:
    """The plan for a run, from arguments and the settings.

    Runs `lenskit.parallel.ensure_parallel_init` first, so pools are sized
    before any work starts.

    Args:
        n_jobs: batch jobs; -1 means one per CPU; None takes ``num_batch_jobs``.
        use_ray: run on Ray; None takes ``use_ray``.
        settings: the settings to plan with (default: those in force,
            `lenskit.parallel.get_parallel_config`).

    Raises:
        ValueError: *n_jobs* is 0 or below -1.
        lenskit.config.ConfigError: *n_jobs* is above the 1024 any count may be.
    """
    from lenskit.parallel import get_parallel_config

    in_force = get_parallel_config()
    settings = in_force if settings is None else settings.resolve_defaults()
    arguments: dict[str, object] = {}
    if use_ray is not None:
        arguments["use_ray"] = use_ray
    if n_jobs is not None:
        if n_jobs == 0 or n_jobs < -1:
            raise ValueError(f"n_jobs must be a positive number or -1 (all CPUs), not {n_jobs}")
        arguments["num_batch_jobs"] = n_jobs
    if arguments:
        # The resolver derives again what followed from the old values (Ray's job count).
        settings = settings.overridden({"num_batch_jobs": "n_jobs"}, **arguments)
    ray = settings.use_ray
    runner_source = f"use_ray: {settings.source_of('use_ray')}"
    jobs = settings.num_batch_jobs
    jobs_source = str(settings.source_of("num_batch_jobs"))

    if ray:
        kind: RunnerKind = "ray"
    elif jobs == 1:
        kind = "sequential"
        runner_source = "one batch job"
    else:
        kind = "threads"
        runner_source = f"{jobs} batch jobs without Ray"

    address = settings.ray_address or os.environ.get("RAY_ADDRESS") or None
    pool_threads, pool_scoring, scoring_source = _scoring(kind, jobs, settings)
    return RunPlan(
        runner=kind,
        jobs=jobs,
        jobs_source=jobs_source,
        runner_source=runner_source,
        ray_address=address if ray else None,
        settings=settings,
        pool_scoring=pool_scoring,
        pool_threads=pool_threads,
        scoring_source=scoring_source,
    )


def _scoring(kind: RunnerKind, jobs: int, settings: ParallelSettings) -> tuple[int, bool, str]:
    """The pool the jobs score on, whether they use it, and why.

    In this process every job shares the one Rayon pool of ``num_threads``
    threads, so scoring on it never runs more threads than that, whatever
    the job count.  A Ray worker has a pool of its own, sized for its share
    of the CPUs as `ParallelSettings.per_worker_env_vars` gives it.
    """
    threads = settings.num_threads or 1
    if kind == "ray":
        worker = int(settings.per_worker_env_vars()["LK_NUM_THREADS"])
        if worker == 1:
            return 1, False, "each Ray worker's pool has one thread (its share of the CPUs)"
        return (
            worker,
            True,
            "each Ray worker has a pool of its own, sized for its share of the CPUs",
        )
    if threads == 1:
        why = "the Rayon pool has one thread (num_threads = 1)"
        if kind == "threads":
            why += f", so each of the {jobs} jobs scores on its own"
        return 1, False, why
    if kind == "sequential":
        return threads, True, "with one batch job, the pool is what puts every thread to work"
    return threads, True, f"the {jobs} batch jobs share it, so at most num_threads threads compute"


def _threads(n: int) -> str:
    return "1 thread" if n == 1 else f"{n} threads"
