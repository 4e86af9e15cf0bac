"""The value parsers accept exactly what the docs promise, from text and from TOML values."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lenskit.config._values import (
    parse_boolean,
    parse_count_or_all,
    parse_positive_int,
    parse_text,
)

TRUE_WORDS = ["true", "yes", "1"]
FALSE_WORDS = ["false", "no", "0"]


def any_case(word: str) -> st.SearchStrategy[str]:
    return st.tuples(*[st.sampled_from([c.lower(), c.upper()]) for c in word]).map("".join)


@given(st.integers(min_value=1))
def test_positive_counts_are_accepted_as_numbers_and_as_text(n: int) -> None:
    assert parse_positive_int(n) == n
    assert parse_positive_int(str(n)) == n
    assert parse_count_or_all(f" {n} ") == n


@given(st.integers(max_value=0))
def test_zero_and_negative_cpu_counts_are_refused(n: int) -> None:
    with pytest.raises(ValueError, match="a positive integer"):
        parse_positive_int(n)


@given(st.integers(max_value=0).filter(lambda n: n != -1))
def test_counts_refuse_zero_and_negatives_other_than_minus_one(n: int) -> None:
    with pytest.raises(ValueError, match=r"a positive integer or -1"):
        parse_count_or_all(str(n))


def test_minus_one_means_all_for_counts() -> None:
    assert parse_count_or_all("-1") == -1
    assert parse_count_or_all(-1) == -1


@given(st.text().filter(lambda s: re.fullmatch(r"[+-]?[0-9]+", s.strip()) is None))
def test_text_that_is_not_a_decimal_integer_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="positive integer"):
        parse_count_or_all(text)


@given(st.floats(allow_nan=True))
def test_floats_are_refused_even_when_whole(value: float) -> None:
    with pytest.raises(ValueError):
        parse_positive_int(value)


@pytest.mark.parametrize("flag", [True, False])
def test_booleans_are_not_counts(flag: bool) -> None:
    with pytest.raises(ValueError):
        parse_count_or_all(flag)


@given(st.sampled_from(TRUE_WORDS).flatmap(any_case))
def test_true_words_in_any_case_are_true(word: str) -> None:
    assert parse_boolean(word) is True


@given(st.sampled_from(FALSE_WORDS).flatmap(any_case))
def test_false_words_in_any_case_are_false(word: str) -> None:
    assert parse_boolean(word) is False


@given(st.text().filter(lambda s: s.strip().lower() not in {*TRUE_WORDS, *FALSE_WORDS}))
def test_other_words_are_not_booleans(word: str) -> None:
    with pytest.raises(ValueError, match="a boolean"):
        parse_boolean(word)


def test_toml_booleans_and_zero_one_are_booleans() -> None:
    assert parse_boolean(True) is True
    assert parse_boolean(0) is False
    with pytest.raises(ValueError):
        parse_boolean(2)


@given(st.text().filter(lambda s: s.strip() != ""))
def test_non_blank_text_is_kept_without_surrounding_blanks(text: str) -> None:
    assert parse_text(text) == text.strip()


@given(st.text(alphabet=" \t\n"))
def test_blank_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        parse_text(text)
