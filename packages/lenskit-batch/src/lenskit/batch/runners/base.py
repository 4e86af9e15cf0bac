"""What every runner offers: an ordered map of chunk tasks to result tables."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from typing import Protocol

import pyarrow as pa

from lenskit.batch.tasks import ChunkTask


class Runner(Protocol):
    """Executes chunk tasks and yields their results in task order.

    `map` is a generator: it pulls tasks lazily, keeps a bounded number in
    flight, and releases everything it started (threads, Ray tasks, a Ray
    cluster) when it finishes, fails, is interrupted or is closed early.
    """

    name: str
    jobs: int

    def map(self, model: object, tasks: Iterable[ChunkTask]) -> Generator[pa.Table, None, None]: ...
