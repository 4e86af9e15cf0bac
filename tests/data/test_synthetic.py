"""synthetic(): seeded MovieLens-like data for benchmarks and scale tests."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lenskit.data import Interactions, synthetic


@pytest.fixture(scope="module")
def medium() -> Interactions:
    return synthetic(2_000, 800, 60_000, seed=7)


def test_sizes_are_exactly_as_requested(medium: Interactions):
    assert (medium.n_users, medium.n_items, medium.n_ratings) == (2_000, 800, 60_000)


def test_ids_count_from_one(medium: Interactions):
    assert medium.users.ids[0] == 1 and medium.users.ids[-1] == 2_000
    assert medium.items.ids[0] == 1 and medium.items.ids[-1] == 800


def test_same_seed_gives_same_data():
    assert synthetic(300, 100, 5_000, seed=3) == synthetic(300, 100, 5_000, seed=3)


def test_different_seeds_give_different_data():
    a, b = synthetic(300, 100, 5_000, seed=3), synthetic(300, 100, 5_000, seed=4)
    assert not np.array_equal(a.indices, b.indices)
    assert a.ratings is not None and b.ratings is not None
    assert not np.array_equal(a.ratings, b.ratings)


def test_classmethod_matches_function():
    assert Interactions.synthetic(50, 20, 400, seed=1) == synthetic(50, 20, 400, seed=1)


def test_ratings_are_half_stars_from_half_to_five(medium: Interactions):
    assert medium.ratings is not None
    assert set(np.unique(medium.ratings).tolist()) <= {x / 2 for x in range(1, 11)}


def test_every_rating_level_occurs(medium: Interactions):
    assert medium.ratings is not None
    assert len(np.unique(medium.ratings)) == 10


def test_every_user_has_at_least_five_ratings(medium: Interactions):
    assert medium.user_counts().min() >= 5


def test_no_pair_repeats(medium: Interactions):
    frame = medium.to_frame()
    assert not frame.duplicated(["user_id", "item_id"]).any()


def test_item_popularity_is_long_tailed(medium: Interactions):
    counts = np.sort(medium.item_counts())[::-1]
    top_tenth = counts[: len(counts) // 10].sum()
    assert top_tenth > 0.3 * counts.sum()


def test_user_activity_is_skewed(medium: Interactions):
    counts = medium.user_counts()
    assert counts.max() > 5 * np.median(counts)


def half_mean_correlation(data: Interactions, split_users: bool) -> float:
    """Correlation of item (or user) mean ratings computed on two disjoint halves of the data."""
    assert data.ratings is not None
    rows = np.repeat(np.arange(data.n_users), data.user_counts())
    cols = data.indices
    # Split on the other axis from the one being averaged.
    group, split = (cols, rows) if split_users else (rows, cols)
    size = data.n_items if split_users else data.n_users
    means = []
    for mask in (split % 2 == 0, split % 2 == 1):
        total = np.bincount(group[mask], weights=data.ratings[mask], minlength=size)
        count = np.bincount(group[mask], minlength=size)
        means.append((total, count))
    both = (means[0][1] > 0) & (means[1][1] > 0)
    a, b = (t[both] / c[both] for t, c in means)
    return float(np.corrcoef(a, b)[0, 1])


def test_item_means_agree_between_halves_of_the_users(medium: Interactions):
    # Ratings carry an item effect: two disjoint user groups agree on which items are good.
    assert half_mean_correlation(medium, split_users=True) > 0.5


def test_user_means_agree_between_halves_of_the_items(medium: Interactions):
    assert half_mean_correlation(medium, split_users=False) > 0.3


def test_fully_dense_request_rates_every_pair():
    data = synthetic(4, 6, 24, seed=0)
    assert data.user_counts().tolist() == [6, 6, 6, 6]


def test_users_wanting_nearly_every_item_get_them():
    data = synthetic(2, 500, 999, seed=5)
    assert sorted(data.user_counts().tolist()) == [499, 500]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 10, 10), "n_users must be a positive integer, got 0"),
        ((10, -1, 10), "n_items must be a positive integer, got -1"),
        ((10, 10, 2.5), "n_ratings must be a positive integer, got 2.5"),
        ((True, 10, 10), "n_users must be a positive integer, got True"),
        ((10, 10, 5), r"n_ratings \(5\) must be at least n_users \(10\)"),
        ((3, 4, 13), r"n_ratings \(13\) is more than n_users \* n_items \(12\)"),
    ],
)
def test_bad_sizes_are_rejected(args: tuple, message: str):
    with pytest.raises(ValueError, match=message):
        synthetic(*args)


@st.composite
def sizes(draw: st.DrawFn) -> tuple[int, int, int]:
    n_users = draw(st.integers(1, 40))
    n_items = draw(st.integers(1, 40))
    n_ratings = draw(st.integers(n_users, n_users * n_items))
    return n_users, n_items, n_ratings


@given(sizes(), st.integers(0, 2**32))
@settings(deadline=None, max_examples=60)
def test_any_feasible_size_is_met_exactly(size: tuple[int, int, int], seed: int):
    n_users, n_items, n_ratings = size
    data = synthetic(n_users, n_items, n_ratings, seed=seed)
    assert (data.n_users, data.n_items, data.n_ratings) == size
    floor = min(5, n_items, n_ratings // n_users)
    assert data.user_counts().min() >= floor
