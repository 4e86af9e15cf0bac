"""The Ray runner: batch jobs as Ray tasks, on a local or remote cluster.

The fitted model goes into the object store once (``ray.put``) and every
task gets a reference to it plus one chunk of users.  At most ``jobs``
tasks run at once and a bounded number of finished chunks wait for their
turn, so output is in input order with bounded memory.  Tasks whose worker
dies are retried by Ray; an error in scoring stops the run.  On any exit,
tasks still running are cancelled and a cluster we started is shut down.
"""

from __future__ import annotations

import functools
from collections.abc import Generator, Iterable
from types import ModuleType
from typing import Any

import pyarrow as pa

from lenskit.batch.errors import BatchError
from lenskit.batch.plan import RunPlan
from lenskit.batch.runners.ray_cluster import RayCluster, import_ray, ray_cluster
from lenskit.batch.tasks import ChunkTask

MAX_RETRIES = 3
"""Times a chunk is retried after its worker process died (not after a scoring error)."""

_POLL_SECONDS = 0.25


class RayRunner:
    """Scores chunks as Ray tasks, *jobs* at a time.

    Args:
        plan: the run plan (jobs, cluster address, worker environment).
        window: chunks submitted or finished but not yet yielded
            (default ``4 * jobs``).
    """

    name = "ray"

    def __init__(self, plan: RunPlan, window: int | None = None) -> None:
        # Fail before any work when Ray is missing, with the install hint.
        import_ray(local=plan.ray_address is None)
        self.plan = plan
        self.jobs = plan.jobs
        self.window = max(window or 4 * plan.jobs, plan.jobs)

    def map(self, model: object, tasks: Iterable[ChunkTask]) -> Generator[pa.Table, None, None]:
        """Results for *tasks*, in order."""
        with ray_cluster(plan=self.plan) as cluster:
            ray = import_ray(local=cluster.started)
            yield from self._run(ray, cluster, model, tasks)

    def _run(
        self, ray: ModuleType, cluster: RayCluster, model: object, tasks: Iterable[ChunkTask]
    ) -> Generator[pa.Table, None, None]:
        remote = _remote(ray)
        env = self.plan.worker_env()
        if any(cluster.job_env.get(k) != v for k, v in env.items()):
            # A connection made elsewhere: give our tasks the per-worker sizing.
            remote = remote.options(runtime_env={"env_vars": env})
        try:
            model_ref = ray.put(model)
        except TypeError as err:
            raise BatchError(
                f"cannot ship the {type(model).__name__} model to Ray workers: "
                f"it does not pickle ({err})"
            ) from err
        source = iter(tasks)
        running: dict[Any, int] = {}
        finished: dict[int, pa.Table] = {}
        submitted = next_out = 0
        exhausted = False
        try:
            while True:
                while (
                    not exhausted
                    and len(running) < self.jobs
                    and submitted - next_out < self.window
                ):
                    task = next(source, None)
                    if task is None:
                        exhausted = True
                        break
                    running[remote.remote(model_ref, task)] = submitted
                    submitted += 1
                if next_out in finished:
                    yield finished.pop(next_out)
                    next_out += 1
                    continue
                if not running:
                    break
                ready, _ = ray.wait(list(running), num_returns=1, timeout=_POLL_SECONDS)
                for ref in ready:
                    finished[running.pop(ref)] = _get(ray, ref)
        finally:
            for ref in running:
                ray.cancel(ref, force=True)


@functools.cache
def _remote(ray: ModuleType) -> Any:
    """The remote form of `score_chunk`, made once per process."""
    from lenskit.batch.runners.ray_worker import score_chunk

    return ray.remote(max_retries=MAX_RETRIES, retry_exceptions=False)(score_chunk)


def _get(ray: ModuleType, ref: Any) -> pa.Table:
    """A finished task's table, with Ray's wrapping removed from errors."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as err:
        cause = err.cause
        if isinstance(cause, BatchError):
            raise cause from None
        raise BatchError(f"a Ray batch task failed: {err}") from err
    except ray.exceptions.RayError as err:
        raise BatchError(
            f"a Ray batch task could not finish ({type(err).__name__}), "
            f"even after {MAX_RETRIES} retries: {err}"
        ) from err
