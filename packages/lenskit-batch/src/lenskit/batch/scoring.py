"""Scoring one chunk of users with whatever model the caller gave us.

Models come in two shapes.  Batch-aware scorers (lenskit-rs's k-NN) offer
``recommend_batch`` / ``score_batch``: one call scores a whole chunk on the
calling thread with the GIL released, which is what lets thread runners
scale.  ``recommend_arrays``, preferred when present, gives the chunk's
lists as flat arrays, so no Python object is made per user.  Any other
object with ``recommend(user, n)`` / ``score(user, items)`` still works, one
user at a time.  Either way a chunk comes back as one Arrow
table, which is cheap to ship from a Ray worker and to append to a file.

Runners call these with ``parallel=False``: each batch job scores on its own
thread, and the jobs, not the Rayon pool, supply the parallelism.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Sized
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np
import pyarrow as pa

from lenskit.batch.errors import BatchError, UserScoringError


@runtime_checkable
class Recommender(Protocol):
    """Anything that can recommend for one user."""

    def recommend(self, user: Any, n: int) -> Any: ...


@runtime_checkable
class Predictor(Protocol):
    """Anything that can score items for one user."""

    def score(self, user: Any, items: Any) -> Any: ...


_Result = TypeVar("_Result", bound=Sized)

RECOMMEND_COLUMNS = ("user_id", "item_id", "rank", "score")
PREDICT_COLUMNS = ("user_id", "item_id", "score")


def empty_table(ranked: bool) -> pa.Table:
    """A table with no rows and the standard columns (integer ids)."""
    fields = [
        pa.field("user_id", pa.int64()),
        pa.field("item_id", pa.int64()),
        pa.field("rank", pa.int32()),
        pa.field("score", pa.float64()),
    ]
    if not ranked:
        fields.pop(2)
    return pa.Table.from_batches([], pa.schema(fields))


def recommend_chunk(model: object, users: np.ndarray, n: int) -> pa.Table:
    """Top-*n* lists for *users* as a table (``user_id, item_id, rank, score``).

    Raises:
        UserScoringError: scoring one user raised; names that user.
        BatchError: the chunk failed but no single user reproduces it.
    """
    if len(users) == 0:
        return _lists_table(users, [], ranked=True)
    flat = _batch_method(model, "recommend_arrays")
    if flat is not None:

        def run_flat(part: slice) -> _Ragged:
            return _Ragged(*flat(users[part].tolist(), n, parallel=False))

        return _run_chunk(run_flat, users).table(users)
    batch = _batch_method(model, "recommend_batch")
    if batch is not None:

        def run(part: slice) -> Sequence[Any]:
            return batch(users[part].tolist(), n, parallel=False)
    else:
        single = _method(model, "recommend", "recommend(user, n)")

        def run(part: slice) -> Sequence[Any]:
            return [single(user, n) for user in users[part].tolist()]

    lists = _run_chunk(run, users)
    return _lists_table(users, lists, ranked=True)


def predict_chunk(model: object, users: np.ndarray, items: Sequence[np.ndarray]) -> pa.Table:
    """Scores for ``items[i]`` of each ``users[i]`` as a table (``user_id, item_id, score``).

    Raises:
        UserScoringError: scoring one user raised; names that user.
        BatchError: the chunk failed but no single user reproduces it.
    """
    if len(users) == 0:
        return _lists_table(users, [], ranked=False)
    batch = _batch_method(model, "score_batch")
    if batch is not None:

        def run(part: slice) -> Sequence[Any]:
            wanted = items[part]
            counts = [len(w) for w in wanted]
            flat_users = np.repeat(users[part], counts)
            flat_items = _concat(wanted)
            scores = np.asarray(
                batch(flat_users.tolist(), flat_items.tolist(), parallel=False), np.float64
            )
            if scores.shape != flat_items.shape:
                raise ValueError(
                    f"score_batch returned {scores.shape} scores for {len(flat_items)} pairs"
                )
            split = np.split(scores, np.cumsum(counts)[:-1])
            return [_Scored(w, s) for w, s in zip(wanted, split, strict=True)]
    else:
        single = _method(model, "score", "score(user, items)")

        def run(part: slice) -> Sequence[Any]:
            return [
                single(user, its)
                for user, its in zip(users[part].tolist(), items[part], strict=True)
            ]

    lists = _run_chunk(run, users)
    return _lists_table(users, lists, ranked=False)


class _Ragged:
    """A ``recommend_arrays`` result: every user's ranked list, end to end."""

    def __init__(self, offsets: np.ndarray, item_ids: np.ndarray, scores: np.ndarray) -> None:
        self.lengths = np.diff(np.asarray(offsets, np.int64))
        if (self.lengths < 0).any() or len(item_ids) != len(scores):
            raise BatchError("recommend_arrays returned inconsistent offsets, items and scores")
        self.item_ids = np.asarray(item_ids)
        self.scores = np.asarray(scores, np.float64)

    def __len__(self) -> int:
        return len(self.lengths)

    def table(self, users: np.ndarray) -> pa.Table:
        starts = np.repeat(np.cumsum(self.lengths) - self.lengths, self.lengths)
        ranks = np.arange(len(self.item_ids), dtype=np.int64) - starts + 1
        return pa.table(
            {
                "user_id": _id_column(np.repeat(users, self.lengths)),
                "item_id": _id_column(self.item_ids),
                "rank": pa.array(ranks.astype(np.int32), pa.int32()),
                "score": pa.array(self.scores, pa.float64()),
            }
        )


class _Scored:
    """The slice of a ``score_batch`` result belonging to one user."""

    def __init__(self, ids: np.ndarray, scores: np.ndarray) -> None:
        self.ids = ids
        self.scores = scores
        self.ranks = None

    def __len__(self) -> int:
        return len(self.ids)


def _run_chunk(run: Callable[[slice], _Result], users: np.ndarray) -> _Result:
    """Score a chunk; on failure, find and name the user that fails on their own."""
    try:
        lists = run(slice(None))
    except Exception as chunk_error:
        for pos in range(len(users)):
            try:
                run(slice(pos, pos + 1))
            except Exception as user_error:
                raise UserScoringError(_key(users[pos]), user_error) from user_error
        first, last = _key(users[0]), _key(users[-1])
        raise BatchError(
            f"scoring {len(users)} users ({first!r} .. {last!r}) failed, "
            f"though each succeeds alone: {type(chunk_error).__name__}: {chunk_error}"
        ) from chunk_error
    if len(lists) != len(users):
        raise BatchError(f"the model returned {len(lists)} results for {len(users)} users")
    return lists


def _lists_table(users: np.ndarray, lists: Sequence[Any], *, ranked: bool) -> pa.Table:
    lengths = np.array([len(il) for il in lists], dtype=np.int64)
    columns: dict[str, pa.Array] = {
        "user_id": _id_column(np.repeat(users, lengths)),
        "item_id": _id_column(_concat([np.asarray(il.ids) for il in lists])),
    }
    if ranked:
        columns["rank"] = pa.array(_concat([_ranks(il) for il in lists], np.int32), pa.int32())
    columns["score"] = pa.array(_concat([_scores(il) for il in lists], np.float64), pa.float64())
    return pa.table(columns)


def _ranks(il: Any) -> np.ndarray:
    ranks = getattr(il, "ranks", None)
    if ranks is None:
        return np.arange(1, len(il) + 1, dtype=np.int32)
    return np.asarray(ranks, np.int32)


def _scores(il: Any) -> np.ndarray:
    scores = getattr(il, "scores", None)
    if scores is None:
        return np.full(len(il), np.nan)
    return np.asarray(scores, np.float64)


def _id_column(ids: np.ndarray) -> pa.Array:
    if ids.dtype.kind in "iu":
        return pa.array(ids, pa.int64())
    if len(ids) == 0:
        return pa.array([], pa.int64())
    return pa.array(ids.tolist())


def _concat(parts: Sequence[np.ndarray], dtype: type[np.generic] | None = None) -> np.ndarray:
    if not parts:
        return np.empty(0, dtype or np.int64)
    kinds = {p.dtype.kind for p in parts if len(p)}
    if len(kinds) > 1:
        parts = [p.astype(object) for p in parts]
    else:
        parts = [p for p in parts if len(p)] or [parts[0]]
    out = np.concatenate(parts)
    return out if dtype is None else out.astype(dtype, copy=False)


def _key(user: object) -> object:
    return user.item() if isinstance(user, np.generic) else user


def _batch_method(model: object, name: str) -> Callable[..., Any] | None:
    method = getattr(model, name, None)
    return method if callable(method) else None


def _method(model: object, name: str, shape: str) -> Any:
    method = getattr(model, name, None)
    if not callable(method):
        raise TypeError(
            f"{type(model).__name__} cannot be used here: it has neither "
            f"{name}_batch(...) nor {shape}"
        )
    return method
