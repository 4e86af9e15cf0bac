"""Item-based k-NN scoring (item-item collaborative filtering)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self, SupportsIndex

import numpy as np
import numpy.typing as npt

from lenskit import _accel
from lenskit.data import Interactions

from ._model import RatingArrays, SimArrays, TrainingData, frozen, frozen_sims
from ._params import (
    Feedback,
    feedback_kind,
    min_similarity,
    neighbour_counts,
    optional_positive_int,
)
from ._scorer import IndexArray, KNNScorer, RecommendArrays, ensure_pools


@dataclass(frozen=True)
class ItemModel:
    """Fitted item-kNN state: item means and the sparse similarity matrix."""

    training: TrainingData
    item_means: npt.NDArray[np.float64] | None
    sims: SimArrays
    """Row ``i``: the neighbours of item ``i`` (increasing index) and similarities."""
    sims_t: SimArrays | None
    """The transpose, kept only when ``save_nbrs`` truncated rows (else ``sims`` is symmetric)."""

    def accel_args(
        self,
    ) -> tuple[
        tuple[int, int], RatingArrays, npt.NDArray[np.float64] | None, SimArrays, SimArrays | None
    ]:
        """The model tuple `lenskit._accel.item_knn_score` and friends take."""
        t = self.training
        return (t.shape, t.arrays, self.item_means, self.sims, self.sims_t)

    @property
    def n_similarities(self) -> int:
        """Number of stored (item, neighbour) similarities."""
        return len(self.sims[1])


class ItemKNNScorer(KNNScorer):
    """Item-item k-nearest-neighbour scorer.

    Explicit feedback: centre each item's ratings on the item mean,
    similarity is the cosine of centred item vectors, and the score of item
    ``i`` for user ``u`` is ``mu_i + sum(s_ij * (r_uj - mu_j)) / sum(|s_ij|)``
    over the ``k`` items ``j`` most similar to ``i`` that ``u`` rated.
    Implicit feedback: binary vectors, and the score is the sum of those
    ``k`` similarities. See ``docs/knn/item-knn.md``.

    Args:
        k: neighbours used per prediction.
        min_nbrs: fewer usable neighbours than this gives no score (NaN).
        min_sim: only similarities strictly above this are kept (>= 0).
        save_nbrs: keep at most this many neighbours per item (the most
            similar); None keeps all.
        feedback: ``"explicit"`` (ratings) or ``"implicit"`` (interactions).
    """

    def __init__(
        self,
        k: SupportsIndex = 20,
        min_nbrs: SupportsIndex = 1,
        min_sim: float = 1e-6,
        save_nbrs: SupportsIndex | None = None,
        feedback: Feedback = "explicit",
    ) -> None:
        owner = type(self).__name__
        self.k, self.min_nbrs = neighbour_counts(owner, k, min_nbrs)
        self.min_sim = min_similarity(owner, min_sim)
        self.save_nbrs = optional_positive_int(owner, "save_nbrs", save_nbrs)
        self.feedback: Feedback = feedback_kind(owner, feedback)
        self._model: ItemModel | None = None

    def _params(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "min_nbrs": self.min_nbrs,
            "min_sim": self.min_sim,
            "save_nbrs": self.save_nbrs,
            "feedback": self.feedback,
        }

    def fit(self, data: Interactions) -> Self:
        """Compute item means and item-item similarities on the Rayon pool.

        Ctrl-C interrupts training promptly (KeyboardInterrupt), leaving the
        scorer as it was.
        """
        explicit = self.feedback == "explicit"
        if explicit and data.ratings is None:
            raise ValueError(
                f"{type(self).__name__}: feedback='explicit' needs rating values, but the "
                "data has none; use feedback='implicit' for interaction-only data"
            )
        ensure_pools()
        training = TrainingData.of(data, explicit=explicit)
        means, sims, sims_t = _accel.item_knn_fit(
            training.shape,
            training.arrays,
            explicit=explicit,
            min_sim=self.min_sim,
            save_nbrs=self.save_nbrs,
        )
        self._model = ItemModel(
            training=training,
            item_means=None if means is None else frozen(means, np.float64),
            sims=frozen_sims(sims),
            sims_t=None if sims_t is None else frozen_sims(sims_t),
        )
        self._training = training
        return self

    @property
    def model(self) -> ItemModel:
        """The fitted arrays (read-only)."""
        if self._model is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(data) first")
        return self._model

    def _score_indices(
        self, users: IndexArray, items: IndexArray, parallel: bool
    ) -> npt.NDArray[np.float64]:
        if parallel:
            ensure_pools()
        return _accel.item_knn_score(
            self.model.accel_args(),
            k=self.k,
            min_nbrs=self.min_nbrs,
            users=users,
            items=items,
            parallel=parallel,
        )

    def _recommend_indices(
        self,
        users: IndexArray,
        n: int,
        candidates: IndexArray | None,
        exclude_seen: bool,
        parallel: bool,
    ) -> RecommendArrays:
        if parallel:
            ensure_pools()
        return _accel.item_knn_recommend(
            self.model.accel_args(),
            k=self.k,
            min_nbrs=self.min_nbrs,
            users=users,
            n=n,
            candidates=candidates,
            exclude_seen=exclude_seen,
            parallel=parallel,
        )
