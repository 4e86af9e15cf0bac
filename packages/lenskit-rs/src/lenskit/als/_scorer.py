"""What both matrix factorisation scorers share: options, training, scoring, fold-in.

A subclass says how ratings become training values (`_prepare`), how
embeddings start (`_initial`) and how a new user's history becomes an
embedding (`_fold_in`); everything else, from the seed to the batch entry
points, is here or in `lenskit._scorer.AccelScorer`.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from lenskit import _accel
from lenskit._scorer import (
    AccelScorer,
    IndexArray,
    RecommendArrays,
    TrainingData,
    frozen,
    id_array,
)
from lenskit._scorer.params import positive_int
from lenskit.data import Interactions, ItemList, Vocabulary

from ._model import BiasModel, Matrix, MFModel
from ._options import (
    CG_STEPS,
    Seed,
    SeedLike,
    Solver,
    UserEmbeddings,
    UserItem,
    embedding_size,
    seed_value,
    solver_name,
    user_embeddings_mode,
    user_item_pair,
)
from ._seed import generator, resolve_seed

History = ItemList | Mapping[Any, float] | Sequence[Any] | np.ndarray
"""A user's history for fold-in: an `ItemList` (its scores are the ratings),
a mapping of item id to rating, or a sequence of item ids (no ratings)."""


class MFScorer(AccelScorer[MFModel]):
    """Common behaviour of `BiasedMFScorer` and `ImplicitMFScorer`."""

    implicit: ClassVar[bool]
    """Whether the objective is implicit feedback."""

    def __init__(
        self,
        *,
        embedding_size: int | None,
        features: int | None,
        epochs: int,
        regularization: float | Mapping[str, float] | Sequence[float],
        user_embeddings: UserEmbeddings,
        solver: Solver,
        seed: SeedLike | None,
    ) -> None:
        owner = type(self).__name__
        self.embedding_size = _embedding_size(owner, embedding_size, features)
        self.epochs = positive_int(owner, "epochs", epochs)
        self.regularization: UserItem = user_item_pair(
            owner, "regularization", regularization, positive=True, missing=None
        )
        self.user_embeddings: UserEmbeddings = user_embeddings_mode(owner, user_embeddings)
        self.solver: Solver = solver_name(owner, solver)
        self.seed: Seed | None = seed_value(owner, seed)

    # -- what each objective supplies ----------------------------------------------

    @abstractmethod
    def _prepare(
        self, training: TrainingData, data: Interactions
    ) -> tuple[np.ndarray, BiasModel | None]:
        """The value of each training entry (aligned with ``training``), and the bias model."""

    @abstractmethod
    def _initial(self, rng: np.random.Generator, n_rows: int) -> Matrix:
        """Initial embeddings of ``n_rows`` rows."""

    @abstractmethod
    def _fold_in(
        self, model: MFModel, items: IndexArray, ratings: npt.NDArray[np.float32] | None
    ) -> tuple[np.ndarray, float]:
        """A new user's embedding and bias from their (known, sorted) items and ratings."""

    def _common_params(self) -> dict[str, Any]:
        reg = self.regularization
        return {
            "embedding_size": self.embedding_size,
            "epochs": self.epochs,
            "regularization": reg.user
            if reg.user == reg.item
            else {"user": reg.user, "item": reg.item},
            "user_embeddings": self.user_embeddings,
            "solver": self.solver,
            "seed": self.seed,
        }

    # -- training ----------------------------------------------------------------------

    def _train(self, data: Interactions) -> MFModel:
        """Draw initial embeddings from the seed, then run the ALS epochs on the Rayon pool."""
        training = TrainingData.of(data, explicit=False)
        values, bias = self._prepare(training, data)
        seed = resolve_seed(self.seed)
        rng = generator(seed)
        # items first, then users: the order LensKit draws them in
        items0 = self._initial(rng, data.n_items)
        users0 = self._initial(rng, data.n_users)
        users, items = _accel.als_train(
            training.shape,
            (training.indptr, training.indices, frozen(values, np.float32)),
            users0,
            items0,
            implicit=self.implicit,
            epochs=self.epochs,
            reg_user=self.regularization.user,
            reg_item=self.regularization.item,
            cg_steps=CG_STEPS if self.solver == "cg" else None,
        )
        items = frozen(items, np.float32)
        gram = None
        if self.implicit:
            gram = frozen(_accel.als_gram(items, self.regularization.user), np.float32)
        model = MFModel(
            training=training,
            user_embeddings=frozen(users, np.float32),
            item_embeddings=items,
            item_panels=frozen(_accel.als_item_panels(items), np.float32),
            seed=seed,
            bias=bias,
            gram=gram,
        )
        return model if self.user_embeddings is not False else _without_users(model)

    # -- scoring -------------------------------------------------------------------

    def _score_indices(
        self, model: MFModel, users: IndexArray, items: IndexArray, parallel: bool
    ) -> npt.NDArray[np.float64]:
        return _accel.als_score(model.accel_args(), users=users, items=items, parallel=parallel)

    def _recommend_indices(
        self,
        model: MFModel,
        users: IndexArray,
        n: int,
        *,
        candidates: IndexArray | None,
        exclude_seen: bool,
        parallel: bool,
    ) -> RecommendArrays:
        return _accel.als_recommend(
            model.accel_args(),
            users=users,
            n=n,
            candidates=candidates,
            exclude_seen=exclude_seen,
            parallel=parallel,
        )

    def score(
        self,
        user: object,
        items: Sequence[object] | np.ndarray | ItemList,
        *,
        history: History | None = None,
    ) -> ItemList:
        """Predict ``user``'s scores for ``items``, in the order given.

        With ``history`` (the user's ratings or interactions), the user's
        embedding is computed from it (fold-in) rather than taken from
        training; see `user_embeddings`. Unknown items, and users with neither
        a training embedding nor a history, get NaN.
        """
        model = self._snapshot()
        return self._score_with(self._model_for(model, user, history), user, items)

    def recommend(
        self,
        user: object,
        n: int | None = 10,
        candidates: Sequence[object] | np.ndarray | ItemList | None = None,
        exclude_seen: bool = True,
        *,
        history: History | None = None,
    ) -> ItemList:
        """The ``n`` best-scored items for ``user``, ranked.

        As `AccelScorer.recommend`; with ``history``, the user's embedding
        is folded in from it and ``exclude_seen`` leaves out the history's
        items.
        """
        model = self._snapshot()
        return self._recommend_with(
            self._model_for(model, user, history), user, n, candidates, exclude_seen
        )

    def _model_for(self, model: MFModel, user: object, history: History | None) -> MFModel:
        """``model``, or ``model`` with ``user`` alone, embedded from ``history``."""
        if history is None:
            return model
        if self.user_embeddings == "prefer" and user in model.training.users:
            return model
        items, ratings = _history_arrays(type(self).__name__, model.training.items, history)
        embedding, bias = self._fold_in(model, items, ratings)
        return model.for_one_user(user, embedding, bias, items)


def _embedding_size(owner: str, value: int | None, features: int | None) -> int:
    return embedding_size(owner, 64 if value is None and features is None else value, features)


def _without_users(model: MFModel) -> MFModel:
    """``model`` keeping no user state (``user_embeddings=False``)."""
    t = model.training
    training = TrainingData(
        users=Vocabulary([]),
        items=t.items,
        indptr=frozen(np.zeros(1), np.int64),
        indices=frozen(np.empty(0), np.int32),
        ratings=None,
    )
    bias = model.bias
    if bias is not None:
        bias = BiasModel(bias.global_bias, bias.item_biases, frozen(np.empty(0), np.float64))
    users = frozen(np.empty((0, model.embedding_size)), np.float32)
    return replace(model, training=training, user_embeddings=users, bias=bias)


def _history_arrays(
    owner: str, items: Vocabulary, history: History
) -> tuple[IndexArray, npt.NDArray[np.float32] | None]:
    """A history's known items as sorted indices, with their ratings if it has any.

    Items not in the training data are left out, as they have no embedding.
    """
    ratings: np.ndarray | None
    if isinstance(history, ItemList):
        ids, ratings = history.ids, history.scores
    elif isinstance(history, Mapping):
        ids = id_array(list(history.keys()), "history")
        ratings = np.array(list(history.values()), dtype=np.float64)
    else:
        ids, ratings = id_array(history, "history"), None
    index = items.indices(ids, missing="negative")
    if ratings is not None:
        bad = ~np.isfinite(ratings)
        if bad.any():
            item = _plain(ids[np.flatnonzero(bad)[0]])
            raise ValueError(f"{owner}: the history's rating of item {item!r} is not finite")
    known = index >= 0
    index = index[known]
    order = np.argsort(index, kind="stable")
    index = index[order]
    repeated = np.flatnonzero(np.diff(index) == 0)
    if len(repeated):
        item = _plain(items.ids[index[repeated[0]]])
        raise ValueError(f"{owner}: the history lists item {item!r} more than once")
    values = None if ratings is None else frozen(ratings[known][order], np.float32)
    return frozen(index, np.int32), values


def _plain(value: object) -> object:
    """A numpy scalar as the Python value it holds, for messages."""
    return value.item() if isinstance(value, np.generic) else value
