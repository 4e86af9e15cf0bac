"""The public verbs: recommend or predict for many users, at once or as a stream.

Each run: settings are resolved and thread pools sized
(`lenskit.parallel.ensure_parallel_init`), a runner is chosen
(`lenskit.batch.plan.plan_run`), users are taken in chunks, unknown users
are set aside, and the runner scores the rest, yielding chunk results in
input order.  `recommend` / `predict` collect them; the ``*_iter`` forms
hand them over one chunk at a time so a run over millions of users holds
only a few chunks in memory.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from lenskit.batch.inputs import (
    PairChunk,
    PairsInput,
    check_users,
    count_of,
    pair_chunks,
    user_chunks,
)
from lenskit.batch.plan import RunPlan, plan_run
from lenskit.batch.progress import Progress, wants_progress
from lenskit.batch.protocol import check_model
from lenskit.batch.results import BatchResults
from lenskit.batch.runners import make_runner
from lenskit.batch.tasks import ChunkTask, PredictTask, RecommendTask
from lenskit.batch.unknown import UnknownUsers

MAX_CHUNK = 64
"""Largest default chunk: keeps Ctrl-C and progress responsive on slow models."""
MIN_CHUNK = 8
"""Smallest default chunk: below this, per-task overhead dominates."""
CHUNKS_PER_JOB = 4
"""Default chunks per job for a known number of users, so jobs finish together."""


@dataclass(frozen=True)
class _Options:
    """How a run executes, as the caller asked."""

    n_jobs: int | None = None
    use_ray: bool | None = None
    progress: bool | None = None
    chunk_size: int | None = None
    plan: RunPlan | None = None
    # Stack level of the unknown-users warning relative to the run's generator,
    # so that it points at the caller's line whichever public verb they used.
    warn_level: int = 2

    def resolve_plan(self) -> RunPlan:
        return self.plan or plan_run(self.n_jobs, self.use_ray)

    def chunk(self, total: int | None, plan: RunPlan) -> int:
        if self.chunk_size is None:
            threads = plan.pool_threads if plan.pool_scoring else 1
            return default_chunk_size(total, plan.jobs, threads)
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {self.chunk_size}")
        return self.chunk_size


def recommend(
    model: object,
    users: Iterable[object],
    n: int = 10,
    *,
    n_jobs: int | None = None,
    use_ray: bool | None = None,
    progress: bool | None = None,
    chunk_size: int | None = None,
) -> BatchResults:
    """Recommend *n* items to each of *users*.

    Args:
        model: any model following `lenskit.batch.protocol` (a lenskit-rs
            scorer, or an object with ``recommend(user, n)``).
        users: user ids (list, array, Series, or any iterable).
        n: items per user.
        n_jobs: batch jobs (1 = sequential; -1 = one per CPU); default from
            ``num_batch_jobs``.
        use_ray: run on Ray; default from ``use_ray``.
        progress: show a progress bar on stderr; default when stderr is a terminal.
        chunk_size: users per task; default chosen from the job count.

    Returns:
        Columns ``user_id, item_id, rank, score``, users in input order.
        Users unknown to the model get no rows (one `UnknownUsersWarning`).

    Raises:
        ModelProtocolError: the model does not follow the protocol (checked
            before any work; return values as they arrive).
        UserScoringError: scoring a user raised; the run stopped.
        RayUnavailableError: Ray was asked for but is not installed.
        TypeError: *users* is a string or a single id, not a collection of ids.
    """
    options = _Options(n_jobs, use_ray, progress, chunk_size, warn_level=3)
    return BatchResults.concat(list(_recommend(model, users, n, options)), ranked=True)


def recommend_iter(
    model: object,
    users: Iterable[object],
    n: int = 10,
    *,
    n_jobs: int | None = None,
    use_ray: bool | None = None,
    progress: bool | None = None,
    chunk_size: int | None = None,
    plan: RunPlan | None = None,
) -> Generator[BatchResults, None, None]:
    """Like `recommend`, but yields one `BatchResults` per chunk, in input order.

    Memory stays bounded by a few chunks however many users there are; pair
    it with `ResultWriter` to write results as they arrive.  If the run fails,
    the chunks already yielded are not a complete result.

    *plan* (from `plan_run`) fixes the runner, for callers that show it first.
    """
    return _recommend(model, users, n, _Options(n_jobs, use_ray, progress, chunk_size, plan))


def predict(
    model: object,
    pairs: PairsInput,
    *,
    n_jobs: int | None = None,
    use_ray: bool | None = None,
    progress: bool | None = None,
    chunk_size: int | None = None,
) -> BatchResults:
    """Score the given items for each user.

    Args:
        model: any model following `lenskit.batch.protocol` (a lenskit-rs
            scorer, or an object with ``score(user, items)``).
        pairs: a frame with user and item columns (``user_id``/``user``/``userId``
            and ``item_id``/``item``/``movieId``), or ``(user, items)`` tuples.
        n_jobs, use_ray, progress, chunk_size: as for `recommend`.

    Returns:
        Columns ``user_id, item_id, score`` (NaN where the model has no score):
        a frame's rows grouped by user in order of first appearance, tuples in
        the order given.  Users unknown to the model get no rows (one
        `UnknownUsersWarning`).
    """
    options = _Options(n_jobs, use_ray, progress, chunk_size, warn_level=3)
    return BatchResults.concat(list(_predict(model, pairs, options)), ranked=False)


def predict_iter(
    model: object,
    pairs: PairsInput,
    *,
    n_jobs: int | None = None,
    use_ray: bool | None = None,
    progress: bool | None = None,
    chunk_size: int | None = None,
    plan: RunPlan | None = None,
) -> Generator[BatchResults, None, None]:
    """Like `predict`, but yields one `BatchResults` per chunk, in input order."""
    return _predict(model, pairs, _Options(n_jobs, use_ray, progress, chunk_size, plan))


def default_chunk_size(total: int | None, jobs: int, threads: int = 1) -> int:
    """Users per chunk: a few chunks per job, within `MIN_CHUNK` .. `MAX_CHUNK`.

    A chunk scored on a pool of *threads* threads is split among them, so
    both bounds grow by that factor: each thread still gets enough users to
    even out their costs before the chunk's last user holds the others up.
    """
    low, high = MIN_CHUNK * threads, MAX_CHUNK * threads
    if total is None:
        return high
    return max(low, min(high, math.ceil(total / (jobs * CHUNKS_PER_JOB))))


def _recommend(
    model: object, users: Iterable[object], n: int, options: _Options
) -> Generator[BatchResults, None, None]:
    check_model(model, "recommend")
    check_users(users)
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    plan = options.resolve_plan()
    total = count_of(users)
    chunks = user_chunks(users, options.chunk(total, plan))
    return _stream(
        model,
        chunks,
        lambda known, _chunk: RecommendTask(known, n, plan.pool_scoring),
        plan=plan,
        total=total,
        label="recommend",
        options=options,
    )


def _predict(
    model: object, pairs: PairsInput, options: _Options
) -> Generator[BatchResults, None, None]:
    check_model(model, "predict")
    plan = options.resolve_plan()
    chunks = pair_chunks(pairs, options.chunk(None, plan))

    def task(known: np.ndarray, chunk: PairChunk) -> ChunkTask:
        if len(known) == len(chunk.users):
            return PredictTask(known, chunk.items, plan.pool_scoring)
        keep = set(known.tolist())
        items = [its for u, its in zip(chunk.users.tolist(), chunk.items, strict=True) if u in keep]
        return PredictTask(known, items, plan.pool_scoring)

    return _stream(model, chunks, task, plan=plan, total=None, label="predict", options=options)


def _stream(
    model: object,
    chunks: Iterator[Any],
    make_task: Callable[[np.ndarray, Any], ChunkTask],
    *,
    plan: RunPlan,
    total: int | None,
    label: str,
    options: _Options,
) -> Generator[BatchResults, None, None]:
    """Drive the runner over the chunks, tracking unknown users and progress."""
    unknown = UnknownUsers(model)
    runner = make_runner(plan)
    # What the driver knows about each chunk handed to the runner, oldest first:
    # runners yield in task order, so the two queues stay aligned.
    asked: deque[tuple[int, int]] = deque()

    def tasks() -> Iterator[ChunkTask]:
        for chunk in chunks:
            users = chunk if isinstance(chunk, np.ndarray) else chunk.users
            before = unknown.count
            known = unknown.known(users)
            asked.append((len(users), unknown.count - before))
            yield make_task(known, chunk)

    bar = Progress(label, total, enabled=wants_progress(options.progress))
    results = runner.map(model, tasks())
    n_users = 0
    try:
        for table in results:
            chunk_users, chunk_unknown = asked.popleft()
            n_users += chunk_users
            bar.advance(chunk_users)
            yield BatchResults(table, n_users=chunk_users, n_unknown=chunk_unknown)
    finally:
        # Close the runner now, not when garbage is collected, if our caller stopped early.
        results.close()
        bar.close()
    unknown.warn(n_users, stacklevel=options.warn_level)
