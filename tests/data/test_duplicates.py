"""The duplicates= policy: how repeated (user, item) pairs are combined when asked."""

import pandas as pd
import pytest

from lenskit.data import Interactions

REPEATS = pd.DataFrame(
    {
        "user": [1, 2, 1, 1],
        "item": [7, 7, 7, 8],
        "rating": [1.0, 5.0, 2.0, 4.0],
    }
)


def rating_of(data: Interactions, user: object, item: object) -> float:
    items, ratings = data.user_row(data.users.index(user))
    pos = list(items).index(data.items.index(item))
    assert ratings is not None
    return float(ratings[pos])


@pytest.mark.parametrize(("policy", "expected"), [("first", 1.0), ("last", 2.0), ("mean", 1.5)])
def test_policy_picks_the_rating(policy, expected: float):
    data = Interactions.from_frame(REPEATS, duplicates=policy)
    assert rating_of(data, 1, 7) == expected


@pytest.mark.parametrize("policy", ["first", "last", "mean"])
def test_policy_keeps_one_entry_per_pair(policy):
    data = Interactions.from_frame(REPEATS, duplicates=policy)
    assert data.n_ratings == 3


@pytest.mark.parametrize("policy", ["first", "last", "mean"])
def test_policy_leaves_unique_pairs_alone(policy):
    data = Interactions.from_frame(REPEATS, duplicates=policy)
    assert rating_of(data, 2, 7) == 5.0
    assert rating_of(data, 1, 8) == 4.0


def test_implicit_duplicates_collapse_to_one_entry():
    frame = pd.DataFrame({"user": [1, 1, 1], "item": [3, 3, 4]})
    data = Interactions.from_frame(frame, duplicates="first")
    assert data.indices.tolist() == [0, 1]
    assert data.ratings is None
