"""Writes each data set once to Parquet, with the pairs, users and holdout split every system uses.

Every system reads the same files, so differences in the results come from
the systems, not from how each one generated or parsed its input.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from lenskit.data import Interactions, movielens_small

from .plan import HOLDOUT_FRACTION, HOLDOUT_MIN_USER, N_PAIRS, DatasetSpec


@dataclass(frozen=True)
class DatasetFiles:
    """The files of one data set and the facts the analysis needs about it."""

    name: str
    ratings: str
    pairs: str
    users: str
    train: str
    """Ratings of the holdout split's training part (the matrix factorisation tasks fit on it)."""
    test: str
    """Held-out ratings, of users and items in ``train``."""
    n_users: int
    n_items: int
    n_ratings: int
    n_train: int
    n_test: int
    multiply_adds: int
    """Item-kNN co-occurrence work: the sum over users of their rating count squared."""
    stages: list[str] | None = None
    """Only these stages run on this set (None: every stage of each task)."""
    stages_reason: str = ""

    def stages_of(self, task_stages: tuple[str, ...]) -> list[str]:
        """The stages of a task that run on this set."""
        return [s for s in task_stages if self.stages is None or s in self.stages]

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _interactions(spec: DatasetSpec) -> Interactions:
    if spec.movielens:
        return movielens_small()
    return Interactions.synthetic(spec.n_users, spec.n_items, spec.n_ratings, seed=spec.seed)


def _sample_pairs(data: Interactions, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` distinct (user, item) pairs: users uniform, items uniform among rated items."""
    rng = np.random.default_rng(seed)
    rated_items = np.flatnonzero(data.item_counts() > 0)
    n = min(n, data.n_users * len(rated_items))
    keys = np.empty(0, np.int64)
    while len(keys) < n:
        users = rng.integers(0, data.n_users, 2 * n)
        items = rng.choice(rated_items, 2 * n)
        fresh = np.unique(users.astype(np.int64) * data.n_items + items, return_index=True)[1]
        drawn = (users.astype(np.int64) * data.n_items + items)[np.sort(fresh)]
        keys = np.concatenate((keys, drawn[~np.isin(drawn, keys)]))[:n]
    return data.users.ids[keys // data.n_items], data.items.ids[keys % data.n_items]


def _holdout(data: Interactions, seed: int) -> np.ndarray:
    """A mask of the CSR entries held out: a fixed share of each active user's ratings."""
    rng = np.random.default_rng(seed)
    held = np.zeros(data.n_ratings, dtype=bool)
    counts = data.user_counts()
    for u in np.flatnonzero(counts >= HOLDOUT_MIN_USER):
        start, n = int(data.indptr[u]), int(counts[u])
        k = max(1, round(HOLDOUT_FRACTION * n))
        held[start + rng.choice(n, k, replace=False)] = True
    # an item rated only in the held-out part has no embedding anywhere: keep it in training
    trained = np.zeros(data.n_items, dtype=bool)
    trained[data.indices[~held]] = True
    held &= trained[data.indices]
    return held


def _write_ratings(path: str, users: np.ndarray, items: np.ndarray, ratings: np.ndarray) -> None:
    pq.write_table(
        pa.table(
            {
                "user_id": pa.array(users.astype(np.int64)),
                "item_id": pa.array(items.astype(np.int64)),
                "rating": pa.array(ratings.astype(np.float32)),
            }
        ),
        path,
    )


def write_dataset(spec: DatasetSpec, folder: Path) -> DatasetFiles:
    """Generate (or load) the data set and write ratings, pairs and users under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    data = _interactions(spec)
    users = np.repeat(data.users.ids, data.user_counts())
    items = data.items.ids[data.indices]
    ratings = data.ratings if data.ratings is not None else np.ones(len(items), np.float32)
    held = _holdout(data, spec.seed + 2)
    files = DatasetFiles(
        name=spec.name,
        ratings=str(folder / "ratings.parquet"),
        pairs=str(folder / "pairs.parquet"),
        users=str(folder / "users.parquet"),
        train=str(folder / "train.parquet"),
        test=str(folder / "test.parquet"),
        n_users=data.n_users,
        n_items=int(np.count_nonzero(data.item_counts())),
        n_ratings=data.n_ratings,
        n_train=int((~held).sum()),
        n_test=int(held.sum()),
        multiply_adds=int(np.sum(data.user_counts().astype(np.int64) ** 2)),
        stages=list(spec.stages) if spec.stages is not None else None,
        stages_reason=spec.stages_reason,
    )
    _write_ratings(files.ratings, users, items, ratings)
    _write_ratings(files.train, users[~held], items[~held], ratings[~held])
    _write_ratings(files.test, users[held], items[held], ratings[held])
    pair_users, pair_items = _sample_pairs(data, N_PAIRS, spec.seed + 1)
    pq.write_table(
        pa.table(
            {
                "user_id": pa.array(pair_users.astype(np.int64)),
                "item_id": pa.array(pair_items.astype(np.int64)),
            }
        ),
        files.pairs,
    )
    pq.write_table(pa.table({"user_id": pa.array(data.users.ids.astype(np.int64))}), files.users)
    return files
