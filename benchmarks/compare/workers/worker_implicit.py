"""Benchmark worker for implicit 0.7.3's ``CosineRecommender`` and ``AlternatingLeastSquares``.

Runs in implicit's peer venv. implicit works on dense 0-based indices and a
scipy CSR user-item matrix, so ``prepare`` maps the shared ids to indices
(untimed, as every system's ``prepare`` is). Every rating counts as a 1:
binary cosine item-kNN, and implicit-feedback ALS with confidence
``1 + alpha`` (``alpha`` is the task's weight) solved by implicit's default
conjugate gradient. ``num_threads`` is the thread count the driver asks for;
implicit uses it for the fits and for the ALS recommend, while its item-item
batch recommend is a loop on one thread.
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import Any

import numpy as np
from worker_common import Ratings, Spec, main


class ImplicitSystem:
    """implicit's item-item cosine recommender on binary data."""

    def __init__(self, spec: Spec) -> None:
        if spec["algo"] not in ("item-implicit", "implicit-mf"):
            raise ValueError(
                f"implicit only runs item-implicit and implicit-mf, not {spec['algo']}"
            )
        self.algo: str = spec["algo"]
        self.mf: dict[str, Any] | None = spec.get("mf")
        self.k = int(spec["k"])
        self.threads = int(spec["threads"])
        self._ids: Any = None
        self._scores: Any = None

    def prepare(self, ratings: Ratings, spec: Spec) -> None:
        sparse: Any = importlib.import_module("scipy.sparse")
        nn: Any = importlib.import_module("implicit.nearest_neighbours")
        self.user_ids, user_idx = np.unique(ratings.user_ids, return_inverse=True)
        self.item_ids, item_idx = np.unique(ratings.item_ids, return_inverse=True)
        ones = np.ones(len(user_idx), dtype=np.float32)
        shape = (len(self.user_ids), len(self.item_ids))
        self.user_items = sparse.csr_matrix((ones, (user_idx, item_idx)), shape=shape)
        if self.mf is not None:
            als: Any = importlib.import_module("implicit.cpu.als")
            self.model = als.AlternatingLeastSquares(
                factors=self.mf["features"],
                regularization=self.mf["regularization"],
                alpha=self.mf["weight"],
                iterations=self.mf["epochs"],
                num_threads=self.threads,
                random_state=self.mf["seed"],
            )
        else:
            self.model = nn.CosineRecommender(K=self.k, num_threads=self.threads)

    def fit(self) -> None:
        self.model.fit(self.user_items, show_progress=False)

    def prepare_pairs(self, users: np.ndarray, items: np.ndarray) -> None:
        raise NotImplementedError(
            f"the implicit comparison of {self.algo} covers fit and top-N only"
        )

    def score(self) -> None:
        raise NotImplementedError("the implicit comparison covers fit and top-N only")

    def scores(self) -> np.ndarray:
        raise NotImplementedError("the implicit comparison covers fit and top-N only")

    def recommend(self, users: np.ndarray, n: int) -> None:
        self._rows = np.searchsorted(self.user_ids, users)
        self._ids, self._scores = self.model.recommend(
            self._rows, self.user_items[self._rows], N=n, filter_already_liked_items=True
        )

    def recommendations(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        # implicit pads short lists with index -1 (and the lowest float score).
        n = self._ids.shape[1]
        valid = self._ids >= 0
        users = np.repeat(self.user_ids[self._rows], n).reshape(self._ids.shape)[valid]
        items = self.item_ids[self._ids[valid]]
        ranks = np.tile(np.arange(1, n + 1, dtype=np.int32), (len(self._rows), 1))[valid]
        return users, items, ranks

    def describe(self) -> dict[str, Any]:
        versions = {p: metadata.version(p) for p in ("implicit", "numpy", "scipy")}
        solver = "cg" if getattr(self.model, "use_cg", False) else None
        return {"versions": versions, "num_threads": self.threads, "solver": solver}


if __name__ == "__main__":
    main(ImplicitSystem)
