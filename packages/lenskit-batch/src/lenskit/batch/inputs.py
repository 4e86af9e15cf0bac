"""Turning the caller's users, or user-item pairs, into chunks of work.

Callers pass whatever they have: a list, a numpy array, a pandas Series, a
generator over millions of ids, a frame of pairs.  Runners only ever see
fixed-size chunks with ids in one of two canonical kinds (``int64`` or an
object array of ``str``), taken lazily so that a long generator is never
held in memory at once.
"""

from __future__ import annotations

import itertools
import reprlib
from collections.abc import Iterable, Iterator, Sized
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lenskit.data import ITEM_COLUMNS, USER_COLUMNS

PairsInput = pd.DataFrame | Iterable[tuple[object, Iterable[object]]]
"""Pairs to predict: a frame with user and item columns, or ``(user, items)`` tuples."""


@dataclass(frozen=True)
class PairChunk:
    """Users and, for each, the items to score (parallel sequences)."""

    users: np.ndarray
    items: list[np.ndarray]


def count_of(values: object) -> int | None:
    """How many entries *values* has, when it knows without being consumed."""
    if isinstance(values, pd.DataFrame):
        return None
    return len(values) if isinstance(values, Sized) else None


def check_users(users: object) -> None:
    """Refuse what is not a collection of ids before it is iterated as one.

    A string iterates as its characters, so ``recommend(model, "abc")`` would
    quietly ask for users ``'a'``, ``'b'`` and ``'c'``.

    Raises:
        TypeError: *users* is a string, bytes or a single value; the message
            says how to pass one user.
    """
    if isinstance(users, str | bytes):
        shown = reprlib.repr(users)
        raise TypeError(
            f"users must be a collection of user ids, got the {type(users).__name__} {shown}, "
            f"which would be read as one user per character; for one user, pass [{shown}]"
        )
    if not isinstance(users, Iterable):
        shown = reprlib.repr(users)
        raise TypeError(
            f"users must be a collection of user ids, got the {type(users).__name__} {shown}; "
            f"for one user, pass [{shown}]"
        )


def id_array(values: Iterable[object] | np.ndarray, what: str) -> np.ndarray:
    """Ids as an ``int64`` array or an object array of ``str``.

    Raises:
        TypeError: an id is neither an integer nor a string (the message gives
            its position and value).
    """
    arr = values.to_numpy() if isinstance(values, pd.Series | pd.Index) else values
    if not isinstance(arr, np.ndarray):
        arr = np.asarray(list(arr), dtype=object)
    if arr.ndim != 1:
        raise TypeError(f"{what} must be one-dimensional, got shape {arr.shape}")
    kind = arr.dtype.kind
    if kind in "iu":
        return arr.astype(np.int64, copy=False)
    if kind in "US":
        return arr.astype(str).astype(object)
    if kind == "O" or arr.dtype.name in ("str", "string"):
        return _objects(arr, what)
    raise TypeError(f"{what} must be integers or strings, got {arr.dtype} values")


def user_chunks(users: Iterable[object], size: int) -> Iterator[np.ndarray]:
    """Consecutive chunks of at most *size* user ids, in input order."""
    if isinstance(users, np.ndarray | pd.Series | pd.Index):
        all_ids = id_array(users, "user ids")
        for start in range(0, len(all_ids), size):
            yield all_ids[start : start + size]
        return
    iterator = iter(users)
    while batch := list(itertools.islice(iterator, size)):
        yield id_array(batch, "user ids")


def pair_chunks(pairs: PairsInput, size: int) -> Iterator[PairChunk]:
    """Chunks of at most *size* users with their items, in order of first appearance."""
    if isinstance(pairs, pd.DataFrame):
        yield from _frame_chunks(pairs, size)
        return
    iterator = iter(pairs)
    while batch := list(itertools.islice(iterator, size)):
        for pos, entry in enumerate(batch):
            if not (isinstance(entry, tuple) and len(entry) == 2):
                raise TypeError(
                    f"pairs must be (user, items) tuples; entry {pos} of a chunk is {entry!r}"
                )
        users = id_array([user for user, _ in batch], "user ids")
        items = [id_array(list(its), f"items of user {user!r}") for user, its in batch]
        yield PairChunk(users, items)


def _frame_chunks(frame: pd.DataFrame, size: int) -> Iterator[PairChunk]:
    user_col = _column(frame, USER_COLUMNS, "user")
    item_col = _column(frame, ITEM_COLUMNS, "item")
    users = id_array(frame[user_col], f"column {user_col!r}")
    items = id_array(frame[item_col], f"column {item_col!r}")
    codes, uniques = pd.factorize(users, sort=False)
    # A stable sort by first-appearance code groups each user's rows and keeps
    # their order, so output follows the frame.
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    unique_ids = id_array(np.asarray(uniques), "user ids")
    for start in range(0, len(uniques), size):
        stop = min(start + size, len(uniques))
        yield PairChunk(
            unique_ids[start:stop],
            [items[order[bounds[u] : bounds[u + 1]]] for u in range(start, stop)],
        )


def _column(frame: pd.DataFrame, names: tuple[str, ...], what: str) -> str:
    for name in names:
        if name in frame.columns:
            return name
    allowed = ", ".join(repr(n) for n in names)
    raise ValueError(
        f"the pairs frame has no {what} column: expected one of {allowed}, "
        f"found {list(map(str, frame.columns))}"
    )


def _objects(arr: np.ndarray, what: str) -> np.ndarray:
    values = arr.tolist()
    if not values:
        return np.empty(0, dtype=np.int64)
    if all(isinstance(v, str) for v in values):
        return np.array(values, dtype=object)
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.int64)
    for pos, value in enumerate(values):
        if not isinstance(value, str | int | np.integer) or isinstance(value, bool):
            raise TypeError(
                f"{what} must be integers or strings; entry {pos} is {value!r} "
                f"({type(value).__name__})"
            )
    raise TypeError(f"{what} mix integers and strings; use one kind of id")
