"""Vocabulary: the id <-> index mapping every layer shares."""

import pickle
import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lenskit.data import Vocabulary

int_ids = st.lists(st.integers(-(2**63), 2**63 - 1), max_size=50)
str_ids = st.lists(st.text(max_size=8), max_size=50)


def test_ids_are_sorted_and_deduplicated():
    vocab = Vocabulary([30, 10, 20, 10])
    assert vocab.ids.tolist() == [10, 20, 30]


def test_reorder_false_keeps_given_order():
    vocab = Vocabulary(["b", "a", "c"], reorder=False)
    assert vocab.ids.tolist() == ["b", "a", "c"]
    assert vocab.index("a") == 1


def test_reorder_false_rejects_duplicates():
    with pytest.raises(ValueError, match="duplicate id 'a'"):
        Vocabulary(["a", "b", "a"], reorder=False)


def test_integer_ids_are_int64():
    assert Vocabulary(np.array([3, 1], dtype=np.int16)).ids.dtype == np.int64


def test_string_ids_are_python_strings():
    vocab = Vocabulary(np.array(["x", "y"]))
    assert vocab.ids.dtype == object
    assert vocab.kind == "str"
    assert all(type(v) is str for v in vocab.ids)


def test_mixed_id_types_are_rejected():
    with pytest.raises(TypeError, match="all integers or all strings"):
        Vocabulary([1, "a"])


def test_float_ids_are_rejected():
    with pytest.raises(TypeError, match="integers or strings"):
        Vocabulary(np.array([1.5, 2.0]))


def test_ids_are_read_only():
    vocab = Vocabulary([1, 2])
    with pytest.raises(ValueError, match="read-only"):
        vocab.ids[0] = 5


def test_index_of_unknown_id_names_it():
    with pytest.raises(KeyError, match="id 99 is not in the vocabulary"):
        Vocabulary([1, 2]).index(99)


def test_contains_is_false_for_an_id_of_the_other_kind():
    vocab = Vocabulary([1, 2])
    assert 1 in vocab
    assert "1" not in vocab


def test_indices_negative_marks_unknown_ids():
    vocab = Vocabulary([10, 20, 30])
    got = vocab.indices([30, 5, 10, "x"], missing="negative")
    assert got.tolist() == [2, -1, 0, -1]
    assert got.dtype == np.int32


def test_indices_error_names_first_unknown_id():
    with pytest.raises(KeyError, match="'q'"):
        Vocabulary(["a", "b"]).indices(["a", "q", "z"])


def test_indices_rejects_unknown_missing_policy():
    with pytest.raises(ValueError, match="'error' or 'negative'"):
        Vocabulary([1]).indices([1], missing="drop")  # type: ignore[arg-type]


def test_id_returns_python_scalars():
    assert type(Vocabulary([7]).id(0)) is int
    assert type(Vocabulary(["s"]).id(0)) is str


def test_id_out_of_range_says_the_size():
    with pytest.raises(IndexError, match="vocabulary of 2 ids"):
        Vocabulary([1, 2]).id(2)


def test_empty_vocabulary_finds_nothing():
    vocab = Vocabulary()
    assert len(vocab) == 0
    assert vocab.indices([1, 2], missing="negative").tolist() == [-1, -1]


def test_equal_vocabularies_compare_equal():
    assert Vocabulary([2, 1]) == Vocabulary([1, 2])
    assert Vocabulary([1, 2]) != Vocabulary(["1", "2"])


def test_pickle_round_trip_keeps_order():
    vocab = Vocabulary(["b", "a"], reorder=False)
    back = pickle.loads(pickle.dumps(vocab))
    assert back == vocab
    assert back.index("a") == 1


def test_lookups_from_many_threads_agree():
    vocab = Vocabulary(np.arange(0, 20_000, 2))
    query = np.arange(-5, 20_005)
    expected = vocab.indices(query, missing="negative")
    results: list[np.ndarray] = [np.empty(0)] * 8

    def work(slot: int) -> None:
        for _ in range(20):
            results[slot] = vocab.indices(query, missing="negative")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got in results:
        np.testing.assert_array_equal(got, expected)


@given(st.one_of(int_ids, str_ids))
def test_index_and_id_invert_each_other(ids: list[object]):
    vocab = Vocabulary(ids)
    assert len(vocab) == len(set(ids))
    for pos in range(len(vocab)):
        assert vocab.index(vocab.id(pos)) == pos
    np.testing.assert_array_equal(vocab.indices(vocab.ids), np.arange(len(vocab)))


@given(st.one_of(int_ids, str_ids))
def test_vocabulary_does_not_depend_on_input_order(ids: list[object]):
    assert Vocabulary(ids) == Vocabulary(list(reversed(ids)))


def test_error_messages_show_plain_numbers():
    with pytest.raises(KeyError, match="'id 5 is not in the vocabulary'"):
        Vocabulary([1]).index(np.int64(5))
