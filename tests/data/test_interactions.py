"""Interactions: the CSR layout, counts and conversions that kernels rely on."""

import pickle

import numpy as np
import pandas as pd
import pytest

from lenskit.data import Interactions, Vocabulary


@pytest.fixture
def small() -> Interactions:
    frame = pd.DataFrame(
        {
            "user_id": [20, 10, 20, 10, 30],
            "item_id": ["b", "c", "a", "a", "c"],
            "rating": [4.0, 3.5, 5.0, 1.0, 2.5],
        }
    )
    return Interactions.from_frame(frame)


def test_vocabularies_are_sorted_by_id(small: Interactions):
    assert small.users.ids.tolist() == [10, 20, 30]
    assert small.items.ids.tolist() == ["a", "b", "c"]


def test_csr_rows_hold_each_users_items_in_column_order(small: Interactions):
    assert small.indptr.tolist() == [0, 2, 4, 5]
    assert small.indices.tolist() == [0, 2, 0, 1, 2]
    assert small.ratings is not None
    assert small.ratings.tolist() == [1.0, 3.5, 5.0, 4.0, 2.5]


def test_array_dtypes_match_the_contract(small: Interactions):
    assert small.indptr.dtype == np.int64
    assert small.indices.dtype == np.int32
    assert small.ratings is not None and small.ratings.dtype == np.float32


def test_arrays_are_read_only(small: Interactions):
    with pytest.raises(ValueError, match="read-only"):
        small.indices[0] = 1


def test_sizes(small: Interactions):
    assert (small.n_users, small.n_items, small.n_ratings) == (3, 3, 5)


def test_user_counts(small: Interactions):
    assert small.user_counts().tolist() == [2, 2, 1]


def test_item_counts(small: Interactions):
    assert small.item_counts().tolist() == [2, 1, 2]
    assert small.item_counts().dtype == np.int64


def test_user_row_gives_items_and_ratings(small: Interactions):
    items, ratings = small.user_row(1)
    assert items.tolist() == [0, 1]
    assert ratings is not None and ratings.tolist() == [5.0, 4.0]


def test_user_row_out_of_range(small: Interactions):
    with pytest.raises(IndexError, match=r"outside 0 \.\. 2"):
        small.user_row(3)


def test_to_frame_lists_every_rating(small: Interactions):
    frame = small.to_frame()
    assert list(frame.columns) == ["user_id", "item_id", "rating"]
    rows = set(frame.itertuples(index=False, name=None))
    assert rows == {(20, "b", 4.0), (10, "c", 3.5), (20, "a", 5.0), (10, "a", 1.0), (30, "c", 2.5)}


def test_implicit_data_has_no_ratings():
    data = Interactions.from_frame(pd.DataFrame({"user": [1, 1], "item": [2, 3]}))
    assert data.ratings is None
    assert not data.has_ratings
    assert list(data.to_frame().columns) == ["user_id", "item_id"]


def test_rating_col_false_ignores_ratings():
    frame = pd.DataFrame({"user": [1], "item": [2], "rating": [3.0]})
    assert Interactions.from_frame(frame, rating_col=False).ratings is None


def test_result_does_not_depend_on_row_order(small: Interactions):
    shuffled = small.to_frame().sample(frac=1.0, random_state=3)
    assert Interactions.from_frame(shuffled) == small


def test_pickle_round_trip_stays_read_only(small: Interactions):
    back = pickle.loads(pickle.dumps(small))
    assert back == small
    assert not back.indptr.flags.writeable


def test_constructor_accepts_valid_csr():
    data = Interactions(Vocabulary([1, 2]), Vocabulary([7, 8, 9]), [0, 1, 3], [2, 0, 1], [1, 2, 3])
    assert data.ratings is not None and data.ratings.dtype == np.float32


def test_constructor_does_not_freeze_callers_arrays():
    indices = np.array([0, 1], np.int32)
    Interactions(Vocabulary([1]), Vocabulary([1, 2]), np.array([0, 2]), indices)
    assert indices.flags.writeable


def test_constructor_rejects_wrong_indptr_length():
    with pytest.raises(ValueError, match="indptr must have 3 entries"):
        Interactions(Vocabulary([1, 2]), Vocabulary([1]), [0, 1], [0])


def test_constructor_rejects_unsorted_row():
    with pytest.raises(ValueError, match="strictly increasing within each user row"):
        Interactions(Vocabulary([1]), Vocabulary([1, 2]), [0, 2], [1, 0])


def test_constructor_allows_index_drop_between_rows():
    data = Interactions(Vocabulary([1, 2]), Vocabulary([1, 2]), [0, 1, 2], [1, 0])
    assert data.user_counts().tolist() == [1, 1]


def test_constructor_rejects_item_index_out_of_range():
    with pytest.raises(ValueError, match=r"item indices must be in 0 \.\. 1"):
        Interactions(Vocabulary([1]), Vocabulary([1, 2]), [0, 1], [2])


def test_constructor_rejects_nonfinite_ratings():
    with pytest.raises(ValueError, match="finite"):
        Interactions(Vocabulary([1]), Vocabulary([1]), [0, 1], [0], [np.inf])
