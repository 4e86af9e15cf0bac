"""The unit of work a runner hands to a batch job: one chunk of users.

Tasks are small frozen dataclasses of numpy arrays so they pickle cheaply
for Ray; the fitted model travels separately (once, through the object
store), and `run_task` is the one function every runner calls.  A task also
says whether its chunk goes to the model's Rayon path (``parallel``), as the
run plan decided (`lenskit.batch.plan.RunPlan.pool_scoring`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from lenskit.batch.scoring import predict_chunk, recommend_chunk


@dataclass(frozen=True)
class RecommendTask:
    """Recommend *n* items to each of *users*, on the model's Rayon pool if *parallel*."""

    users: np.ndarray
    n: int
    parallel: bool = False

    def __len__(self) -> int:
        return len(self.users)


@dataclass(frozen=True)
class PredictTask:
    """Score ``items[i]`` for ``users[i]``, on the model's Rayon pool if *parallel*."""

    users: np.ndarray
    items: list[np.ndarray]
    parallel: bool = False

    def __len__(self) -> int:
        return len(self.users)


ChunkTask = RecommendTask | PredictTask


def run_task(model: object, task: ChunkTask) -> pa.Table:
    """Score one chunk; the same code path for every runner, so results agree."""
    if isinstance(task, RecommendTask):
        return recommend_chunk(model, task.users, task.n, parallel=task.parallel)
    return predict_chunk(model, task.users, task.items, parallel=task.parallel)
