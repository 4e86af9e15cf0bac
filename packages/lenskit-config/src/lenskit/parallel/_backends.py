"""Thread-pool backends that plug into `ensure_parallel_init` through entry points.

A package registers an object under the entry-point group
``lenskit.parallel.backends``; installing the package is enough for its
pool to be sized with the rest.  lenskit-rs registers its Rayon pool so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from lenskit.config import ParallelSettings

BACKEND_GROUP = "lenskit.parallel.backends"


class ParallelBackend(Protocol):
    """What a backend entry point must load to."""

    name: str

    def configure(self, settings: ParallelSettings) -> None:
        """Size the pool; called once per process with resolved settings."""
        ...

    def describe(self) -> dict[str, object]:
        """Plain JSON-able facts for ``lenskit doctor``, e.g. ``{"threads": 2}``."""
        ...


@dataclass(frozen=True)
class BackendEntry:
    """One registered backend: loaded, or the reason it could not be used."""

    name: str
    target: str
    distribution: str | None
    backend: ParallelBackend | None
    error: str | None


@cache
def load_backends() -> list[BackendEntry]:
    """Load every registered backend, by name; a broken one is reported, not raised.

    Entry points are read once per process (scanning every installed
    distribution costs more than the rest of initialisation).
    """
    from importlib.metadata import entry_points

    found = sorted(entry_points(group=BACKEND_GROUP), key=lambda ep: (ep.name, ep.value))
    entries: list[BackendEntry] = []
    for point in found:
        dist = point.dist.name if point.dist is not None else None
        backend: ParallelBackend | None = None
        try:
            loaded = point.load()
        except Exception as err:
            error: str | None = f"failed to load: {type(err).__name__}: {err}"
        else:
            if loaded is None:
                error = "the entry point resolves to None (backend not available yet)"
            elif not (
                callable(getattr(loaded, "configure", None))
                and callable(getattr(loaded, "describe", None))
            ):
                error = f"{type(loaded).__name__} does not provide configure() and describe()"
            else:
                backend, error = loaded, None
        entries.append(BackendEntry(point.name, point.value, dist, backend, error))
    return entries
