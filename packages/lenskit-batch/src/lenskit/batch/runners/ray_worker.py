"""The function Ray workers run for each chunk.

Kept apart from the driver-side runner so that a worker imports only what
scoring needs.  Workers inherit ``LK_*`` variables sized for one job among
many; `ensure_parallel_init` applies them before the first chunk.
"""

from __future__ import annotations

import pyarrow as pa

from lenskit.batch.tasks import ChunkTask, run_task


def score_chunk(model: object, task: ChunkTask) -> pa.Table:
    """Score one chunk in a Ray worker, after sizing this worker's thread pools."""
    from lenskit.parallel import ensure_parallel_init

    ensure_parallel_init()
    return run_task(model, task)
