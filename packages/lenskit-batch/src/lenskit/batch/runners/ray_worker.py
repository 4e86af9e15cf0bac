"""The function Ray workers run for each chunk.

Kept apart from the driver-side runner so that a worker imports only what
scoring needs.  Workers inherit ``LK_*`` variables sized for one job among
many; `lenskit.parallel.ray.init_worker` applies them before the first chunk.
"""

from __future__ import annotations

import pyarrow as pa

from lenskit.batch.tasks import ChunkTask, run_task


def score_chunk(model: object, task: ChunkTask) -> pa.Table:
    """Score one chunk in a Ray worker, after sizing this worker's thread pools."""
    from lenskit.parallel.ray import init_worker

    init_worker()
    return run_task(model, task)
