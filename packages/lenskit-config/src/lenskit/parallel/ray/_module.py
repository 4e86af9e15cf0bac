"""Importing Ray only when it is used, configured first for where its cluster is.

Ray reads some switches once, when it is first imported, so they are set
here, before that import, and only where the user has not set them (also
when `lenskit.parallel.ray` itself is imported, for the address the
environment names, so that code importing it before ray gets them too):

- ``RAY_USAGE_STATS_ENABLED=0``: nothing is reported to Ray's servers.
- ``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` for a cluster on this machine:
  without it, Ray on Linux rewrites 127.0.0.1 to the machine's network
  address, so a cluster bound to loopback is never reached.
- ``RAY_ENABLE_UV_RUN_RUNTIME_ENV=0`` for a cluster on this machine: under
  ``uv run``, Ray would otherwise rebuild the project environment for every
  worker from a copy of the working folder; workers on this machine already
  run our interpreter.
- ``RAY_AUTH_MODE=token`` to attach to a cluster on this machine's loopback
  when Ray would find a token (`auth_token_available`): ``ray start`` turns
  token authentication on whenever a token exists, and Ray itself sends the
  token only when it finds a local cluster without being given an address.
  Never for a cluster elsewhere: the token would leave the machine.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from types import ModuleType

from lenskit.parallel.ray._address import auth_token_available, is_loopback, parse_address
from lenskit.parallel.ray._errors import RayClusterError, RayUnavailableError

LOOPBACK_SWITCH = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
"""The variable that keeps Ray on Linux from rewriting 127.0.0.1 (must be ``0``)."""

_ALWAYS = {"RAY_USAGE_STATS_ENABLED": "0"}
_ON_THIS_MACHINE = {LOOPBACK_SWITCH: "0", "RAY_ENABLE_UV_RUN_RUNTIME_ENV": "0"}


def ray_available() -> bool:
    """Whether Ray is installed (without importing it, which takes seconds)."""
    return importlib.util.find_spec("ray") is not None


def ray_active() -> bool:
    """Whether this process is connected to a Ray cluster (as driver or worker)."""
    ray = sys.modules.get("ray")
    return ray is not None and bool(ray.is_initialized())


def is_ray_worker() -> bool:
    """Whether this process is a Ray worker running tasks (not the driver)."""
    if not ray_active():
        return False
    ray = sys.modules["ray"]
    return ray.get_runtime_context().worker.mode == ray.WORKER_MODE


def on_this_machine(address: str | None) -> bool:
    """Whether a cluster at *address* runs here (None or ``"local"``: one we start)."""
    if address is None or address == "local":
        return True
    parsed = parse_address(address)
    return parsed is not None and is_loopback(parsed.host)


def prepare_environment(address: str | None) -> None:
    """Set Ray's switches for a cluster at *address*, unless ray is already imported.

    Only variables the user has not set are set.
    """
    if "ray" in sys.modules:
        return
    wanted = dict(_ALWAYS)
    if on_this_machine(address):
        wanted.update(_ON_THIS_MACHINE)
        if address not in (None, "local") and auth_token_available():
            wanted["RAY_AUTH_MODE"] = "token"
    for name, value in wanted.items():
        os.environ.setdefault(name, value)


def prepare_for_environment_address() -> None:
    """`prepare_environment` for the address the environment names, if it is a valid one.

    Run when `lenskit.parallel.ray` is imported, so that a script that
    imports it and then ray gets a Ray configured as LensKit needs.  Reads
    no file; an address from ``lenskit.toml`` is handled by `import_ray`.
    """
    address = os.environ.get("LK_RAY_ADDRESS") or os.environ.get("RAY_ADDRESS") or None
    try:
        prepare_environment(address)
    except RayClusterError:
        # A malformed address is reported when a cluster is asked for, not on import.
        return


def import_ray(address: str | None = None) -> ModuleType:
    """Import ray, configured for a cluster at *address* if this is the first import.

    Args:
        address: the cluster to be used; None (or ``"local"``) for a local
            cluster lenskit starts.

    Raises:
        RayUnavailableError: ray is not installed (says how to install it).
        RayClusterError: *address* is not a Ray address.
    """
    prepare_environment(address)
    try:
        import ray
    except ImportError as err:
        raise RayUnavailableError() from err
    return ray
