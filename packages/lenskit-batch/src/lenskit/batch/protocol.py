"""The model protocol of lenskit.batch, declared once.

A model serves `recommend` through the first of these methods it has:

- ``recommend_arrays(users, n, *, parallel)``: every user's ranked list end
  to end, as ``(offsets, item_ids, scores)`` (no Python object per user);
- ``recommend_batch(users, n, *, parallel)``: one item list per user;
- ``recommend(user, n)``: one user's item list.

It serves `predict` through ``score_batch(users, items, *, parallel)`` (one
score per (user, item) pair) or ``score(user, items)``. An item list is a
`lenskit.data.ItemList` or any object with ``ids`` and a length (and
optionally ``scores`` and ``ranks``). ``parallel=False`` asks a batch
method to run on the calling thread, since the runner supplies the
parallelism.

A model may say which users it knows with a ``users`` attribute (a
`lenskit.data.Vocabulary` or any collection of ids); other users are set
aside before scoring and counted in one warning.

`check_model` checks a model against all this before a run does any work;
the batch layer checks what the methods return as results arrive. Either
way a mistake is one `ModelProtocolError` naming the class, the method and
what was expected.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Container, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from lenskit.batch.errors import BatchError

Task = Literal["recommend", "predict"]

ITEM_LIST = "an ItemList (or an object with ids, and optionally scores and ranks)"


class ModelProtocolError(BatchError, TypeError):
    """A model does not follow the batch protocol; the message says how."""


class ItemListLike(Protocol):
    """What a model returns for one user: item ids, optionally with scores and ranks."""

    @property
    def ids(self) -> Any: ...

    def __len__(self) -> int: ...


@runtime_checkable
class Recommender(Protocol):
    """Recommends for one user at a time."""

    def recommend(self, user: Any, n: int) -> ItemListLike: ...


@runtime_checkable
class BatchRecommender(Protocol):
    """Recommends for a chunk of users in one call."""

    def recommend_batch(
        self, users: Sequence[Any], n: int, *, parallel: bool
    ) -> Sequence[ItemListLike]: ...


@runtime_checkable
class ArrayRecommender(Protocol):
    """Recommends for a chunk of users as flat arrays: user ``b``'s list is
    ``item_ids[offsets[b]:offsets[b + 1]]``, best first, with its ``scores``."""

    def recommend_arrays(
        self, users: Sequence[Any], n: int, *, parallel: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


@runtime_checkable
class Predictor(Protocol):
    """Scores items for one user at a time."""

    def score(self, user: Any, items: Any) -> ItemListLike: ...


@runtime_checkable
class BatchPredictor(Protocol):
    """Scores a chunk of (user, item) pairs in one call."""

    def score_batch(
        self, users: Sequence[Any], items: Sequence[Any], *, parallel: bool
    ) -> np.ndarray: ...


@dataclass(frozen=True)
class _EntryPoint:
    name: str
    call: str
    """How the batch layer calls it, for messages."""
    example: tuple[tuple[object, ...], Mapping[str, object]]
    """Arguments a call must accept."""


_BATCH_CALL = (([1], 1), {"parallel": False})
_PAIRS_CALL = (([1], [1]), {"parallel": False})
_ENTRY_POINTS: dict[Task, tuple[_EntryPoint, ...]] = {
    "recommend": (
        _EntryPoint("recommend_arrays", "recommend_arrays(users, n, *, parallel)", _BATCH_CALL),
        _EntryPoint("recommend_batch", "recommend_batch(users, n, *, parallel)", _BATCH_CALL),
        _EntryPoint("recommend", "recommend(user, n)", ((1, 1), {})),
    ),
    "predict": (
        _EntryPoint("score_batch", "score_batch(users, items, *, parallel)", _PAIRS_CALL),
        _EntryPoint("score", "score(user, items)", ((1, [1]), {})),
    ),
}


def check_model(model: object, task: Task) -> str:
    """The method a run for ``task`` (``"recommend"`` or ``"predict"``) will call.

    Checks that the method accepts the arguments the batch layer passes and
    that ``users``, if the model has it, is a collection of ids.

    Raises:
        ModelProtocolError: the model has no usable method, or a wrong
            ``users``; the message names them.
        ValueError: ``task`` is neither ``"recommend"`` nor ``"predict"``.
    """
    entry = _entry_point(model, task)
    known_users(model)
    return entry.name


def entry_method(model: object, task: Task) -> tuple[str, Callable[..., Any]]:
    """The name and bound method a run for ``task`` calls."""
    entry = _entry_point(model, task)
    return entry.name, getattr(model, entry.name)


def _entry_point(model: object, task: Task) -> _EntryPoint:
    if task not in _ENTRY_POINTS:
        raise ValueError(f"task must be 'recommend' or 'predict', not {task!r}")
    owner = type(model).__name__
    for entry in _ENTRY_POINTS[task]:
        method = getattr(model, entry.name, None)
        if method is None:
            continue
        if not callable(method):
            raise ModelProtocolError(
                f"{owner}.{entry.name} is a {type(method).__name__}, not a method; "
                f"the batch layer calls {owner}.{entry.call}"
            )
        _check_signature(owner, method, entry)
        return entry
    calls = [e.call for e in _ENTRY_POINTS[task]]
    verb = "recommend" if task == "recommend" else "score"
    raise ModelProtocolError(
        f"{owner} cannot {verb}: it has neither {', '.join(calls[:-1])} nor {calls[-1]}"
    )


def _check_signature(owner: str, method: Callable[..., Any], entry: _EntryPoint) -> None:
    try:
        signature = inspect.signature(method)
    except (TypeError, ValueError):
        return  # a builtin without introspection: its calls will tell
    args, kwargs = entry.example
    try:
        signature.bind(*args, **kwargs)
    except TypeError as err:
        raise ModelProtocolError(
            f"{owner}.{entry.name}{_names(signature)} cannot be called as "
            f"{owner}.{entry.call} ({err})"
        ) from None


def _names(signature: inspect.Signature) -> str:
    """A signature as its parameter names, without annotations or defaults."""
    parts: list[str] = []
    star = False
    for p in signature.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
            star = True
        elif p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
        else:
            if p.kind is p.KEYWORD_ONLY and not star:
                parts.append("*")
                star = True
            parts.append(p.name)
    return f"({', '.join(parts)})"


def known_users(model: object) -> Any:
    """The model's ``users`` (a vocabulary or collection of ids), or None if it has none.

    Raises:
        ModelProtocolError: ``users`` is a method or not a collection.
    """
    users = getattr(model, "users", None)
    if users is None:
        return None
    owner = type(model).__name__
    if inspect.ismethod(users) or inspect.isfunction(users) or inspect.isbuiltin(users):
        raise ModelProtocolError(
            f"{owner}.users must be the collection of user ids the model knows (a "
            "Vocabulary, set or list), not a method; make it an attribute or a property"
        )
    if callable(getattr(users, "indices", None)):
        return users
    if isinstance(users, str | bytes) or not isinstance(users, Container):
        raise ModelProtocolError(
            f"{owner}.users must be the collection of user ids the model knows (a "
            f"Vocabulary, set or list), not a {type(users).__name__}"
        )
    return users


def check_lists(model: object, method: str, lists: object, users: Sequence[object]) -> list[Any]:
    """The item lists ``method`` returned for ``users``, checked."""
    owner = type(model).__name__
    if not isinstance(lists, Sequence) or isinstance(lists, str | bytes):
        raise ModelProtocolError(
            f"{owner}.{method} returned a {type(lists).__name__}; it must return a sequence "
            f"of {ITEM_LIST}, one per user"
        )
    if len(lists) != len(users):
        raise ModelProtocolError(
            f"{owner}.{method} returned {len(lists)} lists for {len(users)} users"
        )
    for user, il in zip(users, lists, strict=True):
        check_item_list(model, method, il, user)
    return list(lists)


def check_item_list(model: object, method: str, result: object, user: object) -> Any:
    """``result``, the item list ``method`` returned for ``user``, checked."""
    if hasattr(result, "ids") and hasattr(result, "__len__") and not isinstance(result, str):
        return result
    raise ModelProtocolError(
        f"{type(model).__name__}.{method} returned a {type(result).__name__} for user "
        f"{_plain(user)!r}; it must return {ITEM_LIST}"
    )


def check_arrays(
    model: object, method: str, result: object, n_users: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(offsets, item_ids, scores)`` returned by ``method`` for ``n_users`` users, checked."""
    owner = type(model).__name__
    if not isinstance(result, Sequence) or len(result) != 3:
        shape = f"{len(result)} values" if isinstance(result, Sequence) else type(result).__name__
        raise ModelProtocolError(
            f"{owner}.{method} returned {shape}; it must return (offsets, item_ids, scores)"
        )
    offsets = np.asarray(result[0])
    item_ids, scores = np.asarray(result[1]), np.asarray(result[2])
    lengths = np.diff(offsets) if offsets.ndim == 1 and offsets.dtype.kind in "iu" else None
    if (
        lengths is None
        or len(offsets) != n_users + 1
        or offsets[0] != 0
        or (lengths < 0).any()
        or offsets[-1] != len(item_ids)
        or len(item_ids) != len(scores)
    ):
        raise ModelProtocolError(
            f"{owner}.{method} returned inconsistent offsets, items and scores: "
            f"{len(offsets)} integer offsets from 0 to {len(item_ids)} (the item and score "
            f"count, {len(item_ids)} and {len(scores)} here) must delimit {n_users} lists"
        )
    return offsets.astype(np.int64, copy=False), item_ids, scores.astype(np.float64, copy=False)


def check_scores(model: object, method: str, result: object, n_pairs: int) -> np.ndarray:
    """The scores ``method`` returned for ``n_pairs`` pairs, checked."""
    scores = np.asarray(result, dtype=np.float64) if _numeric(result) else None
    if scores is None or scores.shape != (n_pairs,):
        got = "a non-numeric result" if scores is None else f"{scores.size} scores"
        raise ModelProtocolError(
            f"{type(model).__name__}.{method} returned {got} for {n_pairs} pairs; it must "
            "return one score per (user, item) pair"
        )
    return scores


def _numeric(result: object) -> bool:
    try:
        np.asarray(result, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


def _plain(user: object) -> object:
    return user.item() if isinstance(user, np.generic) else user
