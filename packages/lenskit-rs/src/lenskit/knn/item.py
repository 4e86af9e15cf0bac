"""Item-based k-NN scoring (item-item collaborative filtering)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, SupportsIndex

import numpy as np
import numpy.typing as npt

from lenskit import _accel
from lenskit._scorer import (
    AccelScorer,
    IndexArray,
    RatingArrays,
    RecommendArrays,
    TrainingData,
    frozen,
)
from lenskit._scorer.params import (
    Feedback,
    feedback_kind,
    min_similarity,
    neighbour_counts,
    optional_positive_int,
    require_ratings,
)
from lenskit.data import Interactions

from ._footprint import ADVICE, check_fit

SimArrays = tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float64]]
"""``(indptr, indices, similarities)`` of a similarity matrix."""


def frozen_sims(arrays: tuple[np.ndarray, np.ndarray, np.ndarray]) -> SimArrays:
    """Freeze a similarity matrix from the kernels."""
    indptr, indices, values = arrays
    return frozen(indptr, np.int64), frozen(indices, np.int32), frozen(values, np.float64)


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


class ItemKNNScorer(AccelScorer[ItemModel]):
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

    def _params(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "min_nbrs": self.min_nbrs,
            "min_sim": self.min_sim,
            "save_nbrs": self.save_nbrs,
            "feedback": self.feedback,
        }

    def _check_data(self, data: Interactions) -> None:
        if self.feedback == "explicit":
            require_ratings(
                type(self).__name__,
                data,
                "feedback='explicit'",
                "use feedback='implicit' for interaction-only data",
            )

    def _train(self, data: Interactions) -> ItemModel:
        """Item means and item-item similarities, computed on the Rayon pool.

        Raises:
            MemoryError: the model would not fit in the memory this process
                may use (checked before training, from an estimate), or
                memory ran out during training; the message gives the sizes
                and the ``save_nbrs`` that would fit.
        """
        explicit = self.feedback == "explicit"
        training = TrainingData.of(data, explicit=explicit)
        owner = type(self).__name__
        check_fit(
            owner, training, explicit=explicit, min_sim=self.min_sim, save_nbrs=self.save_nbrs
        )
        try:
            means, sims, sims_t = _accel.item_knn_fit(
                training.shape,
                training.arrays,
                explicit=explicit,
                min_sim=self.min_sim,
                save_nbrs=self.save_nbrs,
            )
        except MemoryError as err:
            raise MemoryError(f"{owner}: {err}; {ADVICE}") from None
        return ItemModel(
            training=training,
            item_means=None if means is None else frozen(means, np.float64),
            sims=frozen_sims(sims),
            sims_t=None if sims_t is None else frozen_sims(sims_t),
        )

    def _score_indices(
        self, model: ItemModel, users: IndexArray, items: IndexArray, parallel: bool
    ) -> npt.NDArray[np.float64]:
        return _accel.item_knn_score(
            model.accel_args(),
            k=self.k,
            min_nbrs=self.min_nbrs,
            users=users,
            items=items,
            parallel=parallel,
        )

    def _recommend_indices(
        self,
        model: ItemModel,
        users: IndexArray,
        n: int,
        *,
        candidates: IndexArray | None,
        exclude_seen: bool,
        parallel: bool,
    ) -> RecommendArrays:
        return _accel.item_knn_recommend(
            model.accel_args(),
            k=self.k,
            min_nbrs=self.min_nbrs,
            users=users,
            n=n,
            candidates=candidates,
            exclude_seen=exclude_seen,
            parallel=parallel,
        )
