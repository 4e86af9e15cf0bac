"""Turning callers' users and pairs into chunks: order, laziness, id kinds, errors."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lenskit.batch.inputs import count_of, id_array, pair_chunks, user_chunks

int_ids = st.lists(st.integers(min_value=-(2**63), max_value=2**63 - 1), max_size=50)
str_ids = st.lists(st.text(min_size=1, max_size=8), max_size=50)


@given(ids=int_ids)
def test_integer_ids_become_int64_unchanged(ids: list[int]) -> None:
    arr = id_array(ids, "user ids")
    assert arr.dtype == np.int64
    assert arr.tolist() == ids


@given(ids=str_ids.filter(bool))
def test_string_ids_become_object_strings_unchanged(ids: list[str]) -> None:
    arr = id_array(ids, "user ids")
    assert arr.dtype == object
    assert arr.tolist() == ids


@given(ids=st.one_of(int_ids, str_ids), size=st.integers(1, 20))
def test_chunks_cover_the_input_in_order(ids: list[object], size: int) -> None:
    chunks = list(user_chunks(iter(ids), size))
    assert [u for chunk in chunks for u in chunk.tolist()] == ids
    assert all(1 <= len(chunk) <= size for chunk in chunks)


def test_array_input_is_chunked_without_iterating_elements() -> None:
    users = np.arange(10, dtype=np.int32)
    chunks = list(user_chunks(users, 4))
    assert [c.tolist() for c in chunks] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert all(c.dtype == np.int64 for c in chunks)


def test_generator_is_consumed_one_chunk_at_a_time() -> None:
    consumed = 0

    def endless() -> Iterator[int]:
        nonlocal consumed
        for user in itertools.count():
            consumed += 1
            yield user

    chunks = user_chunks(endless(), 5)
    next(chunks)
    assert consumed == 5


def test_float_id_is_rejected_naming_its_position() -> None:
    with pytest.raises(TypeError, match=r"entry 2 is 1\.5"):
        id_array([1, 2, 1.5], "user ids")


def test_mixed_int_and_str_ids_are_rejected() -> None:
    with pytest.raises(TypeError, match="mix integers and strings"):
        id_array([1, "a"], "user ids")


def test_count_is_known_for_sized_inputs_only() -> None:
    assert count_of([1, 2, 3]) == 3
    assert count_of(np.arange(4)) == 4
    assert count_of(iter([1, 2])) is None


def test_frame_pairs_are_grouped_by_user_in_order_of_first_appearance() -> None:
    frame = pd.DataFrame({"user_id": [7, 3, 7, 5, 3], "item_id": [1, 2, 3, 4, 5]})
    chunks = list(pair_chunks(frame, 2))
    users = [u for c in chunks for u in c.users.tolist()]
    items = [its.tolist() for c in chunks for its in c.items]
    assert users == [7, 3, 5]
    assert items == [[1, 3], [2, 5], [4]]


def test_frame_pairs_accept_movielens_column_names() -> None:
    frame = pd.DataFrame({"userId": [1, 1], "movieId": [10, 20]})
    (chunk,) = pair_chunks(frame, 10)
    assert chunk.users.tolist() == [1]
    assert chunk.items[0].tolist() == [10, 20]


def test_frame_without_user_column_names_the_columns_allowed() -> None:
    frame = pd.DataFrame({"person": [1], "item_id": [2]})
    with pytest.raises(ValueError, match=r"no user column: expected one of 'user_id'.*'person'"):
        list(pair_chunks(frame, 10))


def test_tuple_pairs_keep_their_order() -> None:
    chunks = list(pair_chunks([(2, [5, 6]), (1, [7])], 10))
    assert chunks[0].users.tolist() == [2, 1]
    assert [i.tolist() for i in chunks[0].items] == [[5, 6], [7]]


def test_malformed_pair_is_rejected_naming_the_entry() -> None:
    with pytest.raises(TypeError, match=r"\(user, items\) tuples; entry 1"):
        list(pair_chunks([(1, [2]), 3], 10))  # type: ignore[list-item]
