"""The Ray runner: batch jobs as Ray tasks, on a local or remote cluster.

Built on `lenskit.parallel.ray`: the cluster comes from `ray_cluster` and
the tasks go through a `TaskLimiter`.  The fitted model goes into the
object store once (``ray.put``) and every task gets a reference to it plus
one chunk of users.  At most ``jobs`` tasks run at once, spread over the
cluster's nodes, and a bounded number of finished chunks wait for their
turn, so output is in input order with bounded memory.  Tasks whose worker
or node dies are retried by Ray; an error in scoring stops the run, and so
does losing the cluster's head node.  On any exit, tasks still pending are
cancelled and a cluster we started is shut down.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Generator, Iterable
from types import ModuleType
from typing import Any

import pyarrow as pa

from lenskit.batch.errors import BatchError
from lenskit.batch.plan import RunPlan
from lenskit.batch.runners.ray_cluster import import_ray, ray_cluster
from lenskit.batch.tasks import ChunkTask
from lenskit.parallel.ray import RayCluster, RayClusterError, TaskLimiter

MAX_RETRIES = 3
"""Times a chunk is retried after its worker process or node died (not after a scoring error)."""


class RayRunner:
    """Scores chunks as Ray tasks, *jobs* at a time.

    Args:
        plan: the run plan (jobs, cluster address, settings).
        window: chunks submitted or finished but not yet yielded
            (default ``4 * jobs``).
    """

    name = "ray"

    def __init__(self, plan: RunPlan, window: int | None = None) -> None:
        # Fail before any work when Ray is missing, with the install hint.
        import_ray(plan.ray_address)
        self.plan = plan
        self.jobs = plan.jobs
        self.window = max(window or 4 * plan.jobs, plan.jobs)

    def map(self, model: object, tasks: Iterable[ChunkTask]) -> Generator[pa.Table, None, None]:
        """Results for *tasks*, in order."""
        try:
            with ray_cluster(plan=self.plan) as cluster:
                yield from self._run(cluster, model, tasks)
        except RayClusterError as err:
            raise BatchError(str(err)) from err

    def _run(
        self, cluster: RayCluster, model: object, tasks: Iterable[ChunkTask]
    ) -> Generator[pa.Table, None, None]:
        ray = sys.modules["ray"]
        env = self.plan.settings.per_worker_env_vars()
        options: dict[str, Any] = {"scheduling_strategy": "SPREAD"}
        if any(cluster.job_env.get(k) != v for k, v in env.items()):
            # A connection made elsewhere: give our tasks the per-worker sizing.
            options["runtime_env"] = {"env_vars": env}
        remote = _remote(ray).options(**options)
        try:
            model_ref = ray.put(model)
        except TypeError as err:
            raise BatchError(
                f"cannot ship the {type(model).__name__} model to Ray workers: "
                f"it does not pickle ({err})"
            ) from err
        limiter = TaskLimiter(self.jobs)
        try:
            yield from limiter.imap(
                lambda task: remote.remote(model_ref, task), tasks, window=self.window
            )
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


@functools.cache
def _remote(ray: ModuleType) -> Any:
    """The remote form of `score_chunk`, made once per process."""
    from lenskit.batch.runners.ray_worker import score_chunk

    return ray.remote(max_retries=MAX_RETRIES, retry_exceptions=False)(score_chunk)
