"""The fitted state of a matrix factorisation scorer: plain, read-only arrays."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from lenskit._scorer import RatingArrays, TrainingData, frozen
from lenskit.data import Vocabulary

Matrix = npt.NDArray[np.float32]
"""Embeddings, one row per user or item."""


@dataclass(frozen=True)
class BiasModel:
    """The damped bias model of explicit feedback: ``mu + b_i + b_u``."""

    global_bias: float
    item_biases: npt.NDArray[np.float64]
    user_biases: npt.NDArray[np.float64]


@dataclass(frozen=True)
class MFModel:
    """Fitted embeddings, with what scoring needs besides them."""

    training: TrainingData
    """Vocabularies, and the items each user with an embedding rated (no values)."""
    user_embeddings: Matrix
    """One row per user of ``training`` (none when user embeddings are not kept)."""
    item_embeddings: Matrix
    item_panels: npt.NDArray[np.float32]
    """The item embeddings packed for scoring (`lenskit._accel.als_item_panels`)."""
    seed: int | tuple[int, ...]
    """The seed the initial embeddings were drawn from; pass it to repeat the fit."""
    bias: BiasModel | None = None
    """Explicit feedback only."""
    gram: Matrix | None = None
    """Implicit feedback only: ``Y^T Y + reg_user I`` of the item embeddings, for fold-in."""

    @property
    def embedding_size(self) -> int:
        """Dimensions of each embedding."""
        return int(self.item_embeddings.shape[1])

    def accel_args(
        self,
    ) -> tuple[
        tuple[int, int],
        RatingArrays,
        Matrix,
        npt.NDArray[np.float32],
        tuple[float, npt.NDArray[np.float64], npt.NDArray[np.float64]] | None,
    ]:
        """The model tuple `lenskit._accel.als_score` and `als_recommend` take."""
        t = self.training
        biases = None
        if self.bias is not None:
            b = self.bias
            biases = (b.global_bias, b.item_biases, b.user_biases)
        return (t.shape, t.arrays, self.user_embeddings, self.item_panels, biases)

    def for_one_user(
        self, user: object, embedding: np.ndarray, bias: float, rated: npt.NDArray[np.int32]
    ) -> MFModel:
        """This model with ``user`` as its only user, who rated ``rated`` (sorted indices)."""
        training = TrainingData(
            users=Vocabulary([user]),
            items=self.training.items,
            indptr=frozen(np.array([0, len(rated)]), np.int64),
            indices=frozen(rated, np.int32),
            ratings=None,
        )
        one_bias = None
        if self.bias is not None:
            one_bias = replace(self.bias, user_biases=frozen(np.array([bias]), np.float64))
        return replace(
            self,
            training=training,
            user_embeddings=frozen(embedding.reshape(1, -1), np.float32),
            bias=one_bias,
        )
