"""Benchmark worker for upstream LensKit (2025.8.1 and 2026.4.0), run in a peer venv.

Uses LensKit the way its documentation does: a Dataset from a data frame, a
top-N pipeline around ``ItemKNNScorer``/``UserKNNScorer`` or
``BiasedMFScorer``/``ImplicitMFScorer``, ``pipeline.train`` for the fit (with
the task's seed for matrix factorisation), and
``lenskit.batch.predict``/``recommend`` with ``n_jobs`` for batch work.
Threads come from ``LK_NUM_THREADS``/``LK_NUM_BACKEND_THREADS``, set by the
driver before this process starts.

Upstream LensKit shares our ``lenskit`` namespace, so its modules are loaded
by name at run time (this file is never imported in the workspace venv).
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import Any

import numpy as np
from worker_common import Ratings, Spec, main


class LenskitSystem:
    """One LensKit k-NN pipeline."""

    def __init__(self, spec: Spec) -> None:
        self.algo: str = spec["algo"]
        self.k = int(spec["k"])
        self.mf: dict[str, Any] | None = spec.get("mf")
        self.n_jobs = int(spec["threads"])
        self.batch: Any = importlib.import_module("lenskit.batch")
        self._scores: Any = None
        self._recs: Any = None
        self._pairs: Any = None

    def prepare(self, ratings: Ratings, spec: Spec) -> None:
        data_mod: Any = importlib.import_module("lenskit.data")
        knn: Any = importlib.import_module("lenskit.knn")
        pipeline: Any = importlib.import_module("lenskit.pipeline")
        # Size the pools now: a first fit would otherwise pay for starting PyTorch and Rayon.
        importlib.import_module("lenskit.parallel").ensure_parallel_init()
        self.data = data_mod.from_interactions_df(
            ratings.frame(), user_col="user_id", item_col="item_id", rating_col="rating"
        )
        scorer: Any
        if self.mf is not None:
            als: Any = importlib.import_module("lenskit.als")
            common = {
                "embedding_size": self.mf["features"],
                "epochs": self.mf["epochs"],
                "regularization": self.mf["regularization"],
            }
            if self.algo == "biased-mf":
                scorer = als.BiasedMFScorer(**common)
            else:
                scorer = als.ImplicitMFScorer(weight=self.mf["weight"], **common)
        else:
            kind, feedback = self.algo.split("-")
            if kind == "item":
                scorer = knn.ItemKNNScorer(
                    k=self.k, save_nbrs=spec.get("save_nbrs"), feedback=feedback
                )
            else:
                scorer = knn.UserKNNScorer(k=self.k, feedback=feedback)
        # "raw": the scorer itself predicts ratings, with no fallback filling the gaps.
        raw = self.algo != "implicit-mf"
        self.pipe = pipeline.topn_pipeline(scorer, predicts_ratings="raw" if raw else False)

    def fit(self) -> None:
        if self.mf is None:
            self.pipe.train(self.data)
        else:
            training: Any = importlib.import_module("lenskit.training")
            self.pipe.train(self.data, training.TrainingOptions(rng=self.mf["seed"]))

    def prepare_pairs(self, users: np.ndarray, items: np.ndarray) -> None:
        import pandas as pd

        data_mod: Any = importlib.import_module("lenskit.data")
        self._pairs = pd.DataFrame({"user_id": users, "item_id": items})
        # 2026 takes only item-list collections; 2025 takes them too.
        self._test = data_mod.ItemListCollection.from_df(self._pairs, "user_id")

    def score(self) -> None:
        self._scores = self.batch.predict(self.pipe, self._test, n_jobs=self.n_jobs)

    def scores(self) -> np.ndarray:
        frame = self._scores.to_df()
        merged = self._pairs.merge(
            frame[["user_id", "item_id", "score"]], on=["user_id", "item_id"], how="left"
        )
        return merged["score"].to_numpy(dtype=np.float64)

    def recommend(self, users: np.ndarray, n: int) -> None:
        self._recs = self.batch.recommend(self.pipe, list(users), n=n, n_jobs=self.n_jobs)

    def recommendations(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        frame = self._recs.to_df()
        return (
            frame["user_id"].to_numpy(),
            frame["item_id"].to_numpy(),
            frame["rank"].to_numpy(dtype=np.int32),
        )

    def describe(self) -> dict[str, Any]:
        versions = {p: metadata.version(p) for p in ("lenskit", "numpy", "torch")}
        # LensKit's ALS solves every row exactly (Cholesky)
        solver = "cholesky" if self.mf is not None else None
        return {"versions": versions, "n_jobs": self.n_jobs, "solver": solver}


if __name__ == "__main__":
    main(LenskitSystem)
