"""A Ray connection for batch runs, kept open across runs with `ray_cluster`.

Built on `lenskit.parallel.ray`, which decides which cluster (an address
from ``ray_address`` or ``RAY_ADDRESS``, else a private local cluster on
127.0.0.1) and how to reach it.  This module adds only what batch runs need:
an already open connection is reused and left open, a cluster we started is
stopped at the end, one we attached to is only disconnected from, and Ray
missing is reported with the batch package's install hint.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from lenskit.batch.errors import RayUnavailableError
from lenskit.batch.plan import RunPlan, plan_run
from lenskit.parallel import ray as lkray
from lenskit.parallel.ray import RayCluster


def import_ray(address: str | None) -> ModuleType:
    """Import ray, configured for a cluster at *address* (None: a local one).

    Raises:
        RayUnavailableError: ray is not installed (says how to install it).
    """
    try:
        return lkray.import_ray(address)
    except lkray.RayUnavailableError as err:
        raise RayUnavailableError() from err


@contextlib.contextmanager
def ray_cluster(
    n_jobs: int | None = None,
    *,
    object_store_memory: int | None = None,
    plan: RunPlan | None = None,
) -> Iterator[RayCluster]:
    """Keep a Ray connection open for the ``with`` block.

    Batch runs inside the block (``use_ray=True``) reuse it, so a session that
    makes many runs pays Ray's start-up once.  On exit, a cluster we started
    is shut down; one we attached to is only disconnected from; a connection
    that was already open is left as it is.

    Args:
        n_jobs: batch jobs the workers are sized for (default from the settings).
        object_store_memory: bytes for a local cluster's object store
            (default: Ray's own choice).
        plan: an existing run plan (takes precedence over *n_jobs*).

    Raises:
        RayUnavailableError: ray is not installed.
        lenskit.parallel.ray.RayClusterError: the cluster could not be started
            or reached, or refused us.
    """
    plan = plan or plan_run(n_jobs, use_ray=True)
    ray = import_ray(plan.ray_address)
    if ray.is_initialized():
        yield lkray.current_cluster()
        return
    options: dict[str, Any] = {}
    if plan.ray_address is None and object_store_memory is not None:
        options["object_store_memory"] = object_store_memory
    cluster = lkray.init_cluster(
        settings=plan.settings, address=plan.ray_address or "local", **options
    )
    try:
        yield cluster
    finally:
        ray.shutdown()


__all__ = ["RayCluster", "import_ray", "ray_cluster"]
