"""The sequential runner: the single-threaded reference every other runner must match.

It starts no threads and scores each chunk with ``parallel=False``, so it
is also the baseline the benchmarks compare against.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable

import pyarrow as pa

from lenskit.batch.tasks import ChunkTask, run_task


class SequentialRunner:
    """Scores chunks one after another on the calling thread."""

    name = "sequential"
    jobs = 1

    def map(self, model: object, tasks: Iterable[ChunkTask]) -> Generator[pa.Table, None, None]:
        """Results for *tasks*, in order."""
        for task in tasks:
            yield run_task(model, task)
