"""Real contention: many Python threads using one process's LensKit at once.

On a free-threaded build these threads truly run in parallel, so any shared
mutable state in the scorers or the initialisation path shows up here as a
crash or a result that differs from the single-threaded one.
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import pytest

from lenskit.data import Interactions, ItemList
from lenskit.knn import ItemKNNScorer, UserKNNScorer
from lenskit.parallel import ensure_parallel_init, get_parallel_config

N_THREADS = 8
T = TypeVar("T")


def run_together(task: Callable[[int], T], n_threads: int = N_THREADS) -> list[T]:
    """Run ``task(i)`` on ``n_threads`` threads released at the same instant."""
    start = threading.Barrier(n_threads)

    def released(i: int) -> T:
        start.wait()
        return task(i)

    with ThreadPoolExecutor(max_workers=n_threads) as pool:
        return list(pool.map(released, range(n_threads)))


def assert_same_lists(actual: ItemList, expected: ItemList) -> None:
    np.testing.assert_array_equal(actual.ids, expected.ids)
    assert actual.scores is not None and expected.scores is not None
    np.testing.assert_array_equal(actual.scores, expected.scores)


def test_concurrent_initialisation_leaves_one_configuration() -> None:
    configs = run_together(lambda _: (ensure_parallel_init(), get_parallel_config())[1])
    assert all(config == configs[0] for config in configs)


@pytest.mark.parametrize("scorer_class", [ItemKNNScorer, UserKNNScorer])
def test_fitting_separate_models_at_once_matches_a_lone_fit(
    ml_small: Interactions, scorer_class: type[ItemKNNScorer] | type[UserKNNScorer]
) -> None:
    users = list(ml_small.users.ids[:25])
    expected = scorer_class(k=20).fit(ml_small).recommend_batch(users, n=10)

    def fit_and_recommend(_: int) -> list[ItemList]:
        return scorer_class(k=20).fit(ml_small).recommend_batch(users, n=10)

    for result in run_together(fit_and_recommend, n_threads=4):
        for got, want in zip(result, expected, strict=True):
            assert_same_lists(got, want)


@pytest.mark.parametrize("scorer_class", [ItemKNNScorer, UserKNNScorer])
def test_one_shared_model_recommends_from_many_threads(
    ml_small: Interactions, scorer_class: type[ItemKNNScorer] | type[UserKNNScorer]
) -> None:
    model = scorer_class(k=20).fit(ml_small)
    users = list(ml_small.users.ids)
    expected = {user: model.recommend(user, n=10) for user in users}

    def recommend_slice(i: int) -> dict[object, ItemList]:
        mine = users[i::N_THREADS]
        singles = {user: model.recommend(user, n=10) for user in mine[::2]}
        batched = model.recommend_batch(mine[1::2], n=10, parallel=i % 2 == 0)
        return singles | dict(zip(mine[1::2], batched, strict=True))

    merged: dict[object, ItemList] = {}
    for part in run_together(recommend_slice):
        merged.update(part)
    assert merged.keys() == expected.keys()
    for user, got in merged.items():
        assert_same_lists(got, expected[user])


def test_scoring_pairs_from_many_threads_matches_sequential(ml_small: Interactions) -> None:
    model = ItemKNNScorer(k=20).fit(ml_small)
    rng = np.random.default_rng(42)
    users = rng.choice(ml_small.users.ids, size=2000)
    items = rng.choice(ml_small.items.ids, size=2000)
    expected = model.score_batch(list(users), list(items), parallel=False)

    def score_all(i: int) -> np.ndarray:
        return model.score_batch(list(users), list(items), parallel=i % 2 == 0)

    for scores in run_together(score_all):
        np.testing.assert_array_equal(scores, expected)
