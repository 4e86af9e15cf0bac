"""Apply the parallel settings to every thread pool, once per process.

Pools (BLAS, PyTorch, Rayon) are sized once: Rayon's global pool cannot be
resized, and resizing BLAS under running work is a race.  So the first call
applies, concurrent first calls wait for it, and a later call asking for
different sizes warns rather than silently doing nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lenskit.config import ConfigError, lenskit_config
from lenskit.config._resolve import USER_BLAS_VARS, export_blas_threads, user_blas_env
from lenskit.parallel._backends import load_backends
from lenskit.parallel._diagnose import far_above_cpus

if TYPE_CHECKING:
    from lenskit.config import ParallelSettings


class ParallelInitWarning(RuntimeWarning):
    """Parallelism was already initialised with other settings, a count is far above the
    CPUs, or a pool could not be sized."""


@dataclass
class _State:
    applied: ParallelSettings | None = None
    applying: bool = False


_lock = threading.RLock()
_state = _State()


def ensure_parallel_init() -> None:
    """Size every thread pool from the settings in force, if not done yet.

    Cheap once initialised: call it before any parallel computation.  Settings
    put in force later by `lenskit.config.configure` are compared with the
    pools there (`init_threading`), not here.
    """
    if _state.applied is not None:
        return
    with _lock:
        if _state.applied is None and not _state.applying:
            _apply_locked(lenskit_config().parallel)


def init_threading(config: ParallelSettings | None = None) -> None:
    """Size every thread pool from *config* (default: the settings in force), resolved in place.

    Only the first initialisation in a process applies; a later call with
    different settings warns (`ParallelInitWarning`).
    """
    if config is None:
        config = lenskit_config().parallel
    config.resolve_defaults()
    with _lock:
        if _state.applying:
            return
        if _state.applied is not None:
            _warn_if_different(config)
            return
        _apply_locked(config)


def get_parallel_config() -> ParallelSettings:
    """The resolved settings in force, initialising parallelism first if needed."""
    ensure_parallel_init()
    applied = _state.applied
    assert applied is not None
    return applied


def _apply_locked(resolved: ParallelSettings) -> None:
    resolved.resolve_defaults()
    for problem in far_above_cpus(resolved):
        _warn(problem)
    _state.applying = True
    try:
        _size_blas(resolved.num_backend_threads)
        _size_torch(resolved)
        _size_backends(resolved)
    finally:
        _state.applying = False
    # Published last: the lock-free fast path must not see pools that are not sized yet.
    _state.applied = resolved


def _warn_if_different(wanted: ParallelSettings) -> None:
    applied = _state.applied
    assert applied is not None
    changes = [
        f"{name} {getattr(applied, name)!r} -> {getattr(wanted, name)!r}"
        for name in type(applied).model_fields
        if getattr(applied, name) != getattr(wanted, name)
    ]
    if changes:
        _warn(
            "parallel settings were already applied in this process; ignoring the change ("
            + ", ".join(changes)
            + "): thread pools are sized once per process"
        )


def _size_blas(threads: int) -> None:
    """Limit BLAS pools, loaded or not yet, unless the user sized them or asked us not to (-1).

    Pools that load later read the exported variables; pools already loaded
    (numpy imported first) are limited through threadpoolctl.
    """
    if threads < 1:
        return
    export_blas_threads(threads)
    user = user_blas_env()
    if any(var in user for var in USER_BLAS_VARS):
        return
    if any(name in sys.modules for name in ("numpy", "scipy", "torch")):
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads, user_api="blas")


def _size_torch(settings: ParallelSettings) -> None:
    """Size PyTorch's pools when it is installed, without importing it when it is not.

    With -1 backend threads both pools, intra- and inter-op, are left alone.
    """
    if settings.num_backend_threads < 1 or importlib.util.find_spec("torch") is None:
        return
    try:
        torch = importlib.import_module("torch")
    except Exception as err:
        _warn(f"PyTorch is installed but failed to import, not sized: {err}")
        return
    torch.set_num_threads(settings.num_backend_threads)
    try:
        torch.set_num_interop_threads(settings.num_threads)
    except RuntimeError as err:
        _warn(f"PyTorch inter-op threads not set (already in use): {err}")


def _size_backends(settings: ParallelSettings) -> None:
    """Size every registered backend; one that cannot start its pool at all (a `ConfigError`)
    stops initialisation, any other failure is a warning."""
    for entry in load_backends():
        if entry.backend is None:
            _warn(f"parallel backend {entry.name!r} ({entry.target}) not sized: {entry.error}")
            continue
        try:
            entry.backend.configure(settings)
        except ConfigError:
            raise
        except Exception as err:
            _warn(
                f"parallel backend {entry.name!r} failed to configure: {type(err).__name__}: {err}"
            )


def _warn(message: str) -> None:
    warnings.warn(message, ParallelInitWarning, stacklevel=4)
