"""ItemList: ids, scores and ranks, and their conversions."""

import pickle

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lenskit.data import ItemList

scores = st.floats(allow_nan=True, allow_infinity=False, width=64)


def test_unscored_list_has_no_scores_or_ranks():
    il = ItemList([3, 1, 2])
    assert len(il) == 3
    assert il.scores is None
    assert il.ranks is None


def test_scores_are_float64_and_ranks_int32():
    il = ItemList([1, 2], scores=[0.5, 1], ranks=[1, 2])
    assert il.scores is not None and il.scores.dtype == np.float64
    assert il.ranks is not None and il.ranks.dtype == np.int32


def test_arrays_are_read_only():
    il = ItemList([1, 2], scores=[0.5, 1.0])
    assert il.scores is not None
    with pytest.raises(ValueError, match="read-only"):
        il.scores[0] = 3.0


def test_callers_array_is_not_frozen_or_aliased():
    ids = np.array([1, 2, 3], dtype=np.int64)
    il = ItemList(ids)
    ids[0] = 9
    assert ids.flags.writeable
    assert il.ids.tolist() == [1, 2, 3]


def test_score_length_mismatch_is_rejected():
    with pytest.raises(ValueError, match="3 item ids but scores have shape"):
        ItemList([1, 2, 3], scores=[1.0])


def test_ranks_must_be_one_based():
    with pytest.raises(ValueError, match="1-based"):
        ItemList([1, 2], ranks=[0, 1])


def test_ranked_orders_by_descending_score():
    il = ItemList.ranked([10, 20, 30], [1.0, 3.0, 2.0])
    assert il.ids.tolist() == [20, 30, 10]
    assert il.ranks is not None and il.ranks.tolist() == [1, 2, 3]


def test_ranked_breaks_ties_by_input_order():
    il = ItemList.ranked(["c", "a", "b"], [1.0, 1.0, 1.0])
    assert il.ids.tolist() == ["c", "a", "b"]


def test_ranked_puts_unscored_items_last():
    il = ItemList.ranked([1, 2, 3], [np.nan, 0.1, -5.0])
    assert il.ids.tolist() == [2, 3, 1]


def test_ranked_n_keeps_the_top():
    il = ItemList.ranked([1, 2, 3, 4], [0.1, 0.4, 0.3, 0.2], n=2)
    assert il.ids.tolist() == [2, 3]
    assert il.ranks is not None and il.ranks.tolist() == [1, 2]


def test_empty_list_converts_to_empty_frame():
    frame = ItemList.empty().to_pandas()
    assert list(frame.columns) == ["item_id", "score"]
    assert len(frame) == 0


def test_empty_ranked_list_has_rank_column():
    assert "rank" in ItemList.empty(ranked=True).to_pandas().columns


def test_to_pandas_has_item_score_rank_columns():
    frame = ItemList.ranked([5, 6], [2.0, 1.0]).to_pandas()
    expected = pd.DataFrame(
        {
            "item_id": np.array([5, 6], np.int64),
            "score": [2.0, 1.0],
            "rank": np.array([1, 2], np.int32),
        }
    )
    pd.testing.assert_frame_equal(frame, expected)


def test_to_pandas_fills_missing_scores_with_nan():
    frame = ItemList([1, 2]).to_pandas()
    assert np.isnan(frame["score"].to_numpy()).all()


def test_to_arrow_types():
    table = ItemList.ranked(["a", "b"], [1.0, 2.0]).to_arrow()
    assert table.schema == pa.schema(
        [("item_id", pa.string()), ("score", pa.float64()), ("rank", pa.int32())]
    )
    assert table.column("item_id").to_pylist() == ["b", "a"]


def test_numpy_gives_one_field():
    il = ItemList.ranked([1, 2], [0.2, 0.9])
    assert il.numpy("item_id").tolist() == [2, 1]
    assert il.numpy("score").tolist() == [0.9, 0.2]
    assert il.numpy("rank").tolist() == [1, 2]


def test_numpy_rank_of_unranked_list_is_an_error():
    with pytest.raises(ValueError, match="not ranked"):
        ItemList([1]).numpy("rank")


def test_to_numpy_gives_ids_and_scores():
    ids, sc = ItemList([4, 5], scores=[1.5, np.nan]).to_numpy()
    assert ids.tolist() == [4, 5]
    np.testing.assert_array_equal(sc, [1.5, np.nan])


def test_slicing_keeps_scores_and_ranks_aligned():
    il = ItemList.ranked([1, 2, 3], [3.0, 2.0, 1.0])[1:]
    assert il.ids.tolist() == [2, 3]
    assert il.ranks is not None and il.ranks.tolist() == [2, 3]


def test_pickle_round_trip():
    il = ItemList.ranked(["x", "y"], [0.5, 0.7])
    back = pickle.loads(pickle.dumps(il))
    assert back.ids.tolist() == ["y", "x"]
    assert back.scores is not None and back.scores.tolist() == [0.7, 0.5]


@given(st.lists(scores, max_size=40))
def test_ranked_scores_never_increase_and_ranks_count_up(values: list[float]):
    il = ItemList.ranked(list(range(len(values))), values)
    sc = il.numpy("score")
    finite = sc[~np.isnan(sc)]
    assert np.all(np.diff(finite) <= 0)
    assert np.isnan(sc[len(finite) :]).all()
    assert il.numpy("rank").tolist() == list(range(1, len(values) + 1))


@given(st.lists(scores, max_size=40))
def test_ranked_keeps_every_item_once(values: list[float]):
    il = ItemList.ranked(list(range(len(values))), values)
    assert sorted(il.ids.tolist()) == list(range(len(values)))
