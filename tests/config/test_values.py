"""The kinds of value accept exactly what the docs promise, from text and from TOML values."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lenskit.config._values import BOOLEAN, COUNT, CPUS, JOBS, MAX_COUNT, TEXT

TRUE_WORDS = ["true", "yes", "1"]
FALSE_WORDS = ["false", "no", "0"]


def any_case(word: str) -> st.SearchStrategy[str]:
    return st.tuples(*[st.sampled_from([c.lower(), c.upper()]) for c in word]).map("".join)


@given(st.integers(min_value=0, max_value=MAX_COUNT))
def test_counts_up_to_the_bound_are_accepted_as_numbers_and_as_text(n: int) -> None:
    assert COUNT.parse(n) == n
    assert COUNT.parse(f" {n} ") == n
    assert CPUS.parse(str(n)) == n


def test_zero_means_derive_and_minus_one_is_a_count() -> None:
    assert COUNT.parse("0") == 0
    assert COUNT.parse(-1) == -1


@given(st.integers(min_value=MAX_COUNT + 1))
def test_counts_above_the_bound_are_refused(n: int) -> None:
    with pytest.raises(ValueError, match=f"from 1 to {MAX_COUNT}"):
        COUNT.parse(str(n))


@given(st.integers(max_value=-2))
def test_negative_counts_other_than_minus_one_are_refused(n: int) -> None:
    with pytest.raises(ValueError, match=r"0 \(derive\), -1 or"):
        COUNT.parse(n)


def test_minus_one_is_no_cpu_count() -> None:
    with pytest.raises(ValueError, match=r"^0 \(detect\) or a whole number"):
        CPUS.parse(-1)


def test_an_optional_job_count_may_be_unset_but_not_zero() -> None:
    assert JOBS.parse(None) is None
    with pytest.raises(ValueError):
        JOBS.parse(0)


@given(st.text().filter(lambda s: re.fullmatch(r"[+-]?[0-9]+", s.strip()) is None))
def test_text_that_is_not_a_decimal_integer_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="whole number"):
        COUNT.parse(text)


@given(st.floats(allow_nan=True))
def test_floats_are_refused_even_when_whole(value: float) -> None:
    with pytest.raises(ValueError):
        CPUS.parse(value)


@pytest.mark.parametrize("flag", [True, False])
def test_booleans_are_not_counts(flag: bool) -> None:
    with pytest.raises(ValueError):
        COUNT.parse(flag)


@given(st.sampled_from(TRUE_WORDS).flatmap(any_case))
def test_true_words_in_any_case_are_true(word: str) -> None:
    assert BOOLEAN.parse(word) is True


@given(st.sampled_from(FALSE_WORDS).flatmap(any_case))
def test_false_words_in_any_case_are_false(word: str) -> None:
    assert BOOLEAN.parse(word) is False


@given(st.text().filter(lambda s: s.strip().lower() not in {*TRUE_WORDS, *FALSE_WORDS}))
def test_other_words_are_not_booleans(word: str) -> None:
    with pytest.raises(ValueError, match="a boolean"):
        BOOLEAN.parse(word)


def test_toml_booleans_and_zero_one_are_booleans() -> None:
    assert BOOLEAN.parse(True) is True
    assert BOOLEAN.parse(0) is False
    with pytest.raises(ValueError):
        BOOLEAN.parse(2)


@given(st.text().filter(lambda s: s.strip() != ""))
def test_non_blank_text_is_kept_without_surrounding_blanks(text: str) -> None:
    assert TEXT.parse(text) == text.strip()


@given(st.text(alphabet=" \t\n"))
def test_blank_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        TEXT.parse(text)
