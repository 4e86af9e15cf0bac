"""Lists of items with optional scores and ranks: what recommenders return.

Scorers, batch runners and the CLI pass results around as :class:`ItemList`
so that "which item, what score, what position" travels as one object with
one set of conversions (numpy, pandas, Arrow).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from ._ids import as_id_array

ItemField = Literal["item_id", "score", "rank"]


class ItemList:
    """An immutable list of item ids, with optional scores and 1-based ranks.

    Args:
        item_ids: the items (all ``int`` or all ``str``).
        scores: one score per item; ``NaN`` means "no score".
        ranks: one rank per item, 1-based; set for ranked lists.

    The arrays are read-only, so an ``ItemList`` can be shared between
    threads without copying.
    """

    __slots__ = ("_ids", "_ranks", "_scores")

    _ids: np.ndarray
    _scores: npt.NDArray[np.float64] | None
    _ranks: npt.NDArray[np.int32] | None

    def __init__(
        self,
        item_ids: Iterable[object] | np.ndarray,
        scores: Iterable[float] | np.ndarray | None = None,
        ranks: Iterable[int] | np.ndarray | None = None,
    ) -> None:
        if type(item_ids) is np.ndarray and item_ids.dtype == np.int64 and item_ids.ndim == 1:
            ids = item_ids.copy()  # fast path for kernel output; never alias the caller's array
        else:
            ids = as_id_array(item_ids, "item ids")
            if ids.flags.writeable and not isinstance(item_ids, list | tuple):
                ids = ids.copy()
        ids.flags.writeable = False
        n = len(ids)
        self._ids = ids
        self._scores = None if scores is None else _scores_array(scores, n)
        self._ranks = None if ranks is None else _ranks_array(ranks, n)

    @classmethod
    def ranked(
        cls,
        item_ids: Iterable[object] | np.ndarray,
        scores: Iterable[float] | np.ndarray,
        n: int | None = None,
    ) -> ItemList:
        """Items ordered by score, highest first, with ranks 1, 2, ...

        Ties keep the order in which the items were given, so the result is
        deterministic. Items without a score (``NaN``) go last. ``n`` keeps
        only the first ``n`` items.
        """
        ids = as_id_array(item_ids, "item ids")
        sc = np.array(scores if isinstance(scores, np.ndarray) else list(scores), np.float64)
        if sc.shape != ids.shape:
            raise ValueError(f"{len(ids)} item ids but scores have shape {sc.shape}")
        if n is not None and n < 0:
            raise ValueError(f"n must be at least 0, got {n}")
        # A stable ascending sort of the negated scores is a descending sort that
        # keeps the input order among ties; NaN sorts last either way.
        order = np.argsort(-sc, kind="stable")
        if n is not None:
            order = order[:n]
        return cls(ids[order], sc[order], np.arange(1, len(order) + 1, dtype=np.int32))

    @classmethod
    def empty(cls, *, ranked: bool = False) -> ItemList:
        """A list of no items (with an empty rank array if ``ranked``)."""
        ranks = np.empty(0, np.int32) if ranked else None
        return cls(np.empty(0, np.int64), np.empty(0, np.float64), ranks)

    @property
    def ids(self) -> np.ndarray:
        """Item ids (read-only; ``int64`` or object array of ``str``)."""
        return self._ids

    @property
    def scores(self) -> npt.NDArray[np.float64] | None:
        """Scores (``NaN`` = no score), or None if the list has no scores."""
        return self._scores

    @property
    def ranks(self) -> npt.NDArray[np.int32] | None:
        """1-based ranks, or None if the list is not ranked."""
        return self._ranks

    @property
    def ordered(self) -> bool:
        """Whether the list carries ranks."""
        return self._ranks is not None

    def __len__(self) -> int:
        return len(self._ids)

    def __getitem__(self, key: slice | npt.NDArray[np.bool_] | npt.NDArray[np.integer]) -> ItemList:
        """A sub-list (slice, boolean mask or index array); scores and ranks follow."""
        if not isinstance(key, slice | np.ndarray):
            raise TypeError("index an ItemList with a slice, a boolean mask or an index array")
        ids = self._ids[key]
        sc = None if self._scores is None else self._scores[key]
        rk = None if self._ranks is None else self._ranks[key]
        return ItemList(ids, sc, rk)

    def numpy(self, field: ItemField = "score") -> np.ndarray:
        """One column as a numpy array.

        ``"score"`` gives all-NaN when the list has no scores; ``"rank"``
        raises ``ValueError`` when it is not ranked.
        """
        if field == "item_id":
            return self._ids
        if field == "score":
            return self._scores if self._scores is not None else np.full(len(self), np.nan)
        if field == "rank":
            if self._ranks is None:
                raise ValueError("this item list is not ranked")
            return self._ranks
        raise ValueError(f"field must be 'item_id', 'score' or 'rank', not {field!r}")

    def to_numpy(self) -> tuple[np.ndarray, npt.NDArray[np.float64]]:
        """``(item ids, scores)``; scores are all-NaN when the list has none."""
        return self._ids, self.numpy("score")

    def to_pandas(self) -> pd.DataFrame:
        """A frame with columns ``item_id``, ``score`` and (if ranked) ``rank``."""
        cols: dict[str, np.ndarray] = {
            "item_id": self._ids.copy(),
            "score": self.numpy("score").copy(),
        }
        if self._ranks is not None:
            cols["rank"] = self._ranks.copy()
        return pd.DataFrame(cols)

    def to_arrow(self) -> pa.Table:
        """An Arrow table with the same columns as :meth:`to_pandas`."""
        id_type = pa.int64() if self._ids.dtype == np.int64 else pa.string()
        cols: dict[str, pa.Array] = {
            "item_id": pa.array(self._ids, type=id_type),
            "score": pa.array(self.numpy("score"), type=pa.float64()),
        }
        if self._ranks is not None:
            cols["rank"] = pa.array(self._ranks, type=pa.int32())
        return pa.table(cols)

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (ItemList, (self._ids, self._scores, self._ranks))

    def __repr__(self) -> str:
        kind = "ranked " if self._ranks is not None else ""
        head = ", ".join(repr(v) for v in self._ids[:5].tolist())
        more = ", ..." if len(self) > 5 else ""
        return f"<ItemList of {len(self)} {kind}items: [{head}{more}]>"


def _scores_array(scores: Iterable[float] | np.ndarray, n: int) -> npt.NDArray[np.float64]:
    """A private read-only float64 copy of ``scores``, checked against ``n`` items."""
    sc = np.array(scores if isinstance(scores, np.ndarray) else list(scores), np.float64)
    if sc.shape != (n,):
        raise ValueError(f"{n} item ids but scores have shape {sc.shape}")
    sc.flags.writeable = False
    return sc


def _ranks_array(ranks: Iterable[int] | np.ndarray, n: int) -> npt.NDArray[np.int32]:
    """A private read-only int32 copy of 1-based ``ranks``, checked against ``n`` items."""
    raw = ranks if isinstance(ranks, np.ndarray) else np.asarray(list(ranks))
    if raw.shape != (n,):
        raise ValueError(f"{n} item ids but ranks have shape {raw.shape}")
    if n:
        if raw.dtype.kind not in "iu":
            raise ValueError(f"ranks must be integers, got {raw.dtype}")
        low = raw.min()
        if low < 1:
            raise ValueError(f"ranks are 1-based; got rank {int(low)}")
    rk = raw.astype(np.int32)
    rk.flags.writeable = False
    return rk
