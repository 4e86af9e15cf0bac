"""`TaskLimiter`: a bounded number of Ray tasks in flight, results in order or as they come.

Waits are short ``ray.wait`` steps rather than one long call, for two
reasons: Ctrl-C and SIGTERM are handled between steps, and between steps
the head node is checked (`ClusterWatch`).  Ray itself notices a lost head
only after a minute, and then ends the whole process without running any
cleanup; the watch turns it into a `RayClusterError` within seconds.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from types import ModuleType
from typing import Any

from lenskit.parallel.ray._address import parse_address, unreachable_cause
from lenskit.parallel.ray._errors import RayClusterError

WAIT_STEP = 0.25
"""Seconds of each ``ray.wait``: how promptly signals are handled while waiting."""

PROBE_INTERVAL = 2.0
"""Seconds between checks that the head node still answers."""

PROBE_FAILURES = 2
"""Failed checks in a row after which the head node counts as lost."""


class TaskLimiter:
    """Limit how many Ray tasks are pending at once.

    - `add_task` records a submitted task (an ``ObjectRef``);
    - `wait_for_limit` / `results_until_limit` wait until fewer than
      `limit` are pending;
    - `drain` / `drain_results` wait for all of them;
    - `throttle` and `imap` submit tasks lazily as room frees up and
      yield their results, in input order or as they finish.

    Args:
        limit: most tasks pending at once; None or 0 (or below) takes
            ``num_batch_jobs`` from `lenskit.parallel.get_parallel_config`.

    Raises (from any wait):
        RayClusterError: the cluster's head node stopped answering.
    """

    limit: int
    "The most tasks pending at once."
    finished: int
    "Tasks completed so far."

    def __init__(self, limit: int | None = None) -> None:
        if limit is None or limit <= 0:
            from lenskit.parallel import get_parallel_config

            limit = get_parallel_config().num_batch_jobs or 1
        self.limit = limit
        self.finished = 0
        self._tasks: list[Any] = []
        self._watch = ClusterWatch()

    @property
    def pending(self) -> int:
        """Tasks added and not yet finished."""
        return len(self._tasks)

    def add_task(self, task: Any) -> None:
        """Record a submitted task (an ``ObjectRef``) as pending."""
        self._tasks.append(task)

    def results_until_limit(self) -> Generator[Any, None, None]:
        """References of finished tasks, any order, until fewer than `limit` are pending."""
        return self._drain_until(self.limit - 1)

    def wait_for_limit(self) -> None:
        """Wait until fewer than `limit` tasks are pending, raising any task's error."""
        ray = _ray()
        for ref in self.results_until_limit():
            ray.get(ref)

    def drain_results(self) -> Generator[Any, None, None]:
        """References of finished tasks, any order, until none is pending."""
        return self._drain_until(0)

    def drain(self) -> None:
        """Wait for every pending task, raising any task's error."""
        ray = _ray()
        for ref in self.drain_results():
            ray.get(ref)

    def throttle(
        self, tasks: Iterable[Any], *, ordered: bool = True, window: int | None = None
    ) -> Generator[Any, None, int]:
        """Results of *tasks*, drawing a new task only when there is room for it.

        Args:
            tasks: task references, usually a generator calling a remote
                function, so that tasks are submitted only as room frees up.
            ordered: yield results in the order of *tasks* (else as they finish).
            window: with *ordered*, the most tasks submitted but not yet
                yielded (finished ones waiting for an earlier one included);
                None for no bound beyond `limit`.

        Returns:
            A generator of results (already fetched with ``ray.get``), whose
            return value is the number of tasks.  If it stops early (error,
            interrupt, closed), tasks it submitted that are still pending
            are cancelled.
        """
        if ordered:
            return self._ordered(iter(tasks), window)
        return self._unordered(iter(tasks))

    def imap(
        self,
        function: Callable[[Any], Any],
        items: Iterable[Any],
        *,
        ordered: bool = True,
        window: int | None = None,
    ) -> Generator[Any, None, int]:
        """Results of *function* over *items*, as `throttle` runs them.

        Args:
            function: a Ray remote function, or a callable returning a task
                reference.
            items: the arguments, one task each.
            ordered: results in the order of *items* (else as they finish).
            window: as for `throttle`.
        """
        call = getattr(function, "remote", function)
        return self.throttle((call(item) for item in items), ordered=ordered, window=window)

    def _ordered(self, tasks: Iterator[Any], window: int | None) -> Generator[Any, None, int]:
        ray = _ray()
        submitted: deque[Any] = deque()
        finished: set[Any] = set()
        count = 0

        def in_order() -> Iterator[Any]:
            while submitted and submitted[0] in finished:
                ref = submitted.popleft()
                finished.discard(ref)
                yield ray.get(ref)

        try:
            while True:
                finished.update(self.results_until_limit())
                yield from in_order()
                while window is not None and len(submitted) >= window:
                    finished.update(self._wait_some())
                    yield from in_order()
                task = next(tasks, _END)
                if task is _END:
                    break
                self.add_task(task)
                submitted.append(task)
                count += 1
            for ref in self.drain_results():
                finished.add(ref)
                yield from in_order()
            return count
        finally:
            self._cancel(submitted)

    def _unordered(self, tasks: Iterator[Any]) -> Generator[Any, None, int]:
        ray = _ray()
        outstanding: set[Any] = set()
        count = 0
        try:
            while True:
                for ref in self.results_until_limit():
                    outstanding.discard(ref)
                    yield ray.get(ref)
                task = next(tasks, _END)
                if task is _END:
                    break
                self.add_task(task)
                outstanding.add(task)
                count += 1
            for ref in self.drain_results():
                outstanding.discard(ref)
                yield ray.get(ref)
            return count
        finally:
            self._cancel(outstanding)

    def _drain_until(self, limit: int) -> Generator[Any, None, None]:
        while len(self._tasks) > limit:
            for ref in self._wait_some():
                self.finished += 1
                yield ref

    def _wait_some(self) -> list[Any]:
        """Finished tasks (at least one), removed from the pending list."""
        ray = _ray()
        while True:
            done, rest = ray.wait(self._tasks, num_returns=1, timeout=WAIT_STEP)
            if done:
                self._tasks = rest
                return done
            self._watch.check(ray)

    def _cancel(self, refs: Iterable[Any]) -> None:
        """Stop counting those of *refs* still pending and, unless a signal stops us, cancel them.

        Cancelling is forced: a running task is stopped by ending its worker
        process, since code in a native call (a Rust kernel) cannot be
        interrupted otherwise.  After Ctrl-C or SIGTERM nothing is cancelled:
        Ray 2.60's driver can fail an internal check and abort
        ("Tried to complete task that was not pending") when tasks are
        cancelled right after a wait was interrupted, with or without
        ``force`` (see the lenskit-config changelog for the figures).  The
        program is stopping then: Ray ends a driver's tasks when it
        disconnects, and at most `limit` of them run meanwhile.
        """
        mine = set(refs)
        if not mine:
            return
        still = [ref for ref in self._tasks if ref in mine]
        self._tasks = [ref for ref in self._tasks if ref not in mine]
        if isinstance(sys.exc_info()[1], (KeyboardInterrupt, SystemExit)):
            return
        ray = _ray()
        for ref in still:
            # The cluster may be gone: cancelling is best effort.
            with contextlib.suppress(Exception):
                ray.cancel(ref, force=True)


class ClusterWatch:
    """Checks, at most every `PROBE_INTERVAL` seconds, that the head node still answers."""

    def __init__(self) -> None:
        self._next = 0.0
        self._failures = 0

    def check(self, ray: ModuleType) -> None:
        """Raise `RayClusterError` once the head has failed `PROBE_FAILURES` checks in a row."""
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + PROBE_INTERVAL
        address = _head_address(ray)
        if address is None:
            return
        parsed = parse_address(address)
        cause = None if parsed is None else unreachable_cause(parsed, timeout=PROBE_INTERVAL)
        if cause is None:
            self._failures = 0
            return
        self._failures += 1
        if self._failures >= PROBE_FAILURES:
            raise RayClusterError(
                f"lost the Ray cluster at {address}: its head node stopped answering ({cause})"
            )


_END = object()


def _ray() -> ModuleType:
    ray = sys.modules.get("ray")
    if ray is None:
        raise RayClusterError("this process is not connected to a Ray cluster")
    return ray


def _head_address(ray: ModuleType) -> str | None:
    try:
        return str(ray.get_runtime_context().gcs_address)
    except Exception:
        return None
