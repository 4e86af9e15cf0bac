"""k-nearest-neighbour recommenders backed by Rust kernels on a Rayon pool.

`ItemKNNScorer` and `UserKNNScorer` fit on `lenskit.data.Interactions` and
score or recommend for users of the training data. Heavy work runs in
`lenskit._accel` with the GIL released; fitted scorers hold only numpy
arrays, so they pickle and can be shared by threads.

The scorers are imported on first use: the Rayon backend entry point lives in
this package, and `lenskit doctor` loads it without wanting lenskit.data,
pandas and pyarrow imported.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .item import ItemKNNScorer
    from .user import UserKNNScorer

__all__ = ["ItemKNNScorer", "UserKNNScorer"]

_HOMES = {"ItemKNNScorer": ".item", "UserKNNScorer": ".user"}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
