"""Checking scorer parameters in Python, before any Rust runs.

A bad value gets a ValueError naming the parameter, the value and what is
allowed, so nothing malformed ever reaches the compiled kernels.
"""

from __future__ import annotations

import math
import sys
from typing import Literal, cast

Feedback = Literal["explicit", "implicit"]
FEEDBACK_KINDS: tuple[Feedback, ...] = ("explicit", "implicit")
LARGEST_COUNT = 2 * sys.maxsize + 1
"""The largest count the compiled kernels take: their size type (``usize``)."""


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


def min_similarity(owner: str, value: object) -> float:
    """``value`` as a finite float of at least 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(
                f"{owner}: min_sim must be a finite number >= 0, got {value!r}"
            ) from None
    else:
        number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{owner}: min_sim must be a finite number >= 0, got {value!r}")
    return number


def feedback_kind(owner: str, value: object) -> Feedback:
    """``value`` as one of the feedback kinds."""
    if value not in FEEDBACK_KINDS:
        allowed = " or ".join(repr(k) for k in FEEDBACK_KINDS)
        raise ValueError(f"{owner}: feedback must be {allowed}, got {value!r}")
    return cast(Feedback, value)


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
