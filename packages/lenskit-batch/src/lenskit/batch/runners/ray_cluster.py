"""Connecting to Ray for a batch run: attach to a cluster, or start one on loopback.

Rules, in order:

1. If this process is already connected to Ray (the caller ran ``ray.init``,
   or an outer `ray_cluster` block is open), use that connection and leave it
   as it is afterwards.
2. If ``ray_address`` (``LK_RAY_ADDRESS``, ``lenskit.toml``) or
   ``RAY_ADDRESS`` names a cluster, attach to it, and only disconnect
   afterwards: a cluster we did not start is never stopped.
3. Otherwise start a private local cluster sized to the resolved CPU count,
   bound to 127.0.0.1 with no dashboard and no usage reporting, and shut it
   down afterwards.

Workers get `ParallelSettings.per_worker_env_vars()` as their job's
environment, so each one's Rayon and BLAS pools are sized to its share of
the CPUs.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType

from lenskit.batch.errors import BatchError, RayUnavailableError
from lenskit.batch.plan import RunPlan, plan_run

LOCAL_HOST = "127.0.0.1"

_LOCAL_RAY_ENV = {
    # Ray on Linux advertises (and binds) the machine's network address even when
    # asked for 127.0.0.1; this switch makes a single-node cluster use loopback,
    # as Ray itself does on macOS and Windows.  Read when ray is first imported.
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    # Under `uv run`, Ray would otherwise re-create the uv project for every worker
    # from a copy of the working folder; local workers already share our interpreter.
    "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0",
    "RAY_USAGE_STATS_ENABLED": "0",
}


@dataclass(frozen=True)
class RayCluster:
    """The Ray cluster a batch run uses.

    Attributes:
        address: the cluster's address (GCS ``host:port``).
        started: whether we started it (and will shut it down).
        attached: whether we connected to it (and will disconnect).
        job_env: environment every worker of our job gets.
        startup_seconds: time taken to start or connect (0 when reused).
        num_cpus: CPUs the cluster offers.
    """

    address: str
    started: bool
    attached: bool
    job_env: dict[str, str] = field(default_factory=dict)
    startup_seconds: float = 0.0
    num_cpus: int = 0


def import_ray(*, local: bool) -> ModuleType:
    """Import ray, configured for a private local cluster if *local*.

    Raises:
        RayUnavailableError: ray is not installed (says how to install it).
    """
    if local and "ray" not in sys.modules:
        for name, value in _LOCAL_RAY_ENV.items():
            os.environ.setdefault(name, value)
    try:
        import ray
    except ImportError as err:
        raise RayUnavailableError() from err
    return ray


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
    is shut down; one we attached to is only disconnected from.

    Args:
        n_jobs: batch jobs the workers are sized for (default from the settings).
        object_store_memory: bytes for a local cluster's object store
            (default: Ray's own choice).
        plan: an existing run plan (takes precedence over *n_jobs*).

    Raises:
        RayUnavailableError: ray is not installed.
        BatchError: a local cluster could not be bound to loopback.
    """
    plan = plan or plan_run(n_jobs, use_ray=True)
    address = plan.ray_address
    ray = import_ray(local=address is None)
    if ray.is_initialized():
        yield RayCluster(
            address=_current_address(ray),
            started=False,
            attached=False,
            job_env=_job_env(ray),
            num_cpus=int(ray.cluster_resources().get("CPU", 0)),
        )
        return

    env = plan.worker_env()
    begin = time.perf_counter()
    options: dict[str, object] = {
        "runtime_env": {"env_vars": env},
        "log_to_driver": False,
        "logging_level": logging.ERROR,
    }
    with _keeping_sigterm_handler():
        if address is None:
            context = ray.init(
                address="local",
                num_cpus=plan.settings.num_cpus,
                include_dashboard=False,
                object_store_memory=object_store_memory,
                _node_ip_address=LOCAL_HOST,
                **options,
            )
        else:
            context = ray.init(address=address, **options)
    try:
        if address is None:
            _check_loopback(context.address_info.get("node_ip_address"))
        info = RayCluster(
            address=_current_address(ray),
            started=address is None,
            attached=True,
            job_env=env,
            startup_seconds=time.perf_counter() - begin,
            num_cpus=int(ray.cluster_resources().get("CPU", 0)),
        )
        yield info
    finally:
        ray.shutdown()


@contextlib.contextmanager
def _keeping_sigterm_handler() -> Iterator[None]:
    """Keep a SIGTERM handler the program set across ``ray.init``.

    ``ray.init`` replaces it with one that calls ``sys.exit``, which would
    override, for instance, the ``lenskit`` command's clean stop on SIGTERM.
    A default handler is left to Ray's replacement, which at least unwinds.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = signal.getsignal(signal.SIGTERM)
    try:
        yield
    finally:
        if callable(handler):
            signal.signal(signal.SIGTERM, handler)


def _check_loopback(node_ip: object) -> None:
    if node_ip == LOCAL_HOST:
        return
    raise BatchError(
        f"the local Ray cluster came up on {node_ip}, not {LOCAL_HOST}, because ray was "
        "imported before lenskit could configure it; set "
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 before importing ray, or set ray_address "
        "to use a cluster you started yourself"
    )


def _current_address(ray: ModuleType) -> str:
    try:
        return str(ray.get_runtime_context().gcs_address)
    except Exception:
        return "unknown"


def _job_env(ray: ModuleType) -> dict[str, str]:
    """Environment variables the connected job already gives its workers."""
    try:
        runtime_env = ray.get_runtime_context().runtime_env
    except Exception:
        return {}
    env = runtime_env.get("env_vars") if runtime_env else None
    return dict(env or {})
