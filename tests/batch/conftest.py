"""Models and fixtures for the lenskit-batch tests.

lenskit.batch accepts any object with ``recommend(user, n)`` / ``score(user,
items)``, or the batch entry points of lenskit-rs.  The small scorers here
are real models of both shapes (a most-popular recommender over real
interactions), used for generic runner behaviour; identical-result and Ray
tests use the real k-NN scorers.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from lenskit.data import Interactions, ItemList


class PopularScorer:
    """Recommends the most-rated items a user has not rated; scores are rating counts."""

    def __init__(self, data: Interactions) -> None:
        self.users = data.users
        self.items = data.items
        self._data = data
        self._counts = data.item_counts().astype(np.float64)
        self._order = np.argsort(-self._counts, kind="stable")

    def recommend(self, user: object, n: int = 10) -> ItemList:
        row = self.users.index(user)
        seen = self._data.indices[self._data.indptr[row] : self._data.indptr[row + 1]]
        top = self._order[~np.isin(self._order, seen)][:n]
        return ItemList(self.items.ids[top], self._counts[top], np.arange(1, len(top) + 1))

    def score(self, user: object, items: Sequence[object]) -> ItemList:
        self.users.index(user)
        idx = self.items.indices(np.asarray(items), missing="negative")
        scores = np.where(idx >= 0, self._counts[np.maximum(idx, 0)], np.nan)
        return ItemList(np.asarray(items), scores)


class BatchPopularScorer(PopularScorer):
    """The same model with the batch entry points lenskit-rs scorers offer.

    Records the ``parallel`` flag of every call, so tests can check what runners ask for.
    """

    def __init__(self, data: Interactions) -> None:
        super().__init__(data)
        self.parallel_flags: list[bool] = []
        self.calls = 0
        self._lock = threading.Lock()

    def recommend_batch(
        self, users: Sequence[object], n: int = 10, *, parallel: bool = True
    ) -> list[ItemList]:
        with self._lock:
            self.parallel_flags.append(parallel)
            self.calls += 1
        return [self.recommend(u, n) for u in users]

    def score_batch(
        self, users: Sequence[object], items: Sequence[object], *, parallel: bool = True
    ) -> np.ndarray:
        with self._lock:
            self.parallel_flags.append(parallel)
        out = np.full(len(users), np.nan)
        for pos, (user, item) in enumerate(zip(users, items, strict=True)):
            out[pos] = self.score(user, [item]).scores[0]  # type: ignore[index]
        return out

    def __getstate__(self) -> dict[str, object]:
        # Locks do not pickle; a copy (e.g. in a Ray worker) records its own calls.
        state = dict(self.__dict__)
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()


class FailingScorer(PopularScorer):
    """Raises for one user, as a model with a bug for some input would."""

    def __init__(self, data: Interactions, bad_user: object) -> None:
        super().__init__(data)
        self.bad_user = bad_user

    def recommend(self, user: object, n: int = 10) -> ItemList:
        if user == self.bad_user:
            raise ValueError(f"corrupt history for {user!r}")
        return super().recommend(user, n)


class SlowScorer(PopularScorer):
    """Takes *delay* seconds per chunk, sleeping with the GIL released like Rust scoring."""

    def __init__(self, data: Interactions, delay: float) -> None:
        super().__init__(data)
        self.delay = delay

    def recommend_batch(
        self, users: Sequence[object], n: int = 10, *, parallel: bool = True
    ) -> list[ItemList]:
        time.sleep(self.delay)
        return [self.recommend(u, n) for u in users]


class GatedScorer:
    """Wraps a real model; every chunk waits at a gate until the test opens it.

    The first chunk to arrive records its process id in ``gate/pid``, so a
    test can kill that Ray worker while it is known to be mid-task, then open
    the gate (``gate/open``) to let every chunk, including the retried one,
    finish.
    """

    def __init__(self, inner: object, gate: Path) -> None:
        self.inner = inner
        self.gate = gate
        self.users = getattr(inner, "users", None)

    def recommend_batch(
        self, users: Sequence[object], n: int = 10, *, parallel: bool = True
    ) -> list[ItemList]:
        opened = self.gate / "open"
        if not opened.exists():
            with contextlib.suppress(FileExistsError), (self.gate / "pid").open("x") as f:
                f.write(str(os.getpid()))
            deadline = time.monotonic() + 300
            while not opened.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return self.inner.recommend_batch(users, n, parallel=parallel)  # type: ignore[attr-defined]


class PickleCounter(BatchPopularScorer):
    """Counts how often it is pickled in this process (class-level, so copies count too)."""

    pickled = 0

    def __getstate__(self) -> dict[str, object]:
        type(self).pickled += 1
        return super().__getstate__()


@pytest.fixture(scope="session")
def small_data() -> Interactions:
    """A few hundred ratings, enough for popularity to differ between users."""
    rng = np.random.default_rng(42)
    users = rng.integers(1, 60, 600)
    items = rng.zipf(1.5, 600) % 200 + 1
    import pandas as pd

    frame = pd.DataFrame({"user_id": users, "item_id": items, "rating": 3.0})
    return Interactions.from_frame(frame, duplicates="last")


@pytest.fixture
def popular(small_data: Interactions) -> PopularScorer:
    return PopularScorer(small_data)


@pytest.fixture
def batch_popular(small_data: Interactions) -> BatchPopularScorer:
    return BatchPopularScorer(small_data)


@pytest.fixture
def known_users(small_data: Interactions) -> list[object]:
    return [small_data.users.id(i) for i in range(small_data.n_users)]


def lenskit_threads() -> list[threading.Thread]:
    """Threads the thread runner started that are still alive."""
    return [t for t in threading.enumerate() if t.name.startswith("lenskit-batch")]


def wait_for_file(path: Path, timeout: float = 120.0) -> str:
    """The contents of *path* once it exists (fails the test after *timeout*)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            pytest.fail(f"{path} did not appear within {timeout} s")
        time.sleep(0.05)
    return path.read_text()


@pytest.fixture(scope="session")
def ray_session(ray_cluster_session: object) -> Iterator[object]:
    """The session's Ray cluster, with this module's models shipped to workers by value."""
    from ray import cloudpickle

    # Workers cannot import this test module; ship its models by value.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        yield ray_cluster_session
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="session")
def item_knn(ml_small: Interactions) -> object:
    """Item k-NN fitted on ml-latest-small (session-wide: fitting takes seconds)."""
    knn = pytest.importorskip("lenskit.knn", reason="lenskit-rs is not built")
    return knn.ItemKNNScorer().fit(ml_small)


class OneUserAtATime:
    """A model seen through ``recommend(user, n)`` only: each user scored alone, on this thread."""

    def __init__(self, scorer: object) -> None:
        self.recommend = scorer.recommend  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def item_knn_reference(item_knn: object, ml_small: Interactions) -> object:
    """Recommendations for every ml-latest-small user, each scored alone: the reference."""
    from lenskit.batch import recommend

    return recommend(OneUserAtATime(item_knn), ml_small.users.ids, 10, n_jobs=1)
