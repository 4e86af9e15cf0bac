"""Starting, attaching to and describing the Ray cluster LensKit work runs on.

Which cluster, in order:

1. ``address=`` given to `init_cluster`, else ``ray_address`` from the
   settings (``LK_RAY_ADDRESS``, ``lenskit.toml``), else Ray's own
   ``RAY_ADDRESS``: attach to that cluster.  It is never stopped by us;
   ``ray.shutdown()`` only disconnects.
2. Otherwise start a local cluster sized to the resolved CPU count, bound to
   127.0.0.1, with no dashboard; ``ray.shutdown()`` stops it.

Attaching checks first that the head's port answers, and waits at most
`ATTACH_TIMEOUT` seconds for Ray, so an unreachable or refusing cluster
gives one line naming the address and the cause.  For a head on this
machine's loopback, Ray's token authentication (on by default for
``ray start`` since Ray 2.52 whenever a token exists) is switched on in this
process when a token is available, as Ray itself does when it finds a local
cluster without being given an address (see `import_ray`).

Every worker of our job gets the settings' ``per_worker_env_vars()``, so
each sizes its thread pools to its share of the CPUs.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from lenskit.parallel.ray._address import (
    LOCAL_HOST,
    check_reachable,
    parse_address,
)
from lenskit.parallel.ray._connect import ATTACH_TIMEOUT, call_ray_init, start_ray
from lenskit.parallel.ray._errors import RayClusterError
from lenskit.parallel.ray._module import LOOPBACK_SWITCH, import_ray, ray_active

if TYPE_CHECKING:
    from lenskit.config import ParallelSettings


@dataclass(frozen=True)
class RayCluster:
    """The Ray cluster this process is connected to.

    Attributes:
        address: the cluster's GCS address (``host:port``).
        started: whether we started it (``ray.shutdown()`` stops it).
        attached: whether we made this connection (False: it was already open).
        job_env: environment every worker of this job gets.
        startup_seconds: time taken to start or attach (0 when already open).
        num_cpus: CPUs the cluster offers.
    """

    address: str
    started: bool
    attached: bool
    job_env: dict[str, str] = field(default_factory=dict)
    startup_seconds: float = 0.0
    num_cpus: int = 0


def init_cluster(
    *,
    num_cpus: int | None = None,
    resources: dict[str, float] | None = None,
    global_logging: bool = False,
    settings: ParallelSettings | None = None,
    timeout: float | None = None,
    **kwargs: Any,
) -> RayCluster:
    """Start a local Ray cluster or attach to an existing one, with LensKit's options.

    Args:
        num_cpus: CPUs for a local cluster (default: the resolved ``num_cpus``).
        resources: extra custom resources for a local cluster.
        global_logging: set each worker up (`init_worker`) when it starts,
            not only when a task calls it.
        settings: the settings workers are sized from (default:
            `lenskit.parallel.get_parallel_config`).
        timeout: seconds to wait for an existing cluster to accept us
            (default `ATTACH_TIMEOUT`); starting a local cluster is bounded
            by Ray's own start-up limits.
        kwargs: other arguments for ``ray.init`` (``address`` picks the cluster).

    Raises:
        RayUnavailableError: ray is not installed.
        RayClusterError: the cluster could not be started or reached, or
            refused us (one line naming the address and the cause).
        ValueError: *num_cpus* or *resources* given for an existing cluster.
    """
    if settings is None:
        from lenskit.parallel import get_parallel_config

        settings = get_parallel_config()
    address = kwargs.pop("address", None) or settings.ray_address or os.environ.get("RAY_ADDRESS")
    runtime_env = _runtime_env(
        kwargs.get("runtime_env"), settings.per_worker_env_vars(), global_logging
    )
    options: dict[str, Any] = {
        "log_to_driver": False,
        "logging_level": logging.ERROR,
        **kwargs,
        "runtime_env": runtime_env,
    }
    begin = time.perf_counter()
    if address is None or address == "local":
        ray = import_ray(None)
        _start_local(ray, options, num_cpus or settings.num_cpus, resources)
    else:
        if num_cpus is not None or resources is not None:
            raise ValueError(
                f"num_cpus and resources apply to a cluster LensKit starts, not to the "
                f"existing cluster at {address}"
            )
        ray = import_ray(address)
        _attach(ray, address, options, timeout)
    return _describe(
        ray,
        started=address in (None, "local"),
        attached=True,
        job_env=runtime_env["env_vars"],
        startup_seconds=time.perf_counter() - begin,
    )


def ensure_cluster() -> RayCluster:
    """The cluster this process is connected to; if none, `init_cluster` starts or attaches one."""
    if ray_active():
        return current_cluster()
    return init_cluster(global_logging=True)


def current_cluster() -> RayCluster:
    """The cluster this process is already connected to (made elsewhere, or earlier).

    Raises:
        RayClusterError: this process is not connected to Ray.
    """
    if not ray_active():
        raise RayClusterError("this process is not connected to a Ray cluster")
    ray = sys.modules["ray"]
    return _describe(ray, started=False, attached=False, job_env=_job_env(ray), startup_seconds=0.0)


def init_worker(*, autostart: bool = True) -> ParallelSettings:
    """Set up this Ray worker for LensKit work: size its thread pools from its environment.

    Args:
        autostart: accepted for LensKit compatibility; there is no logging
            context to start.

    Returns:
        The parallel settings in force in this worker.
    """
    from lenskit.parallel import get_parallel_config

    return get_parallel_config()


def _setup_worker() -> None:
    """Ray's worker start-up hook with ``global_logging``."""
    init_worker()


def _runtime_env(
    given: Mapping[str, Any] | None, env: dict[str, str], global_logging: bool
) -> dict[str, Any]:
    runtime_env = dict(given or {})
    # Variables the caller gave win over the sizing ones.
    runtime_env["env_vars"] = {**env, **dict(runtime_env.get("env_vars") or {})}
    if global_logging:
        runtime_env.setdefault("worker_process_setup_hook", _setup_worker)
    return runtime_env


def _start_local(
    ray: ModuleType,
    options: dict[str, Any],
    num_cpus: int | None,
    resources: dict[str, float] | None,
) -> None:
    options = {"include_dashboard": False, **options}
    context = start_ray(
        ray,
        what="start a local Ray cluster",
        address="local",
        num_cpus=num_cpus,
        resources=resources,
        _node_ip_address=LOCAL_HOST,
        **options,
    )
    node_ip = context.address_info.get("node_ip_address")
    if node_ip != LOCAL_HOST:
        ray.shutdown()
        raise RayClusterError(
            f"the local Ray cluster came up on {node_ip}, not {LOCAL_HOST}, because ray was "
            f"imported before LensKit could configure it; set {LOOPBACK_SWITCH}=0 before "
            "importing ray, or set ray_address to use a cluster you started yourself"
        )


def _attach(ray: ModuleType, address: str, options: dict[str, Any], timeout: float | None) -> None:
    parsed = parse_address(address)
    # "auto" and ray:// client addresses (parsed is None) are left to Ray, with our deadline.
    if parsed is not None:
        if parsed.loopback and os.environ.get(LOOPBACK_SWITCH) != "0":
            raise RayClusterError(
                f"cannot attach to the Ray cluster at {address}: Ray would rewrite the "
                f"loopback address to this machine's network address, because "
                f"{LOOPBACK_SWITCH} was not 0 when ray was imported; set it to 0 before "
                "importing ray"
            )
        check_reachable(parsed)
    call_ray_init(
        ray,
        what=f"attach to the Ray cluster at {address}",
        timeout=timeout or ATTACH_TIMEOUT,
        address=address,
        **options,
    )


def _describe(
    ray: ModuleType,
    *,
    started: bool,
    attached: bool,
    job_env: dict[str, str],
    startup_seconds: float,
) -> RayCluster:
    return RayCluster(
        address=_gcs_address(ray),
        started=started,
        attached=attached,
        job_env=job_env,
        startup_seconds=startup_seconds,
        num_cpus=int(ray.cluster_resources().get("CPU", 0)),
    )


def _gcs_address(ray: ModuleType) -> str:
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
