"""Refitting a scorer while other threads use it (issue 16, section 5).

Every lenskit-rs scorer gets this from `lenskit._scorer.AccelScorer`.

Two threads refit one scorer, each with its own data set, while a third asks
it for recommendations. A fit must swap in the whole new model at once, so
every answer is exactly what the model of one data set or the other gives,
never a mixture (items mapped through the other data set's vocabulary) and
never an error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from lenskit.als import BiasedMFScorer, ImplicitMFScorer
from lenskit.data import Interactions, ItemList, movielens_small
from lenskit.knn import ItemKNNScorer, UserKNNScorer

RUN_SECONDS = 4.0
N = 10


def _two_data_sets() -> tuple[Interactions, Interactions]:
    """ml-latest-small's first 300 users, and its last 300 with other item ids.

    The users overlap (the first's last 100 are in both), so the same
    user id is asked of both models; the item vocabularies differ in size
    and ids, so a list built from one model's indices and the other's
    vocabulary is detectably wrong.
    """
    frame = movielens_small().to_frame()
    users = np.unique(frame["user_id"].to_numpy()).tolist()
    first = frame[frame["user_id"].isin(users[:300])]
    second = frame[frame["user_id"].isin(users[200:500])].copy()
    second["item_id"] = second["item_id"] + 1_000_000
    return Interactions.from_frame(first), Interactions.from_frame(pd.DataFrame(second))


def _key(items: ItemList) -> tuple[tuple[object, ...], tuple[float, ...]]:
    scores = items.scores if items.scores is not None else np.empty(0)
    return tuple(items.ids.tolist()), tuple(scores.tolist())


def hammer(
    make: Callable[[], object],
    data_a: Interactions,
    data_b: Interactions,
    users: list[object],
) -> tuple[int, int, list[str]]:
    """Refit from two threads while a third recommends; (checked, wrong, errors)."""
    expected = {}
    for data in (data_a, data_b):
        model = make()
        model.fit(data)  # type: ignore[attr-defined]
        for user in users:
            expected.setdefault(user, set()).add(_key(model.recommend(user, N)))  # type: ignore[attr-defined]

    shared = make()
    shared.fit(data_a)  # type: ignore[attr-defined]
    stop = threading.Event()
    errors: list[str] = []
    counts = {"checked": 0, "wrong": 0}

    def refit(data: Interactions) -> None:
        while not stop.is_set():
            try:
                shared.fit(data)  # type: ignore[attr-defined]
            except Exception as exc:
                errors.append(f"fit: {type(exc).__name__}: {exc}")

    def read() -> None:
        while not stop.is_set():
            for user in users:
                try:
                    got = _key(shared.recommend(user, N))  # type: ignore[attr-defined]
                except Exception as exc:
                    errors.append(f"recommend({user!r}): {type(exc).__name__}: {exc}")
                    continue
                counts["checked"] += 1
                if got not in expected[user]:
                    counts["wrong"] += 1

    threads = [
        threading.Thread(target=refit, args=(data_a,)),
        threading.Thread(target=refit, args=(data_b,)),
        threading.Thread(target=read),
    ]
    for t in threads:
        t.start()
    time.sleep(RUN_SECONDS)
    stop.set()
    for t in threads:
        t.join()
    return counts["checked"], counts["wrong"], errors


SCORERS = {
    "item-knn": ItemKNNScorer,
    "user-knn": UserKNNScorer,
    # seeded, so both fits of one data set give the same model
    "biased-mf": lambda: BiasedMFScorer(embedding_size=8, epochs=3, seed=1),
    "implicit-mf": lambda: ImplicitMFScorer(embedding_size=8, epochs=3, seed=1),
}


@pytest.mark.slow
@pytest.mark.parametrize("make", SCORERS.values(), ids=SCORERS.keys())
def test_readers_see_the_old_model_or_the_new_one_never_a_mixture(
    make: Callable[[], object],
) -> None:
    data_a, data_b = _two_data_sets()
    both = sorted(set(data_a.users.ids.tolist()) & set(data_b.users.ids.tolist()))
    users = both[:20]
    assert users, "the two data sets must share users"
    checked, wrong, errors = hammer(make, data_a, data_b, users)
    assert checked > 50, "the reader made too few requests to test anything"
    assert (wrong, errors[:3]) == (0, []), f"{wrong} of {checked} lists mixed the two models"
