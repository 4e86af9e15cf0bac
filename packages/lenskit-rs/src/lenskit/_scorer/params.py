"""Checking scorer parameters in Python, before any Rust runs.

A bad value gets a ValueError naming the scorer, the parameter, the value
and what is allowed, so nothing malformed ever reaches the compiled kernels.
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Literal, TypeVar

if TYPE_CHECKING:
    from lenskit.data import Interactions

Feedback = Literal["explicit", "implicit"]
FEEDBACK_KINDS: tuple[Feedback, ...] = ("explicit", "implicit")
LARGEST_COUNT = 2 * sys.maxsize + 1
"""The largest count the compiled kernels take: their size type (``usize``)."""

_T = TypeVar("_T")


def positive_int(owner: str, name: str, value: object) -> int:
    """``value`` as an int of at least 1."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise ValueError(f"{owner}: {name} must be an integer >= 1, got {value!r}")
    number = int(value)  # type: ignore[call-overload]
    if number < 1:
        raise ValueError(f"{owner}: {name} must be an integer >= 1, got {number}")
    if number > LARGEST_COUNT:
        raise ValueError(f"{owner}: {name} must be at most {LARGEST_COUNT}, got {number}")
    return number


def optional_positive_int(owner: str, name: str, value: object) -> int | None:
    """``value`` as an int of at least 1, or None."""
    return None if value is None else positive_int(owner, name, value)


def finite_number(owner: str, name: str, value: object, *, positive: bool = False) -> float:
    """``value`` as a finite float of at least 0 (above 0 if ``positive``)."""
    bound = "> 0" if positive else ">= 0"
    problem = ValueError(f"{owner}: {name} must be a finite number {bound}, got {value!r}")
    if isinstance(value, bool):
        raise problem
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise problem from None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        raise problem
    return number


def one_of(owner: str, name: str, value: object, allowed: tuple[_T, ...]) -> _T:
    """The entry of ``allowed`` that ``value`` is."""
    for choice in allowed:
        if _matches(value, choice):
            return choice
    choices = " or ".join(repr(a) for a in allowed)
    raise ValueError(f"{owner}: {name} must be {choices}, got {value!r}")


def _matches(value: object, choice: object) -> bool:
    # True == 1 in Python; a flag only matches a flag
    if isinstance(value, bool) or isinstance(choice, bool):
        return value is choice
    return value == choice


def min_similarity(owner: str, value: object) -> float:
    """``value`` as a finite float of at least 0."""
    return finite_number(owner, "min_sim", value)


def feedback_kind(owner: str, value: object) -> Feedback:
    """``value`` as one of the feedback kinds."""
    return one_of(owner, "feedback", value, FEEDBACK_KINDS)


def neighbour_counts(owner: str, k: object, min_nbrs: object) -> tuple[int, int]:
    """``k`` and ``min_nbrs``, checked against each other."""
    k_ = positive_int(owner, "k", k)
    m_ = positive_int(owner, "min_nbrs", min_nbrs)
    if m_ > k_:
        raise ValueError(
            f"{owner}: min_nbrs ({m_}) is larger than k ({k_}), so nothing could be scored"
        )
    return k_, m_


def list_length(name: str, value: object) -> int | None:
    """A recommendation length: an int of at least 1, or None for all."""
    return optional_positive_int("recommend", name, value)


def require_ratings(owner: str, data: Interactions, what: str, advice: str) -> None:
    """Refuse ``data`` without rating values, for an option (``what``) that needs them."""
    if data.ratings is None:
        raise ValueError(f"{owner}: {what} needs rating values, but the data has none; {advice}")
