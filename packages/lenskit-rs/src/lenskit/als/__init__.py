"""Matrix factorisation by alternating least squares, trained on the Rayon pool.

`BiasedMFScorer` factorises explicit ratings after removing a damped
user-item bias model; `ImplicitMFScorer` factorises confidence-weighted
implicit feedback (Hu, Koren and Volinsky). Both fit on
`lenskit.data.Interactions`, score and recommend for users of the training
data or for new users from their history, and serve `lenskit.batch`. Heavy
work runs in `lenskit._accel` with the GIL released; fitted scorers hold
only numpy arrays, so they pickle and can be shared by threads.

The scorers are imported on first use, so importing this package stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .biased import BiasedMFScorer
    from .implicit import ImplicitMFScorer

__all__ = ["BiasedMFScorer", "ImplicitMFScorer"]

_HOMES = {"BiasedMFScorer": ".biased", "ImplicitMFScorer": ".implicit"}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
