"""Interactions.from_frame: column naming conventions and round trips."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lenskit.data import Interactions

HALF_STARS = [x / 2 for x in range(1, 11)]


@pytest.mark.parametrize(
    ("user", "item"),
    [("user_id", "item_id"), ("user", "item"), ("userId", "movieId")],
)
def test_usual_column_names_are_found(user: str, item: str):
    frame = pd.DataFrame({user: [1, 2], item: [5, 6], "rating": [3.0, 4.0]})
    data = Interactions.from_frame(frame)
    assert data.users.ids.tolist() == [1, 2]
    assert data.items.ids.tolist() == [5, 6]


def test_explicit_column_names_win():
    frame = pd.DataFrame({"who": [1], "what": [2], "stars": [4.5], "user": [9]})
    data = Interactions.from_frame(frame, user_col="who", item_col="what", rating_col="stars")
    assert data.users.ids.tolist() == [1]
    assert data.ratings is not None and data.ratings.tolist() == [4.5]


def test_first_recognised_name_is_preferred():
    frame = pd.DataFrame({"user": [9], "user_id": [1], "item": [2]})
    assert Interactions.from_frame(frame).users.ids.tolist() == [1]


def test_arrow_table_is_accepted():
    table = pa.table({"user_id": [1, 1], "item_id": [2, 3], "rating": [1.0, 2.0]})
    assert Interactions.from_frame(table).n_ratings == 2


def test_integral_float_ids_become_integers():
    frame = pd.DataFrame({"user": [1.0, 2.0], "item": [3.0, 4.0]})
    assert Interactions.from_frame(frame).users.ids.dtype == np.int64


def test_string_dtype_ids_are_strings():
    frame = pd.DataFrame(
        {"user": pd.array(["u1", "u2"], dtype="string"), "item": ["i", "j"], "rating": [1, 2]}
    )
    data = Interactions.from_frame(frame)
    assert data.users.ids.tolist() == ["u1", "u2"]
    assert data.items.kind == "str"


def test_integer_ratings_become_float32():
    frame = pd.DataFrame({"user": [1], "item": [2], "rating": [4]})
    ratings = Interactions.from_frame(frame).ratings
    assert ratings is not None and ratings.dtype == np.float32


def test_numeric_text_ratings_are_parsed():
    frame = pd.DataFrame({"user": [1, 2], "item": [2, 2], "rating": ["3.5", "4"]})
    ratings = Interactions.from_frame(frame).ratings
    assert ratings is not None and ratings.tolist() == [3.5, 4.0]


def test_not_a_frame_is_a_type_error():
    with pytest.raises(TypeError, match="DataFrame or Arrow table, got dict"):
        Interactions.from_frame({"user": [1]})  # type: ignore[arg-type]


def test_unknown_duplicate_policy_is_rejected():
    frame = pd.DataFrame({"user": [1], "item": [2]})
    with pytest.raises(ValueError, match="duplicates must be one of 'error', 'first'"):
        Interactions.from_frame(frame, duplicates="sum")  # type: ignore[arg-type]


@st.composite
def rating_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Frames of distinct (user, item) pairs; user and item ids each of one kind."""
    user_ids = st.integers(0, 10**9) if draw(st.booleans()) else st.text("uvw", min_size=1)
    item_ids = st.integers(-50, 50) if draw(st.booleans()) else st.text("ijk", min_size=1)
    pairs = draw(st.lists(st.tuples(user_ids, item_ids), min_size=1, max_size=60, unique=True))
    ratings = draw(st.lists(st.sampled_from(HALF_STARS), min_size=len(pairs), max_size=len(pairs)))
    return pd.DataFrame(
        {
            "user_id": pd.Series([p[0] for p in pairs], dtype=object),
            "item_id": pd.Series([p[1] for p in pairs], dtype=object),
            "rating": ratings,
        }
    )


@given(rating_frames())
@settings(deadline=None)
def test_round_trip_gives_the_same_rows(frame: pd.DataFrame):
    back = Interactions.from_frame(frame).to_frame()
    assert set(back.itertuples(index=False, name=None)) == set(
        frame.itertuples(index=False, name=None)
    )
    assert len(back) == len(frame)


@given(rating_frames())
@settings(deadline=None)
def test_vocabulary_lookups_invert_the_matrix(frame: pd.DataFrame):
    data = Interactions.from_frame(frame)
    rows = data.users.indices(frame["user_id"])
    cols = data.items.indices(frame["item_id"])
    for r, c, rating in zip(rows, cols, frame["rating"], strict=True):
        items, ratings = data.user_row(int(r))
        pos = int(np.searchsorted(items, c))
        assert items[pos] == c
        assert ratings is not None and ratings[pos] == rating


@given(rating_frames(), st.randoms(use_true_random=False))
@settings(deadline=None)
def test_row_order_does_not_matter(frame: pd.DataFrame, rnd):
    order = list(range(len(frame)))
    rnd.shuffle(order)
    assert Interactions.from_frame(frame.iloc[order]) == Interactions.from_frame(frame)


@given(rating_frames())
@settings(deadline=None)
def test_csr_invariants_hold(frame: pd.DataFrame):
    data = Interactions.from_frame(frame)
    assert data.indptr[0] == 0 and data.indptr[-1] == data.n_ratings
    for u in range(data.n_users):
        items, _ = data.user_row(u)
        assert len(items) > 0
        assert np.all(np.diff(items) > 0)
    assert data.user_counts().sum() == data.item_counts().sum() == len(frame)
