"""Scoring one chunk of users with whatever model the caller gave us.

Models follow the protocol of `lenskit.batch.protocol`: batch-aware scorers
(lenskit-rs's k-NN and ALS) offer ``recommend_arrays`` / ``recommend_batch``
/ ``score_batch``, where one call scores a whole chunk with the GIL
released (on the model's Rayon pool or on the calling thread); any
other object with ``recommend(user, n)`` / ``score(user, items)`` still
works, one user at a time. What a model returns is checked as it arrives.
Either way a chunk comes back as one Arrow table, which is cheap to ship
from a Ray worker and to append to a file.

``parallel`` is passed on to the batch entry points: True hands the chunk
to the model's Rayon pool, False scores it on the calling thread.  The run
plan chooses (`lenskit.batch.plan.RunPlan.pool_scoring`); the results are the
same either way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Sized
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa

from lenskit.batch.errors import BatchError, UserScoringError
from lenskit.batch.protocol import (
    ModelProtocolError,
    check_arrays,
    check_item_list,
    check_lists,
    check_scores,
    entry_method,
)

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


def recommend_chunk(model: object, users: np.ndarray, n: int, *, parallel: bool) -> pa.Table:
    """Top-*n* lists for *users* as a table (``user_id, item_id, rank, score``).

    Raises:
        UserScoringError: scoring one user raised; names that user.
        BatchError: the chunk failed but no single user reproduces it.
        ModelProtocolError: the model returned something the protocol does not allow.
    """
    if len(users) == 0:
        return _lists_table(users, [], ranked=True)
    name, method = entry_method(model, "recommend")
    if name == "recommend_arrays":

        def run_flat(part: slice) -> _Ragged:
            ids = users[part].tolist()
            return _Ragged(*check_arrays(model, name, method(ids, n, parallel=parallel), len(ids)))

        return _run_chunk(run_flat, users).table(users)
    if name == "recommend_batch":

        def run(part: slice) -> Sequence[Any]:
            ids = users[part].tolist()
            return check_lists(model, name, method(ids, n, parallel=parallel), ids)
    else:

        def run(part: slice) -> Sequence[Any]:
            return [check_item_list(model, name, method(u, n), u) for u in users[part].tolist()]

    lists = _run_chunk(run, users)
    return _lists_table(users, lists, ranked=True)


def predict_chunk(
    model: object, users: np.ndarray, items: Sequence[np.ndarray], *, parallel: bool
) -> pa.Table:
    """Scores for ``items[i]`` of each ``users[i]`` as a table (``user_id, item_id, score``).

    Raises:
        UserScoringError: scoring one user raised; names that user.
        BatchError: the chunk failed but no single user reproduces it.
        ModelProtocolError: the model returned something the protocol does not allow.
    """
    if len(users) == 0:
        return _lists_table(users, [], ranked=False)
    name, method = entry_method(model, "predict")
    if name == "score_batch":

        def run(part: slice) -> Sequence[Any]:
            wanted = items[part]
            counts = [len(w) for w in wanted]
            flat_users = np.repeat(users[part], counts)
            flat_items = _concat(wanted)
            result = method(flat_users.tolist(), flat_items.tolist(), parallel=parallel)
            scores = check_scores(model, name, result, len(flat_items))
            split = np.split(scores, np.cumsum(counts)[:-1])
            return [_Scored(w, s) for w, s in zip(wanted, split, strict=True)]
    else:

        def run(part: slice) -> Sequence[Any]:
            return [
                check_item_list(model, name, method(user, its), user)
                for user, its in zip(users[part].tolist(), items[part], strict=True)
            ]

    lists = _run_chunk(run, users)
    return _lists_table(users, lists, ranked=False)


class _Ragged:
    """A ``recommend_arrays`` result: every user's ranked list, end to end."""

    def __init__(self, offsets: np.ndarray, item_ids: np.ndarray, scores: np.ndarray) -> None:
        self.lengths = np.diff(offsets)
        self.item_ids = item_ids
        self.scores = scores

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
    """Score a chunk; on failure, find and name the user that fails on their own.

    A protocol error is the model's, not a user's, and is raised as it is.
    """
    try:
        return run(slice(None))
    except ModelProtocolError:
        raise
    except Exception as chunk_error:
        for pos in range(len(users)):
            try:
                run(slice(pos, pos + 1))
            except ModelProtocolError:
                raise
            except Exception as user_error:
                raise UserScoringError(_key(users[pos]), user_error) from user_error
        first, last = _key(users[0]), _key(users[-1])
        raise BatchError(
            f"scoring {len(users)} users ({first!r} .. {last!r}) failed, "
            f"though each succeeds alone: {type(chunk_error).__name__}: {chunk_error}"
        ) from chunk_error


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
