"""What item-kNN and user-kNN share: id lookups, batching and result lists.

Subclasses fit a model and provide two index-level operations (score pairs,
recommend for users); this base class turns user and item ids into indices
(-1 for unknown ones, which the kernels treat as unscorable), makes sure the
thread pools are sized, and turns kernel output back into `ItemList`s.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from lenskit.data import ItemList, Vocabulary

from ._model import TrainingData
from ._params import list_length

IndexArray = npt.NDArray[np.int32]
RecommendArrays = tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float64]]


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


def _id_array(ids: object, what: str) -> np.ndarray:
    """Ids as a 1-d array for `Vocabulary.indices`."""
    if isinstance(ids, ItemList):
        return ids.ids
    if isinstance(ids, str | bytes) or not hasattr(ids, "__len__"):
        raise TypeError(f"{what} must be a sequence of ids, got {type(ids).__name__}")
    array = ids if isinstance(ids, np.ndarray) else np.array(list(ids), dtype=object)  # type: ignore[call-overload]
    if array.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got shape {array.shape}")
    return array


class KNNScorer(ABC):
    """Common behaviour of the k-NN scorers; see `ItemKNNScorer` and `UserKNNScorer`."""

    _training: TrainingData | None = None

    # -- subclass interface ------------------------------------------------------

    @abstractmethod
    def _score_indices(
        self, users: IndexArray, items: IndexArray, parallel: bool
    ) -> npt.NDArray[np.float64]:
        """Score (user, item) index pairs; -1 marks unknown."""

    @abstractmethod
    def _recommend_indices(
        self,
        users: IndexArray,
        n: int,
        candidates: IndexArray | None,
        exclude_seen: bool,
        parallel: bool,
    ) -> RecommendArrays:
        """Top-n item indices and scores per user index, as ragged arrays."""

    @abstractmethod
    def _params(self) -> dict[str, Any]:
        """Constructor parameters, for repr."""

    # -- fitted state ------------------------------------------------------------

    def _require_training(self) -> TrainingData:
        if self._training is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(data) first")
        return self._training

    @property
    def users(self) -> Vocabulary:
        """The users of the training data."""
        return self._require_training().users

    @property
    def items(self) -> Vocabulary:
        """The items of the training data."""
        return self._require_training().items

    # -- single user ---------------------------------------------------------------

    def score(self, user: object, items: Sequence[object] | np.ndarray | ItemList) -> ItemList:
        """Predict ``user``'s scores for ``items``, in the order given.

        An unknown user, an unknown item, or too few neighbours gives a NaN
        score; repeated items are scored each time.
        """
        training = self._require_training()
        ids = _id_array(items, "items")
        item_idx = training.items.indices(ids, missing="negative")
        user_idx = training.users.indices(np.array([user], dtype=object), missing="negative")
        users = np.full(len(item_idx), user_idx[0], dtype=np.int32)
        scores = self._score_indices(users, item_idx, False) if len(ids) else np.empty(0)
        return ItemList(ids, scores)

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
        training = self._require_training()
        count = list_length("n", n)
        cand_idx = None
        if candidates is not None:
            cand_idx = training.items.indices(_id_array(candidates, "candidates"), "negative")
        users = training.users.indices(np.array([user], dtype=object), missing="negative")
        limit = len(training.items) if count is None else count
        return self._lists(self._recommend_indices(users, limit, cand_idx, exclude_seen, False))[0]

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
        return self._lists(self._recommend_users(users, n, exclude_seen, parallel))

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
        costs as much as scoring when neighbourhoods are small.
        """
        offsets, items, scores = self._recommend_users(users, n, exclude_seen, parallel)
        return RankedArrays(offsets, self.items.ids[items], scores)

    def score_batch(
        self,
        users: Sequence[object] | np.ndarray,
        items: Sequence[object] | np.ndarray,
        *,
        parallel: bool = True,
    ) -> npt.NDArray[np.float64]:
        """Scores of ``(users[p], items[p])`` pairs; NaN where unknown or unscorable."""
        training = self._require_training()
        user_ids = _id_array(users, "users")
        item_ids = _id_array(items, "items")
        if len(user_ids) != len(item_ids):
            raise ValueError(
                f"score_batch needs one item per user: got {len(user_ids)} users "
                f"and {len(item_ids)} items"
            )
        user_idx = training.users.indices(user_ids, missing="negative")
        item_idx = training.items.indices(item_ids, missing="negative")
        return self._score_indices(user_idx, item_idx, parallel)

    # -- helpers ---------------------------------------------------------------------

    def _recommend_users(
        self,
        users: Sequence[object] | np.ndarray,
        n: int | None,
        exclude_seen: bool,
        parallel: bool,
    ) -> RecommendArrays:
        """Top-n over every item for each of ``users`` (ids), as ragged index arrays."""
        training = self._require_training()
        count = list_length("n", n)
        user_idx = training.users.indices(_id_array(users, "users"), missing="negative")
        limit = len(training.items) if count is None else count
        return self._recommend_indices(user_idx, limit, None, exclude_seen, parallel)

    def _lists(self, recs: RecommendArrays) -> list[ItemList]:
        offsets, items, scores = recs
        ids = self.items.ids[items]
        out: list[ItemList] = []
        for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
            ranks = np.arange(1, end - start + 1, dtype=np.int32)
            out.append(ItemList(ids[start:end], scores[start:end], ranks))
        return out

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        state = "fitted" if self._training is not None else "not fitted"
        return f"<{type(self).__name__}({params}), {state}>"
