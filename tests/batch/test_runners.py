"""Sequential and thread runners: order, bounded work in flight, clean shutdown."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence

import numpy as np
import pytest

from lenskit.batch import UserScoringError
from lenskit.batch.runners import SequentialRunner, ThreadRunner
from lenskit.batch.tasks import RecommendTask
from lenskit.data import Interactions, ItemList
from tests.batch.conftest import BatchPopularScorer, FailingScorer, lenskit_threads


class StaggeredScorer(BatchPopularScorer):
    """The first chunk is slow, so later chunks finish first; records finishing order."""

    def __init__(self, data: Interactions, slow_user: object) -> None:
        super().__init__(data)
        self.slow_user = slow_user
        self.finished: list[object] = []
        self.threads: set[str] = set()

    def recommend_batch(
        self, users: Sequence[object], n: int = 10, *, parallel: bool = True
    ) -> list[ItemList]:
        if users[0] == self.slow_user:
            time.sleep(0.3)
        result = super().recommend_batch(users, n, parallel=parallel)
        with self._lock:
            self.finished.append(users[0])
            self.threads.add(threading.current_thread().name)
        return result


def chunk_tasks(users: list[object], size: int, parallel: bool = False) -> list[RecommendTask]:
    return [
        RecommendTask(np.array(users[i : i + size]), 3, parallel)
        for i in range(0, len(users), size)
    ]


def first_users(tables: list) -> list[object]:
    return [t.column("user_id")[0].as_py() for t in tables]


def test_thread_runner_yields_in_task_order_when_later_chunks_finish_first(
    small_data: Interactions, known_users: list[object]
) -> None:
    model = StaggeredScorer(small_data, known_users[0])
    tasks = chunk_tasks(known_users[:40], 5)
    out = list(ThreadRunner(2).map(model, tasks))
    assert model.finished[0] != known_users[0]
    assert first_users(out) == [t.users[0] for t in tasks]


def test_thread_runner_matches_sequential_runner(
    small_data: Interactions, known_users: list[object]
) -> None:
    tasks = chunk_tasks(known_users, 7)
    model = BatchPopularScorer(small_data)
    sequential = list(SequentialRunner().map(model, tasks))
    threaded = list(ThreadRunner(2).map(model, tasks))
    assert [t.equals(u) for t, u in zip(sequential, threaded, strict=True)] == [True] * len(tasks)


def test_sequential_runner_scores_on_the_calling_thread(
    small_data: Interactions, known_users: list[object]
) -> None:
    model = StaggeredScorer(small_data, slow_user=None)
    list(SequentialRunner().map(model, chunk_tasks(known_users[:20], 5)))
    assert model.threads == {threading.current_thread().name}


def test_thread_runner_uses_as_many_threads_as_jobs(
    small_data: Interactions, known_users: list[object]
) -> None:
    model = StaggeredScorer(small_data, slow_user=known_users[0])
    list(ThreadRunner(2).map(model, chunk_tasks(known_users[:40], 5)))
    assert len(model.threads) == 2
    assert all(name.startswith("lenskit-batch") for name in model.threads)


@pytest.mark.parametrize("parallel", [False, True])
def test_runners_hand_each_chunk_to_the_model_as_the_task_says(
    small_data: Interactions, known_users: list[object], parallel: bool
) -> None:
    model = BatchPopularScorer(small_data)
    tasks = chunk_tasks(known_users[:20], 5, parallel)
    list(SequentialRunner().map(model, tasks))
    list(ThreadRunner(2).map(model, tasks))
    assert model.parallel_flags == [parallel] * 8


def test_thread_runner_keeps_a_bounded_number_of_chunks_in_flight(
    small_data: Interactions, known_users: list[object]
) -> None:
    pulled = 0

    def tasks() -> Iterator[RecommendTask]:
        nonlocal pulled
        for task in chunk_tasks(known_users, 2):
            pulled += 1
            yield task

    ahead = []
    for done, _ in enumerate(
        ThreadRunner(2, window=3).map(BatchPopularScorer(small_data), tasks())
    ):
        ahead.append(pulled - done)
    assert max(ahead) <= 4  # the window, plus the one refilled before each yield
    assert pulled == len(chunk_tasks(known_users, 2))


def test_thread_runner_leaves_no_threads_after_a_run(
    small_data: Interactions, known_users: list[object]
) -> None:
    list(ThreadRunner(2).map(BatchPopularScorer(small_data), chunk_tasks(known_users, 5)))
    assert lenskit_threads() == []


def test_scoring_error_stops_the_thread_runner_and_names_the_user(
    small_data: Interactions, known_users: list[object]
) -> None:
    bad = known_users[13]
    with pytest.raises(UserScoringError, match=f"scoring user {bad!r} failed: ValueError") as err:
        list(ThreadRunner(2).map(FailingScorer(small_data, bad), chunk_tasks(known_users, 5)))
    assert err.value.user == bad
    assert isinstance(err.value.__cause__, ValueError)
    assert lenskit_threads() == []


def test_stopping_early_cancels_queued_chunks_and_joins_threads(
    small_data: Interactions, known_users: list[object]
) -> None:
    model = BatchPopularScorer(small_data)
    tasks = chunk_tasks(known_users, 2)
    results = ThreadRunner(2, window=4).map(model, tasks)
    next(results)
    results.close()
    assert lenskit_threads() == []
    assert model.calls < len(tasks)
