"""Mapping between external ids (users, items) and dense 0-based indices.

Kernels work on dense indices; people work with ids. A vocabulary is the one
place that translates between the two, so every layer agrees on the mapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Literal

import numpy as np
import numpy.typing as npt

from ._ids import IdKind, as_id_array, id_kind, show


class Vocabulary:
    """An immutable, ordered set of ids (all ``int`` or all ``str``).

    By default the ids are de-duplicated and sorted, so a vocabulary built
    from the same ids in any order is the same vocabulary. With
    ``reorder=False`` the given order is kept and duplicates are an error.

    Lookups use binary search over a sorted copy: they take no locks and are
    safe from many threads at once.
    """

    __slots__ = ("_ids", "_kind", "_order", "_sorted")

    _ids: np.ndarray
    _kind: IdKind
    _sorted: np.ndarray
    _order: npt.NDArray[np.int64] | None

    def __init__(self, ids: Iterable[object] | np.ndarray = (), *, reorder: bool = True) -> None:
        arr = as_id_array(ids, "vocabulary ids")
        if reorder:
            arr = np.unique(arr)
            arr.flags.writeable = False
            self._ids = self._sorted = arr
            self._order = None
        else:
            order = np.argsort(arr, kind="stable")
            srt = arr[order]
            if srt.size > 1:
                dup = np.flatnonzero(srt[1:] == srt[:-1])
                if dup.size:
                    raise ValueError(f"duplicate id {show(srt[dup[0]])} in vocabulary")
            self._sorted = srt
            self._order = order.astype(np.int64)
            self._order.flags.writeable = False
            self._sorted.flags.writeable = False
            self._ids = np.array(arr, copy=True)
            self._ids.flags.writeable = False
        self._kind = id_kind(self._ids)

    @property
    def ids(self) -> np.ndarray:
        """The ids in index order (read-only; ``int64`` or object array of ``str``)."""
        return self._ids

    @property
    def kind(self) -> IdKind:
        """``"int"`` or ``"str"``: the type of every id."""
        return self._kind

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[object]:
        return iter(self._ids.tolist())

    def __contains__(self, id: object) -> bool:
        return bool(self._search(np.array([id], dtype=object))[0] >= 0)

    def index(self, id: object) -> int:
        """The index of ``id``.

        Raises:
            KeyError: ``id`` is not in the vocabulary (the message names it).
        """
        pos = int(self._search(np.array([id], dtype=object))[0])
        if pos < 0:
            raise KeyError(f"id {show(id)} is not in the vocabulary")
        return pos

    def indices(
        self,
        ids: Iterable[object] | np.ndarray,
        missing: Literal["error", "negative"] = "error",
    ) -> npt.NDArray[np.int32]:
        """The indices of many ids at once.

        Args:
            ids: the ids to look up.
            missing: ``"error"`` raises ``KeyError`` naming the first unknown
                id; ``"negative"`` gives ``-1`` for unknown ids.
        """
        if missing not in ("error", "negative"):
            raise ValueError(f"missing must be 'error' or 'negative', not {missing!r}")
        if isinstance(ids, np.ndarray):
            query = ids
        elif hasattr(ids, "to_numpy"):
            query = ids.to_numpy()  # type: ignore[attr-defined]
        else:
            query = np.array(list(ids), dtype=object)
        if query.ndim != 1:
            raise ValueError(f"ids must be one-dimensional, got shape {query.shape}")
        found = self._search(query)
        if missing == "error":
            bad = np.flatnonzero(found < 0)
            if bad.size:
                raise KeyError(f"id {show(query[bad[0]])} is not in the vocabulary")
        return found.astype(np.int32)

    def id(self, index: int) -> object:
        """The id at ``index`` (a Python ``int`` or ``str``).

        Raises:
            IndexError: ``index`` is outside ``0 .. len - 1``.
        """
        n = len(self._ids)
        if not 0 <= index < n:
            raise IndexError(f"index {index} is outside the vocabulary of {n} ids")
        return self._ids[index].item() if self._kind == "int" else self._ids[index]

    def _search(self, query: np.ndarray) -> npt.NDArray[np.int64]:
        """Positions of ``query`` ids, -1 where absent (ids of the wrong kind are absent)."""
        out = np.full(len(query), -1, dtype=np.int64)
        if len(self._sorted) == 0 or len(query) == 0:
            return out
        if self._kind == "int":
            valid, keys = _int_keys(query)
        else:
            objs = query.tolist()
            valid = np.fromiter((isinstance(v, str) for v in objs), dtype=np.bool_, count=len(objs))
            keys = np.array(
                [v if ok else "" for v, ok in zip(objs, valid, strict=True)], dtype=object
            )
        pos = np.searchsorted(self._sorted, keys)
        pos_c = np.minimum(pos, len(self._sorted) - 1)
        hit = valid & (self._sorted[pos_c] == keys)
        if self._order is not None:
            pos_c = self._order[pos_c]
        out[hit] = pos_c[hit]
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return self._kind == other._kind and np.array_equal(self._ids, other._ids)

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (_rebuild, (self._ids, self._order is None))

    def __repr__(self) -> str:
        head = ", ".join(repr(v) for v in self._ids[:5].tolist())
        more = ", ..." if len(self._ids) > 5 else ""
        return f"<Vocabulary of {len(self._ids)} {self._kind} ids: [{head}{more}]>"


_INT64 = np.iinfo(np.int64)


def _int_keys(query: np.ndarray) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """Search keys for an integer vocabulary; non-integers (and out-of-range) never match."""
    if query.dtype.kind == "i":
        return np.ones(len(query), dtype=np.bool_), query.astype(np.int64, copy=False)
    if query.dtype.kind == "u":
        valid = query <= _INT64.max
        return valid, np.where(valid, query, 0).astype(np.int64)
    if query.dtype.kind != "O":
        return np.zeros(len(query), dtype=np.bool_), np.zeros(len(query), dtype=np.int64)
    objs = query.tolist()
    valid = np.fromiter((_is_int_like(v) for v in objs), dtype=np.bool_, count=len(objs))
    keys = np.array(
        [int(v) if ok else 0 for v, ok in zip(objs, valid, strict=True)], dtype=np.int64
    )
    return valid, keys


def _is_int_like(v: object) -> bool:
    if isinstance(v, bool | np.bool_) or not isinstance(v, int | np.integer):
        return False
    return _INT64.min <= int(v) <= _INT64.max


def _rebuild(ids: np.ndarray, reorder: bool) -> Vocabulary:
    return Vocabulary(ids, reorder=reorder)
