"""Biased matrix factorisation of explicit ratings, trained by ALS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from lenskit import _accel
from lenskit._scorer import IndexArray, TrainingData, frozen
from lenskit._scorer.params import require_ratings
from lenskit.data import Interactions

from ._model import BiasModel, Matrix, MFModel
from ._options import SeedLike, Solver, UserEmbeddings, UserItem, user_item_pair
from ._scorer import MFScorer


class BiasedMFScorer(MFScorer):
    """Biased matrix factorisation for explicit ratings (LensKit's ``BiasedMFScorer``).

    Learns a damped bias model ``mu + b_i + b_u`` first, then user and item
    embeddings ``p_u``, ``q_i`` whose dot products reconstruct the residual
    ratings, minimising the squared error on rated entries with each
    embedding's regularisation weighted by its rating count. The score of
    item ``i`` for user ``u`` is ``mu + b_i + b_u + p_u . q_i``. See
    ``docs/als/biased-mf.md``.

    Args:
        embedding_size: dimensions of each embedding (default 64; ``features`` is an
            alias).
        epochs: ALS epochs (each solves every user, then every item).
        regularization: L2 regularisation, one value or ``{"user": ..., "item": ...}``
            (or a ``(user, item)`` pair); > 0.
        damping: bias damping, one value or ``{"user": ..., "item": ...}``
            (a missing key is 0) or a pair; >= 0.
        user_embeddings: keep user embeddings (True), drop them and score only
            from histories (False), or prefer them over a given history
            (``"prefer"``).
        solver: ``"cg"`` (3 conjugate-gradient steps per row and half-epoch, the
            default: the same held-out quality at a fraction of the cost) or
            ``"cholesky"`` (exact, as LensKit solves).
        seed: seed of the initial embeddings; default: ``random.seed`` of the
            settings, else fresh entropy (recorded as ``model.seed``).
    """

    implicit = False

    def __init__(
        self,
        *,
        embedding_size: int | None = None,
        epochs: int = 10,
        regularization: float | Mapping[str, float] | Sequence[float] = 0.1,
        damping: float | Mapping[str, float] | Sequence[float] = 5.0,
        user_embeddings: UserEmbeddings = True,
        features: int | None = None,
        solver: Solver = "cg",
        seed: SeedLike | None = None,
    ) -> None:
        super().__init__(
            embedding_size=embedding_size,
            features=features,
            epochs=epochs,
            regularization=regularization,
            user_embeddings=user_embeddings,
            solver=solver,
            seed=seed,
        )
        self.damping: UserItem = user_item_pair(
            type(self).__name__, "damping", damping, positive=False, missing=0.0
        )

    def _params(self) -> dict[str, Any]:
        d = self.damping
        damping = d.user if d.user == d.item else {"user": d.user, "item": d.item}
        return {**self._common_params(), "damping": damping}

    def _check_data(self, data: Interactions) -> None:
        require_ratings(
            type(self).__name__,
            data,
            "explicit matrix factorisation",
            "use ImplicitMFScorer for interaction-only data",
        )

    def _prepare(
        self, training: TrainingData, data: Interactions
    ) -> tuple[np.ndarray, BiasModel | None]:
        global_bias, item_biases, user_biases, residuals = _accel.als_biases(
            training.shape,
            (training.indptr, training.indices, data.ratings),
            damping_user=self.damping.user,
            damping_item=self.damping.item,
        )
        bias = BiasModel(
            global_bias, frozen(item_biases, np.float64), frozen(user_biases, np.float64)
        )
        return residuals, bias

    def _initial(self, rng: np.random.Generator, n_rows: int) -> Matrix:
        # unit-length rows of normal draws, as LensKit starts explicit ALS
        m = rng.standard_normal((n_rows, self.embedding_size), dtype=np.float32)
        m /= np.linalg.norm(m, axis=1).reshape((n_rows, 1))
        return m

    def _fold_in(
        self, model: MFModel, items: IndexArray, ratings: npt.NDArray[np.float32] | None
    ) -> tuple[np.ndarray, float]:
        if ratings is None:
            raise ValueError(
                f"{type(self).__name__}: a history needs ratings: an ItemList whose scores "
                "are the ratings, or a mapping of item id to rating"
            )
        bias = model.bias
        assert bias is not None, "an explicit model has a bias model"
        return _accel.als_fold_in_explicit(
            model.item_embeddings,
            bias.global_bias,
            bias.item_biases,
            user_damping=self.damping.user,
            reg=self.regularization.user,
            items=items,
            ratings=ratings,
        )
