"""The unit of work a runner hands to a batch job: one chunk of users.

Tasks are small frozen dataclasses of numpy arrays so they pickle cheaply
for Ray; the fitted model travels separately (once, through the object
store), and `run_task` is the one function every runner calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from lenskit.batch.scoring import predict_chunk, recommend_chunk


@dataclass(frozen=True)
class RecommendTask:
    """Recommend *n* items to each of *users*."""

    users: np.ndarray
    n: int

    def __len__(self) -> int:
        return len(self.users)


@dataclass(frozen=True)
class PredictTask:
    """Score ``items[i]`` for ``users[i]``."""

    users: np.ndarray
    items: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.users)


ChunkTask = RecommendTask | PredictTask


def run_task(model: object, task: ChunkTask) -> pa.Table:
    """Score one chunk; the same code path for every runner, so results agree."""
    if isinstance(task, RecommendTask):
        return recommend_chunk(model, task.users, task.n)
    return predict_chunk(model, task.users, task.items)
