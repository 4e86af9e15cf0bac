"""User-based k-NN scoring (user-user collaborative filtering)."""

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
    require_ratings,
)
from lenskit.data import Interactions

IndexArrays = tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32]]
"""``(indptr, indices, vector entries)`` of an item -> users index."""


def frozen_index(arrays: tuple[np.ndarray, np.ndarray, np.ndarray]) -> IndexArrays:
    """Freeze an item -> users index from the kernels."""
    indptr, indices, values = arrays
    return frozen(indptr, np.int64), frozen(indices, np.int32), frozen(values, np.float32)


@dataclass(frozen=True)
class UserModel:
    """Fitted user-kNN state: normalised user vectors, indexed by item."""

    training: TrainingData
    user_means: npt.NDArray[np.float64] | None
    user_norms: npt.NDArray[np.float64]
    user_vectors: npt.NDArray[np.float32]
    """Unit-vector entry of each rating, aligned with the training CSR arrays."""
    item_index: IndexArrays
    """Row ``i``: the users of item ``i`` and their vector entries."""

    def accel_args(
        self,
    ) -> tuple[
        tuple[int, int],
        RatingArrays,
        npt.NDArray[np.float64] | None,
        npt.NDArray[np.float64],
        npt.NDArray[np.float32],
        IndexArrays,
    ]:
        """The model tuple `lenskit._accel.user_knn_score` and friends take."""
        t = self.training
        return (
            t.shape,
            t.arrays,
            self.user_means,
            self.user_norms,
            self.user_vectors,
            self.item_index,
        )


class UserKNNScorer(AccelScorer[UserModel]):
    """User-user k-nearest-neighbour scorer.

    Explicit feedback: centre each user's ratings on the user mean;
    similarity is the cosine of centred user vectors, computed for the target
    user when scoring; the score of item ``i`` for user ``u`` is
    ``mu_u + sum(s_uv * (r_vi - mu_v)) / sum(|s_uv|)`` over the ``k`` users
    ``v`` most similar to ``u`` who rated ``i``. Implicit feedback: binary
    vectors, and the score is the sum of those ``k`` similarities. See
    ``docs/knn/user-knn.md``.

    Args:
        k: neighbours used per prediction.
        min_nbrs: fewer usable neighbours than this gives no score (NaN).
        min_sim: only users with similarity strictly above this are
            neighbours (>= 0).
        feedback: ``"explicit"`` (ratings) or ``"implicit"`` (interactions).
    """

    def __init__(
        self,
        k: SupportsIndex = 20,
        min_nbrs: SupportsIndex = 1,
        min_sim: float = 1e-6,
        feedback: Feedback = "explicit",
    ) -> None:
        owner = type(self).__name__
        self.k, self.min_nbrs = neighbour_counts(owner, k, min_nbrs)
        self.min_sim = min_similarity(owner, min_sim)
        self.feedback: Feedback = feedback_kind(owner, feedback)

    def _params(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "min_nbrs": self.min_nbrs,
            "min_sim": self.min_sim,
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

    def _train(self, data: Interactions) -> UserModel:
        """Normalise the user vectors and index them by item (O(ratings))."""
        explicit = self.feedback == "explicit"
        training = TrainingData.of(data, explicit=explicit)
        means, norms, vectors, index = _accel.user_knn_fit(
            training.shape, training.arrays, explicit=explicit
        )
        return UserModel(
            training=training,
            user_means=None if means is None else frozen(means, np.float64),
            user_norms=frozen(norms, np.float64),
            user_vectors=frozen(vectors, np.float32),
            item_index=frozen_index(index),
        )

    def _score_indices(
        self, model: UserModel, users: IndexArray, items: IndexArray, parallel: bool
    ) -> npt.NDArray[np.float64]:
        return _accel.user_knn_score(
            model.accel_args(),
            k=self.k,
            min_nbrs=self.min_nbrs,
            min_sim=self.min_sim,
            users=users,
            items=items,
            parallel=parallel,
        )

    def _recommend_indices(
        self,
        model: UserModel,
        users: IndexArray,
        n: int,
        *,
        candidates: IndexArray | None,
        exclude_seen: bool,
        parallel: bool,
    ) -> RecommendArrays:
        return _accel.user_knn_recommend(
            model.accel_args(),
            k=self.k,
            min_nbrs=self.min_nbrs,
            min_sim=self.min_sim,
            users=users,
            n=n,
            candidates=candidates,
            exclude_seen=exclude_seen,
            parallel=parallel,
        )
