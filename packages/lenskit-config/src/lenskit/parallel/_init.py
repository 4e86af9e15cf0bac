"""Apply the parallel settings to every thread pool, once per process.

Pools (BLAS, PyTorch, Rayon) are sized once: Rayon's global pool cannot be
resized, and resizing BLAS under running work is a race.  So the first call
applies, concurrent first calls wait for it, and a later call asking for
different sizes warns rather than silently doing nothing.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lenskit.parallel._backends import load_backends

if TYPE_CHECKING:
    from lenskit.config import LenskitSettings, ParallelSettings


class ParallelInitWarning(RuntimeWarning):
    """Parallelism was already initialised with other settings, or a pool could not be sized."""


@dataclass
class _State:
    applied: ParallelSettings | None = None
    applying: bool = False
    # The process-wide settings object last compared with what was applied.
    config_seen: LenskitSettings | None = None


_lock = threading.RLock()
_state = _State()


def ensure_parallel_init() -> None:
    """Size every thread pool from the process-wide settings, if not done yet.

    Cheap once initialised: call it before any parallel computation.  If
    `lenskit.config.configure` has since installed settings with other sizes,
    warns (`ParallelInitWarning`) once and keeps the pools as they are.
    """
    from lenskit.config import lenskit_config

    config = lenskit_config()
    if _state.applied is not None and _state.config_seen is config:
        return
    with _lock:
        if _state.applying:
            return
        if _state.applied is None:
            _apply_locked(config.parallel.resolve_defaults(), config)
            return
        previous, _state.config_seen = _state.config_seen, config
        if previous is not None and previous is not config:
            _warn_if_different(config.parallel.resolve_defaults())


def init_threading(settings: ParallelSettings | None = None) -> None:
    """Size every thread pool from *settings* (default: the process-wide settings).

    Only the first initialisation in a process applies; a later call with
    different settings warns (`ParallelInitWarning`).
    """
    from lenskit.config._global import lenskit_config, loaded_config

    if settings is None:
        config = lenskit_config()
        settings = config.parallel
    else:
        config = loaded_config()
    resolved = settings.resolve_defaults()
    with _lock:
        if _state.applying:
            return
        if _state.applied is not None:
            _warn_if_different(resolved)
            return
        _apply_locked(resolved, config)


def get_parallel_config() -> ParallelSettings:
    """The resolved settings in force, initialising parallelism first if needed."""
    ensure_parallel_init()
    applied = _state.applied
    assert applied is not None
    return applied


def _apply_locked(resolved: ParallelSettings, config: LenskitSettings | None) -> None:
    _state.applying = True
    try:
        _size_blas(resolved)
        _size_torch(resolved)
        _size_backends(resolved)
    finally:
        _state.applying = False
    _state.config_seen = config
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
        warnings.warn(
            "parallel settings were already applied in this process; ignoring the change ("
            + ", ".join(changes)
            + "): thread pools are sized once per process",
            ParallelInitWarning,
            stacklevel=3,
        )


def _size_blas(settings: ParallelSettings) -> None:
    """Limit BLAS pools already loaded, unless the user sized them or asked us not to."""
    from lenskit.config._parallel import USER_BLAS_VARS

    threads = settings.num_backend_threads
    if threads is None or threads == -1 or any(var in os.environ for var in USER_BLAS_VARS):
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")


def _size_torch(settings: ParallelSettings) -> None:
    """Size PyTorch's pools when it is installed, without importing it when it is not."""
    if importlib.util.find_spec("torch") is None:
        return
    try:
        torch = importlib.import_module("torch")
    except Exception as err:
        _warn(f"PyTorch is installed but failed to import, not sized: {err}")
        return
    if settings.num_backend_threads is not None and settings.num_backend_threads != -1:
        torch.set_num_threads(settings.num_backend_threads)
    try:
        torch.set_num_interop_threads(settings.num_threads)
    except RuntimeError as err:
        _warn(f"PyTorch inter-op threads not set (already in use): {err}")


def _size_backends(settings: ParallelSettings) -> None:
    for entry in load_backends():
        if entry.backend is None:
            _warn(f"parallel backend {entry.name!r} ({entry.target}) not sized: {entry.error}")
            continue
        try:
            entry.backend.configure(settings)
        except Exception as err:
            _warn(
                f"parallel backend {entry.name!r} failed to configure: {type(err).__name__}: {err}"
            )


def _warn(message: str) -> None:
    warnings.warn(message, ParallelInitWarning, stacklevel=4)
