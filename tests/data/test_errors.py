"""Bad data gets a DataError naming the source, the column and the first offending row."""

import pickle

import numpy as np
import pandas as pd
import pytest

from lenskit.data import DataError, Interactions


def frame(**cols: list[object]) -> pd.DataFrame:
    return pd.DataFrame(
        {k: pd.Series(v, dtype=object) if k != "rating" else v for k, v in cols.items()}
    )


def error_for(df: pd.DataFrame, **kwargs) -> DataError:
    with pytest.raises(DataError) as info:
        Interactions.from_frame(df, **kwargs)
    return info.value


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


def test_missing_user_column_lists_found_and_accepted_names():
    err = error_for(pd.DataFrame({"uid": [1], "item": [2]}))
    assert "no user column" in str(err)
    assert "'user_id', 'user', 'userId'" in str(err)
    assert "user_col=" in str(err)
    assert "found columns: 'uid', 'item'" in str(err)


def test_missing_item_column_lists_accepted_names():
    err = error_for(pd.DataFrame({"user": [1], "thing": [2]}))
    assert "no item column: expected one of 'item_id', 'item', 'movieId'" in str(err)


def test_missing_explicit_column_is_named():
    err = error_for(pd.DataFrame({"user": [1], "item": [2]}), rating_col="stars")
    assert "no column 'stars' (given as rating_col=)" in str(err)


def test_source_is_named_in_the_message():
    err = error_for(pd.DataFrame({"x": [1]}), source="ratings/file.csv")
    assert str(err).startswith("ratings/file.csv: ")
    assert err.source == "ratings/file.csv"


def test_empty_data_is_an_error():
    err = error_for(pd.DataFrame({"user": [], "item": [], "rating": []}))
    assert "no rows" in str(err)


def test_nan_rating_names_column_and_row():
    err = error_for(pd.DataFrame({"user": [1, 2, 3], "item": [1, 1, 1], "rating": [4, np.nan, 3]}))
    assert (err.column, err.row) == ("rating", 1)
    assert "column 'rating', row 1: missing rating" in str(err)


def test_infinite_rating_is_an_error():
    err = error_for(pd.DataFrame({"user": [1, 2], "item": [1, 1], "rating": [4, -np.inf]}))
    assert err.row == 1
    assert "rating -inf is infinite" in str(err)


def test_rating_too_large_for_float32_is_an_error():
    err = error_for(pd.DataFrame({"user": [1], "item": [1], "rating": [1e300]}))
    assert "too large to store as float32" in str(err)


def test_non_numeric_rating_is_quoted():
    df = frame(user=[1, 2, 3], item=[1, 1, 1], rating=["4", "4.5", "five"])
    err = error_for(df)
    assert err.row == 2
    assert "rating 'five' is not a number" in str(err)


def test_first_offending_row_wins_among_different_rating_problems():
    df = frame(user=[1, 2, 3], item=[1, 1, 1], rating=["4", None, "x"])
    assert error_for(df).row == 1


def test_boolean_ratings_are_rejected():
    err = error_for(pd.DataFrame({"user": [1], "item": [1], "rating": [True]}))
    assert "ratings must be numbers, found booleans" in str(err)


def test_null_user_id_names_row():
    err = error_for(frame(user=[1, None, 3], item=[1, 1, 1]))
    assert (err.column, err.row) == ("user", 1)
    assert "missing user id" in str(err)


def test_null_item_id_names_row():
    err = error_for(frame(user=[1, 2], item=["a", None]))
    assert (err.column, err.row) == ("item", 1)
    assert "missing item id" in str(err)


def test_fractional_id_is_rejected():
    err = error_for(pd.DataFrame({"user": [1.0, 2.5], "item": [1, 1]}))
    assert err.row == 1
    assert "user id 2.5 is not an integer" in str(err)


def test_mixed_id_types_name_the_odd_row():
    err = error_for(frame(user=["a", "b", 3], item=[1, 1, 1]))
    assert err.row == 2
    assert "user id 3 (int) does not match the column's other ids (strings)" in str(err)


def test_boolean_ids_are_rejected():
    err = error_for(pd.DataFrame({"user": [True], "item": [1]}))
    assert "user ids must be integers or strings, found booleans" in str(err)


def test_repeated_column_name_is_ambiguous():
    df = pd.DataFrame([[1, 2, 3]], columns=["user", "item", "item"])
    assert "there are 2 columns named 'item'" in str(error_for(df))


def test_blank_row_is_reported_as_blank():
    df = frame(user=[1, None], item=[1, None], rating=[3.0, np.nan])
    err = error_for(df)
    assert err.row == 1
    assert "blank row" in str(err)


def test_duplicate_pair_is_an_error_by_default():
    df = pd.DataFrame({"user": [1, 2, 1], "item": [5, 5, 5], "rating": [1.0, 2.0, 3.0]})
    err = error_for(df)
    assert err.row == 2
    assert "user 1 and item 5 already appear at row 0" in str(err)
    assert "duplicates='first', 'last' or 'mean'" in str(err)


def test_duplicate_error_reports_the_earliest_repeat():
    df = pd.DataFrame({"user": [9, 1, 1, 9], "item": [9, 1, 1, 9]})
    err = error_for(df)
    assert err.row == 2
    assert "user 1 and item 1 already appear at row 1" in str(err)


def test_data_error_survives_pickling():
    err = DataError("bad", source="f.csv", column="rating", row=3, line=5)
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) == "f.csv, column 'rating', row 3 (line 5): bad"
    assert (back.column, back.row, back.line) == ("rating", 3, 5)
