"""TaskLimiter and the worker helpers on a real local Ray cluster (the session's, 2 CPUs).

Where a test needs tasks to finish out of order, a task waits for a file
another task writes when it finishes (a gate), so the order is forced, not
left to timing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lenskit.parallel import get_parallel_config
from lenskit.parallel.ray import (
    RayCluster,
    TaskLimiter,
    ensure_cluster,
    init_worker,
    is_ray_worker,
    ray_active,
)

pytestmark = pytest.mark.ray

GATE_TIMEOUT = 120.0


def wait_for(path: Path, timeout: float) -> bool:
    """Wait until *path* exists; False if it did not within *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


Gate = tuple[int, str, int | None, float]


def gated(args: Gate) -> int:
    """Task *i*: first wait for task *after* to finish (if given, at most *timeout*
    seconds), then mark itself done."""
    i, folder, after, timeout = args
    if after is not None:
        wait_for(Path(folder) / f"done-{after}", timeout)
    (Path(folder) / f"done-{i}").touch()
    return i * 100


def gate(i: int, folder: Path, after: int | None = None, timeout: float = GATE_TIMEOUT) -> Gate:
    return (i, str(folder), after, timeout)


def slow(i: int) -> int:
    time.sleep(0.2)
    return i


def failing(i: int) -> int:
    if i == 1:
        raise ValueError("task 1 fails")
    time.sleep(0.5)
    return i


def worker_facts(_: object) -> dict[str, Any]:
    settings = init_worker()
    return {"worker": is_ray_worker(), "jobs": settings.num_batch_jobs}


@pytest.fixture(scope="module")
def remote(ray_cluster_session: RayCluster) -> Iterator[Any]:
    """This module's task functions as Ray remote functions (shipped by value)."""
    import ray
    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        yield {f.__name__: ray.remote(f) for f in (gated, slow, failing, worker_facts)}
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


def test_pending_tasks_never_exceed_the_limit(remote: dict[str, Any]) -> None:
    limiter = TaskLimiter(2)
    seen = []
    for i in range(8):
        limiter.wait_for_limit()
        limiter.add_task(remote["slow"].remote(i))
        seen.append(limiter.pending)
    limiter.drain()
    assert max(seen) == 2
    assert limiter.pending == 0
    assert limiter.finished == 8


def test_default_limit_is_the_number_of_batch_jobs() -> None:
    jobs = get_parallel_config().num_batch_jobs
    assert TaskLimiter().limit == jobs
    assert TaskLimiter(0).limit == jobs


def test_ordered_results_keep_input_order_when_tasks_finish_out_of_order(
    remote: dict[str, Any], tmp_path: Path
) -> None:
    # Task 0 waits for task 1: task 1 finishes first, yet comes second.
    items = [gate(0, tmp_path, after=1), gate(1, tmp_path), gate(2, tmp_path)]
    results = list(TaskLimiter(2).imap(remote["gated"], items))
    assert results == [0, 100, 200]


def test_unordered_results_come_as_tasks_finish(remote: dict[str, Any], tmp_path: Path) -> None:
    # Task 0 waits until the first result has reached this process, so only task 1 can be
    # that result. (Gating task 0 on task 1's file let both be ready by the next poll, and
    # then either could come first.) In input order this would wait out the gate: [0, 100].
    released = -1
    items = [gate(0, tmp_path, after=released), gate(1, tmp_path)]
    results = []
    for result in TaskLimiter(2).imap(remote["gated"], items, ordered=False):
        results.append(result)
        (tmp_path / f"done-{released}").touch()
    assert results == [100, 0]


def test_window_bounds_tasks_submitted_but_not_yet_yielded(
    remote: dict[str, Any], tmp_path: Path
) -> None:
    # Task 0 waits (3 s at most) for task 3, which the window keeps from
    # being submitted until task 0's result has been taken.
    submitted: list[int] = []

    def items() -> Iterator[Gate]:
        for i in range(6):
            submitted.append(i)
            yield gate(i, tmp_path, after=3, timeout=3.0) if i == 0 else gate(i, tmp_path)

    results = TaskLimiter(2).imap(remote["gated"], items(), window=2)
    first = next(results)
    assert first == 0
    assert len(submitted) <= 2
    assert not (tmp_path / "done-3").exists()
    assert list(results) == [100, 200, 300, 400, 500]


def test_throttle_returns_the_number_of_tasks(remote: dict[str, Any]) -> None:
    results = TaskLimiter(2).throttle(remote["slow"].remote(i) for i in range(5))
    values = []
    with pytest.raises(StopIteration) as stop:
        while True:
            values.append(next(results))
    assert values == [0, 1, 2, 3, 4]
    assert stop.value.value == 5


def test_a_failing_task_raises_and_cancels_the_rest(remote: dict[str, Any]) -> None:
    from ray.exceptions import RayTaskError

    limiter = TaskLimiter(2)
    with pytest.raises(RayTaskError, match="task 1 fails"):
        list(limiter.imap(remote["failing"], range(10)))
    assert limiter.pending == 0


def test_stopping_early_cancels_pending_tasks(remote: dict[str, Any]) -> None:
    limiter = TaskLimiter(2)
    results = limiter.imap(remote["slow"], range(10))
    assert next(results) == 0
    assert limiter.pending > 0
    results.close()
    assert limiter.pending == 0


def stop_after_first_result(remote: dict[str, Any], stop: BaseException) -> list[Any]:
    """Four slow tasks through a limiter that stops with *stop* after the first result;
    the references of the other three, still pending when it stopped."""
    refs = [remote["slow"].remote(i) for i in range(4)]
    limiter = TaskLimiter(4)
    results = limiter.throttle(iter(refs))
    assert next(results) == 0
    with pytest.raises(type(stop)):
        results.throw(stop)
    assert limiter.pending == 0
    return refs[1:]


def test_an_error_in_the_consumer_cancels_the_pending_tasks(remote: dict[str, Any]) -> None:
    import ray
    from ray.exceptions import TaskCancelledError

    rest = stop_after_first_result(remote, ValueError("consumer failed"))
    # Two CPUs: the last task cannot have started within the time of one result.
    with pytest.raises(TaskCancelledError):
        ray.get(rest[-1], timeout=60)


def test_ctrl_c_leaves_the_pending_tasks_to_finish(remote: dict[str, Any]) -> None:
    """Cancelling right after an interrupted wait can abort Ray 2.60's driver (a failed
    check in its task manager), so a stop by a signal cancels nothing."""
    import ray

    rest = stop_after_first_result(remote, KeyboardInterrupt())
    assert ray.get(rest, timeout=60) == [1, 2, 3]


def test_workers_know_they_are_workers_and_run_one_job_each(remote: dict[str, Any]) -> None:
    import ray

    facts = ray.get(remote["worker_facts"].remote(None))
    assert facts == {"worker": True, "jobs": 1}
    assert not is_ray_worker()


def test_ensure_cluster_reuses_an_open_connection(ray_cluster_session: RayCluster) -> None:
    cluster = ensure_cluster()
    assert ray_active()
    assert cluster.address == ray_cluster_session.address
    assert not cluster.started
    assert not cluster.attached
