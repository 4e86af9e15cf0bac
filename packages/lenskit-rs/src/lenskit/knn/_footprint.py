"""Refusing an item-kNN fit that cannot fit in memory, before it starts.

Keeping every neighbour (``save_nbrs=None``) makes the model grow with the
square of the item count: a large catalogue can need more memory than the
process may use.  Rather than fail part way (or be killed), `check_fit`
compares the fit's estimated peak with the tightest memory limit on the
process (`lenskit.config._memory.memory_headroom`) and raises one
`MemoryError` line with the estimate, the limit and the parameters that
would fit.
"""

from __future__ import annotations

from lenskit import _accel
from lenskit._scorer import TrainingData
from lenskit.config._memory import memory_headroom

ADVICE = "keep fewer neighbours per item (save_nbrs) or raise min_sim"
"""What to change when an item-kNN fit runs out of memory."""


def check_fit(
    owner: str, training: TrainingData, *, explicit: bool, min_sim: float, save_nbrs: int | None
) -> None:
    """Raise MemoryError if fitting would need more memory than the process may still use."""
    headroom = memory_headroom()
    if headroom is None:
        return
    similarities, model, peak, _, largest = _accel.item_knn_footprint(
        training.shape,
        training.arrays,
        explicit=explicit,
        min_sim=min_sim,
        save_nbrs=save_nbrs,
        budget=headroom.available,
    )
    if peak <= headroom.available:
        return
    if largest is None:
        advice = "not even save_nbrs=1 would fit: free some memory or raise the limit"
    else:
        now = "" if save_nbrs is None else f" (now {save_nbrs})"
        advice = f"set save_nbrs to {largest} or less{now}, or raise min_sim above {min_sim:g}"
    raise MemoryError(
        f"{owner}: fitting would need about {human_bytes(peak)} "
        f"({similarities:,} similarities, a model of {human_bytes(model)}), but "
        f"{headroom.source} of {human_bytes(headroom.limit)} leaves this process "
        f"{human_bytes(headroom.available)}; {advice}"
    )


def human_bytes(n: int) -> str:
    """A byte count for people, in powers of 1000: ``"2.50 GB"``."""
    for unit, size in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n} bytes"
