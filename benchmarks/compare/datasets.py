"""Writes each data set once to Parquet, with the pairs and users every system uses.

Every system reads the same three files, so differences in the results come
from the systems, not from how each one generated or parsed its input.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from lenskit.data import Interactions, movielens_small

from .plan import N_PAIRS, DatasetSpec


@dataclass(frozen=True)
class DatasetFiles:
    """The files of one data set and the facts the analysis needs about it."""

    name: str
    ratings: str
    pairs: str
    users: str
    n_users: int
    n_items: int
    n_ratings: int
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


def write_dataset(spec: DatasetSpec, folder: Path) -> DatasetFiles:
    """Generate (or load) the data set and write ratings, pairs and users under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    data = _interactions(spec)
    users = np.repeat(data.users.ids, data.user_counts())
    items = data.items.ids[data.indices]
    ratings = data.ratings if data.ratings is not None else np.ones(len(items), np.float32)
    files = DatasetFiles(
        name=spec.name,
        ratings=str(folder / "ratings.parquet"),
        pairs=str(folder / "pairs.parquet"),
        users=str(folder / "users.parquet"),
        n_users=data.n_users,
        n_items=int(np.count_nonzero(data.item_counts())),
        n_ratings=data.n_ratings,
        multiply_adds=int(np.sum(data.user_counts().astype(np.int64) ** 2)),
        stages=list(spec.stages) if spec.stages is not None else None,
        stages_reason=spec.stages_reason,
    )
    pq.write_table(
        pa.table(
            {
                "user_id": pa.array(users.astype(np.int64)),
                "item_id": pa.array(items.astype(np.int64)),
                "rating": pa.array(ratings.astype(np.float32)),
            }
        ),
        files.ratings,
    )
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
