"""Benchmark worker for lenskit-parallel (this workspace), run with the workspace's Python.

Uses the public API a user would: ``Interactions.from_frame``, the k-NN or
matrix factorisation scorers' ``fit``, and ``lenskit.batch.predict``/``recommend``
with ``n_jobs``.
The Rayon pool is sized from ``LK_NUM_THREADS``, set by the driver before
this process starts.
"""

from __future__ import annotations

import hashlib
import importlib
import os
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from worker_common import Ratings, Spec, main

from lenskit import batch
from lenskit.als import BiasedMFScorer, ImplicitMFScorer
from lenskit.data import Interactions
from lenskit.knn import ItemKNNScorer, UserKNNScorer
from lenskit.parallel import ensure_parallel_init

Model = ItemKNNScorer | UserKNNScorer | BiasedMFScorer | ImplicitMFScorer


class OursSystem:
    """One lenskit-parallel scorer."""

    def __init__(self, spec: Spec) -> None:
        self.algo: str = spec["algo"]
        self.k = int(spec["k"])
        self.save_nbrs: int | None = spec.get("save_nbrs")
        self.mf: dict[str, Any] | None = spec.get("mf")
        self.n_jobs = int(spec["threads"])
        self._scores: Any = None
        self._recs: Any = None

    def prepare(self, ratings: Ratings, spec: Spec) -> None:
        # Size the pools now: a first fit would otherwise pay for loading the settings.
        ensure_parallel_init()
        self.data = Interactions.from_frame(
            ratings.frame(), user_col="user_id", item_col="item_id", rating_col="rating"
        )
        self.model = self._model()

    def _model(self) -> Model:
        if self.mf is not None:
            common = {
                "embedding_size": self.mf["features"],
                "epochs": self.mf["epochs"],
                "regularization": self.mf["regularization"],
                "seed": self.mf["seed"],
            }
            if self.algo == "biased-mf":
                return BiasedMFScorer(**common)
            return ImplicitMFScorer(weight=self.mf["weight"], **common)
        kind, kind_of_feedback = self.algo.split("-")
        feedback: Literal["explicit", "implicit"] = (
            "implicit" if kind_of_feedback == "implicit" else "explicit"
        )
        if kind == "item":
            return ItemKNNScorer(k=self.k, save_nbrs=self.save_nbrs, feedback=feedback)
        return UserKNNScorer(k=self.k, feedback=feedback)

    def fit(self) -> None:
        self.model.fit(self.data)

    def work(self) -> dict[str, int]:
        """What top-N for every user visits: for item-kNN, the candidates.

        A candidate is one neighbour of one item a user rated: top-N over
        every item reads each (user, rated item, neighbour) once, so this is
        the work the recommend stage's time is divided by.
        """
        if not isinstance(self.model, ItemKNNScorer):
            return {}
        sims, sims_t = self.model.model.sims, self.model.model.sims_t
        columns = sims if sims_t is None else sims_t
        lengths = np.diff(columns[0])
        return {"candidates": int(lengths[self.data.indices].sum())}

    def prepare_pairs(self, users: np.ndarray, items: np.ndarray) -> None:
        self._pairs = pd.DataFrame({"user_id": users, "item_id": items})

    def score(self) -> None:
        self._scores = batch.predict(self.model, self._pairs, n_jobs=self.n_jobs)

    def scores(self) -> np.ndarray:
        frame = self._scores.to_pandas()
        merged = self._pairs.merge(
            frame[["user_id", "item_id", "score"]], on=["user_id", "item_id"], how="left"
        )
        return merged["score"].to_numpy(dtype=np.float64)

    def recommend(self, users: np.ndarray, n: int) -> None:
        self._recs = batch.recommend(self.model, list(users), n=n, n_jobs=self.n_jobs)

    def recommendations(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        frame = self._recs.to_pandas()
        return (
            frame["user_id"].to_numpy(),
            frame["item_id"].to_numpy(),
            frame["rank"].to_numpy(dtype=np.int32),
        )

    def describe(self) -> dict[str, Any]:
        accel: Any = importlib.import_module("lenskit._accel")
        versions = {p: metadata.version(p) for p in ("lenskit-rs", "lenskit-batch", "numpy")}
        return {
            "versions": versions,
            "solver": getattr(self.model, "solver", None),
            "n_jobs": self.n_jobs,
            "LK_NUM_THREADS": os.environ.get("LK_NUM_THREADS"),
            "rayon_threads": accel.thread_count(),
            # Tells the driver if the extension was rebuilt between two measurements.
            "accel_sha256": hashlib.sha256(Path(accel.__file__).read_bytes()).hexdigest()[:16],
        }


if __name__ == "__main__":
    main(OursSystem)
