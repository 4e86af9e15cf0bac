"""The thread-pool runner: N batch jobs on N threads in this process.

Each job scores a whole chunk in one call into Rust with the GIL released,
so threads scale even on a GIL-enabled Python.  A bounded number of chunks
is in flight, results come back in input order, and on any exit (done,
error, Ctrl-C, caller stops early) queued chunks are cancelled and the
threads joined, so none outlive the run.
"""

from __future__ import annotations

import concurrent.futures as cf
from collections import deque
from collections.abc import Generator, Iterable

import pyarrow as pa

from lenskit.batch.tasks import ChunkTask, run_task

_POLL_SECONDS = 0.25
"""How often a wait wakes up, so Ctrl-C is handled promptly on every platform."""


class ThreadRunner:
    """Scores chunks on a pool of *jobs* threads.

    Args:
        jobs: threads, one chunk each at a time.
        window: chunks submitted but not yet yielded (default ``2 * jobs``):
            bounds memory and keeps every thread busy while the caller
            handles a result.
    """

    name = "threads"

    def __init__(self, jobs: int, window: int | None = None) -> None:
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {jobs}")
        self.jobs = jobs
        self.window = window or 2 * jobs

    def map(self, model: object, tasks: Iterable[ChunkTask]) -> Generator[pa.Table, None, None]:
        """Results for *tasks*, in order."""
        pool = cf.ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="lenskit-batch")
        pending: deque[cf.Future[pa.Table]] = deque()
        source = iter(tasks)
        try:
            for task in source:
                pending.append(pool.submit(run_task, model, task))
                if len(pending) >= self.window:
                    break
            while pending:
                result = _result(pending.popleft())
                task = next(source, None)
                if task is not None:
                    pending.append(pool.submit(run_task, model, task))
                yield result
        finally:
            for future in pending:
                future.cancel()
            # Chunks already running finish (Rust cannot be interrupted mid-call);
            # chunks are small, so this takes a fraction of a second.
            pool.shutdown(wait=True, cancel_futures=True)


def _result(future: cf.Future[pa.Table]) -> pa.Table:
    while True:
        done, _ = cf.wait([future], timeout=_POLL_SECONDS)
        if done:
            return future.result()
