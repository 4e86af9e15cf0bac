"""The Rayon pool of `lenskit._accel` as a `lenskit.parallel` backend.

Registered under the ``lenskit.parallel.backends`` entry-point group, so
``ensure_parallel_init()`` sizes the one global pool from ``num_threads``
before any k-NN work runs.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from lenskit import _accel
from lenskit.config import ConfigError

if TYPE_CHECKING:
    from lenskit.config import ParallelSettings


class RayonBackend:
    """Sizes and describes the global Rayon pool (sized once per process)."""

    name = "rayon"

    def configure(self, settings: ParallelSettings) -> None:
        """Build the pool with the resolved ``num_threads`` threads.

        The pool cannot be resized: if it already runs with another size, warn
        and keep it.  A pool that cannot start (the threads could not be
        created: memory or thread limits) is a `ConfigError` naming the
        setting, since nothing parallel can run in this process afterwards.
        """
        threads = settings.resolve_defaults().num_threads
        try:
            built = _accel.init_thread_pool(threads)
        except RuntimeError as err:
            source = settings.source_of("num_threads")
            raise ConfigError(
                f"num_threads = {threads} ({source}): {err}; lower num_threads"
            ) from None
        if not built and _accel.thread_count() != threads:
            warnings.warn(
                f"the Rayon pool already has {_accel.thread_count()} threads; "
                f"cannot resize it to num_threads={threads}",
                RuntimeWarning,
                stacklevel=2,
            )

    def describe(self) -> dict[str, object]:
        """``{"threads": pool size or 0, "initialized": whether the pool is built}``."""
        threads = _accel.thread_count()
        return {"threads": threads, "initialized": threads > 0}


RAYON_BACKEND = RayonBackend()
