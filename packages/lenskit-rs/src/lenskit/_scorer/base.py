"""What every lenskit-rs scorer shares: the fit guard, the model snapshot,
id lookups, and the single-user and batch entry points.

A subclass trains a complete model object from the data (`_train`) and
scores index arrays with one (`_score_indices`, `_recommend_indices`). This
base class checks the data and sizes the thread pools before any Rust runs,
turns user and item ids into indices (-1 for unknown ones, which the
kernels treat as unscorable), and turns kernel output back into
`ItemList`s.

A scorer's whole fitted state is one immutable object in one attribute.
`fit` builds the new model completely and then replaces the old one with a
single assignment; every call that reads the model takes that attribute
once and uses only what it got. So a scorer can be refitted while other
threads use it: each call sees the old model or the new one, never a
mixture of the two.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Generic, NamedTuple, Protocol, Self, TypeVar

import numpy as np
import numpy.typing as npt

from lenskit.data import Interactions, ItemList, Vocabulary

from .params import list_length
from .training import TrainingData

IndexArray = npt.NDArray[np.int32]
RecommendArrays = tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float64]]


class FittedModel(Protocol):
    """A scorer's fitted state: at least the training data's vocabularies and rows."""

    @property
    def training(self) -> TrainingData: ...


Model = TypeVar("Model", bound=FittedModel)


class RankedArrays(NamedTuple):
    """Ranked lists of many users, end to end: user ``b``'s list is
    ``item_ids[offsets[b]:offsets[b + 1]]`` (best first) with its ``scores``."""

    offsets: npt.NDArray[np.int64]
    item_ids: np.ndarray
    scores: npt.NDArray[np.float64]


def ensure_pools() -> None:
    """Size the Rayon pool (and BLAS, ...) from the LensKit settings, once."""
    from lenskit.parallel import ensure_parallel_init

    ensure_parallel_init()


def id_array(ids: object, what: str) -> np.ndarray:
    """Ids as a 1-d array for `Vocabulary.indices`."""
    if isinstance(ids, ItemList):
        return ids.ids
    if isinstance(ids, str | bytes) or not hasattr(ids, "__len__"):
        raise TypeError(f"{what} must be a sequence of ids, got {type(ids).__name__}")
    array = ids if isinstance(ids, np.ndarray) else np.array(list(ids), dtype=object)  # type: ignore[call-overload]
    if array.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got shape {array.shape}")
    return array


class AccelScorer(ABC, Generic[Model]):
    """Common behaviour of the lenskit-rs scorers (k-NN and matrix factorisation)."""

    _fitted: Model | None = None

    # -- subclass interface ------------------------------------------------------

    @abstractmethod
    def _check_data(self, data: Interactions) -> None:
        """Raise ValueError if this scorer cannot train on ``data`` (checked before any Rust)."""

    @abstractmethod
    def _train(self, data: Interactions) -> Model:
        """Train a complete new model on ``data`` (already checked)."""

    @abstractmethod
    def _score_indices(
        self, model: Model, users: IndexArray, items: IndexArray, parallel: bool
    ) -> npt.NDArray[np.float64]:
        """Score (user, item) index pairs with ``model``; -1 marks unknown."""

    @abstractmethod
    def _recommend_indices(
        self,
        model: Model,
        users: IndexArray,
        n: int,
        *,
        candidates: IndexArray | None,
        exclude_seen: bool,
        parallel: bool,
    ) -> RecommendArrays:
        """Top-n item indices and scores per user index, as ragged arrays."""

    @abstractmethod
    def _params(self) -> dict[str, Any]:
        """Constructor parameters, for repr."""

    # -- fitting -------------------------------------------------------------------

    def fit(self, data: Interactions) -> Self:
        """Train on ``data``, replacing any earlier model at once.

        The data is checked before any Rust runs. Training runs on the Rayon
        pool with the GIL released; Ctrl-C interrupts it promptly
        (KeyboardInterrupt), leaving the scorer as it was. Threads using the
        scorer meanwhile keep the model they started with.
        """
        owner = type(self).__name__
        if not isinstance(data, Interactions):
            raise TypeError(
                f"{owner}.fit needs lenskit.data.Interactions, got {type(data).__name__} "
                "(build one with Interactions.from_frame)"
            )
        if data.n_ratings == 0:
            raise ValueError(f"{owner}: the training data has no interactions")
        self._check_data(data)
        ensure_pools()
        model = self._train(data)
        self._fitted = model
        return self

    def _snapshot(self) -> Model:
        """The fitted model, read once; callers use only this object."""
        model = self._fitted
        if model is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(data) first")
        return model

    @property
    def model(self) -> Model:
        """The fitted arrays (read-only)."""
        return self._snapshot()

    @property
    def users(self) -> Vocabulary:
        """The users of the training data."""
        return self._snapshot().training.users

    @property
    def items(self) -> Vocabulary:
        """The items of the training data."""
        return self._snapshot().training.items

    # -- single user ---------------------------------------------------------------

    def score(self, user: object, items: Sequence[object] | np.ndarray | ItemList) -> ItemList:
        """Predict ``user``'s scores for ``items``, in the order given.

        An unknown user, an unknown item, or an item the model cannot score
        gives a NaN score; repeated items are scored each time.
        """
        return self._score_with(self._snapshot(), user, items)

    def recommend(
        self,
        user: object,
        n: int | None = 10,
        candidates: Sequence[object] | np.ndarray | ItemList | None = None,
        exclude_seen: bool = True,
    ) -> ItemList:
        """The ``n`` best-scored items for ``user``, ranked.

        Candidates default to every training item; unknown and repeated
        candidates are ignored. Items the user rated are left out when
        ``exclude_seen``. Items without a score are never recommended, so the
        list may be shorter than ``n``; it is empty for an unknown user.
        ``n=None`` ranks every scorable candidate.
        """
        return self._recommend_with(self._snapshot(), user, n, candidates, exclude_seen)

    def _score_with(
        self, model: Model, user: object, items: Sequence[object] | np.ndarray | ItemList
    ) -> ItemList:
        training = model.training
        ids = id_array(items, "items")
        item_idx = training.items.indices(ids, missing="negative")
        user_idx = training.users.indices(np.array([user], dtype=object), missing="negative")
        users = np.full(len(item_idx), user_idx[0], dtype=np.int32)
        scores = self._score_indices(model, users, item_idx, False) if len(ids) else np.empty(0)
        return ItemList(ids, scores)

    def _recommend_with(
        self,
        model: Model,
        user: object,
        n: int | None,
        candidates: Sequence[object] | np.ndarray | ItemList | None,
        exclude_seen: bool,
    ) -> ItemList:
        training = model.training
        count = list_length("n", n)
        cand_idx = None
        if candidates is not None:
            cand_idx = training.items.indices(id_array(candidates, "candidates"), "negative")
        users = training.users.indices(np.array([user], dtype=object), missing="negative")
        limit = len(training.items) if count is None else count
        recs = self._recommend_indices(
            model, users, limit, candidates=cand_idx, exclude_seen=exclude_seen, parallel=False
        )
        return self._lists(model, recs)[0]

    # -- batches -----------------------------------------------------------------------

    def recommend_batch(
        self,
        users: Sequence[object] | np.ndarray,
        n: int | None = 10,
        *,
        exclude_seen: bool = True,
        parallel: bool = True,
    ) -> list[ItemList]:
        """`recommend` for many users at once: one ranked list per user, in order.

        ``parallel=True`` spreads the users over the Rayon pool;
        ``parallel=False`` runs on the calling thread (with the GIL released),
        for runners that parallelise across calls themselves.
        """
        model = self._snapshot()
        return self._lists(model, self._recommend_users(model, users, n, exclude_seen, parallel))

    def recommend_arrays(
        self,
        users: Sequence[object] | np.ndarray,
        n: int | None = 10,
        *,
        exclude_seen: bool = True,
        parallel: bool = True,
    ) -> RankedArrays:
        """`recommend_batch` as flat arrays rather than one `ItemList` per user.

        For many users this skips building a Python object per user, which
        costs as much as scoring when models are fast.
        """
        model = self._snapshot()
        offsets, items, scores = self._recommend_users(model, users, n, exclude_seen, parallel)
        return RankedArrays(offsets, model.training.items.ids[items], scores)

    def score_batch(
        self,
        users: Sequence[object] | np.ndarray,
        items: Sequence[object] | np.ndarray,
        *,
        parallel: bool = True,
    ) -> npt.NDArray[np.float64]:
        """Scores of ``(users[p], items[p])`` pairs; NaN where unknown or unscorable."""
        model = self._snapshot()
        training = model.training
        user_ids = id_array(users, "users")
        item_ids = id_array(items, "items")
        if len(user_ids) != len(item_ids):
            raise ValueError(
                f"score_batch needs one item per user: got {len(user_ids)} users "
                f"and {len(item_ids)} items"
            )
        user_idx = training.users.indices(user_ids, missing="negative")
        item_idx = training.items.indices(item_ids, missing="negative")
        if parallel:
            ensure_pools()
        return self._score_indices(model, user_idx, item_idx, parallel)

    # -- helpers ---------------------------------------------------------------------

    def _recommend_users(
        self,
        model: Model,
        users: Sequence[object] | np.ndarray,
        n: int | None,
        exclude_seen: bool,
        parallel: bool,
    ) -> RecommendArrays:
        """Top-n over every item for each of ``users`` (ids), as ragged index arrays."""
        training = model.training
        count = list_length("n", n)
        user_idx = training.users.indices(id_array(users, "users"), missing="negative")
        limit = len(training.items) if count is None else count
        if parallel:
            ensure_pools()
        return self._recommend_indices(
            model, user_idx, limit, candidates=None, exclude_seen=exclude_seen, parallel=parallel
        )

    @staticmethod
    def _lists(model: Model, recs: RecommendArrays) -> list[ItemList]:
        offsets, items, scores = recs
        ids = model.training.items.ids[items]
        out: list[ItemList] = []
        for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
            ranks = np.arange(1, end - start + 1, dtype=np.int32)
            out.append(ItemList(ids[start:end], scores[start:end], ranks))
        return out

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        state = "fitted" if self._fitted is not None else "not fitted"
        return f"<{type(self).__name__}({params}), {state}>"
