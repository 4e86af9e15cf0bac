"""Implicit-feedback matrix factorisation (Hu, Koren and Volinsky), trained by ALS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from lenskit import _accel
from lenskit._scorer import IndexArray, TrainingData
from lenskit._scorer.params import finite_number, require_ratings
from lenskit.data import Interactions

from ._model import BiasModel, Matrix, MFModel
from ._options import SeedLike, Solver, UserEmbeddings, flag
from ._scorer import MFScorer


class ImplicitMFScorer(MFScorer):
    """Matrix factorisation of implicit feedback (LensKit's ``ImplicitMFScorer``).

    Every (user, item) entry has preference 1 if the user interacted with
    the item and 0 otherwise, with confidence ``1 + weight * r`` (``r`` is 1,
    or the rating with ``use_ratings``) where there was an interaction and 1
    elsewhere; embeddings minimise the confidence-weighted squared error of
    the preferences plus L2 regularisation. The score of item ``i`` for user
    ``u`` is ``p_u . q_i``, on no meaningful scale. See
    ``docs/als/implicit-mf.md``.

    Args:
        embedding_size: dimensions of each embedding (default 64; ``features`` is an
            alias).
        epochs: ALS epochs (each solves every user, then every item).
        regularization: L2 regularisation, one value or ``{"user": ..., "item": ...}``
            (or a ``(user, item)`` pair); > 0.
        weight: confidence weight of an interaction (> 0).
        use_ratings: scale each interaction's weight by its rating (>= 0).
        user_embeddings: keep user embeddings (True), drop them and score only
            from histories (False), or prefer them over a given history
            (``"prefer"``).
        solver: ``"cg"`` (3 conjugate-gradient steps per row and half-epoch, the
            default: the same held-out quality at a fraction of the cost) or
            ``"cholesky"`` (exact, as LensKit solves).
        seed: seed of the initial embeddings; default: ``random.seed`` of the
            settings, else fresh entropy (recorded as ``model.seed``).
    """

    implicit = True

    def __init__(
        self,
        *,
        embedding_size: int | None = None,
        epochs: int = 10,
        regularization: float | Mapping[str, float] | Sequence[float] = 0.1,
        weight: float = 40.0,
        use_ratings: bool = False,
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
        owner = type(self).__name__
        self.weight = finite_number(owner, "weight", weight, positive=True)
        self.use_ratings = flag(owner, "use_ratings", use_ratings)

    def _params(self) -> dict[str, Any]:
        return {**self._common_params(), "weight": self.weight, "use_ratings": self.use_ratings}

    def _check_data(self, data: Interactions) -> None:
        if not self.use_ratings:
            return
        owner = type(self).__name__
        require_ratings(owner, data, "use_ratings=True", "use use_ratings=False")
        ratings = data.ratings
        if ratings is not None and len(ratings) and ratings.min() < 0:
            p = int(np.argmin(ratings))
            user = data.users.ids[np.searchsorted(data.indptr, p, side="right") - 1].item()
            item = data.items.ids[data.indices[p]].item()
            raise ValueError(
                f"{owner}: use_ratings=True needs ratings >= 0 (they scale the confidence "
                f"weight), but user {user!r} rated item {item!r} {ratings[p]}"
            )

    def _values(self, ratings: np.ndarray | None, n: int) -> npt.NDArray[np.float32]:
        """Confidence minus one of each interaction."""
        if self.use_ratings and ratings is not None:
            return np.asarray(ratings, np.float32) * np.float32(self.weight)
        return np.full(n, self.weight, dtype=np.float32)

    def _prepare(
        self, training: TrainingData, data: Interactions
    ) -> tuple[np.ndarray, BiasModel | None]:
        return self._values(data.ratings, data.n_ratings), None

    def _initial(self, rng: np.random.Generator, n_rows: int) -> Matrix:
        # squares of small normal draws, as LensKit starts implicit ALS
        m = rng.standard_normal((n_rows, self.embedding_size), dtype=np.float32) * 0.01
        m *= m
        return m

    def _fold_in(
        self, model: MFModel, items: IndexArray, ratings: npt.NDArray[np.float32] | None
    ) -> tuple[np.ndarray, float]:
        if self.use_ratings and ratings is None:
            raise ValueError(
                f"{type(self).__name__}: with use_ratings=True a history needs ratings: an "
                "ItemList whose scores are the ratings, or a mapping of item id to rating"
            )
        assert model.gram is not None, "an implicit model keeps its Gram matrix"
        values = self._values(ratings, len(items))
        if (values < 0).any():
            raise ValueError(f"{type(self).__name__}: use_ratings=True needs history ratings >= 0")
        embedding = _accel.als_fold_in_implicit(
            model.item_embeddings, model.gram, items=items, values=values
        )
        return embedding, 0.0
