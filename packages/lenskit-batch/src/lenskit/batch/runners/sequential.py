"""The sequential runner: one batch job, one chunk at a time.

It starts no threads of its own.  Each chunk goes to the model's Rayon pool
or stays on this thread, as the task says (`lenskit.batch.tasks`); either
way the results are those of scoring every user alone, one after another.
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
