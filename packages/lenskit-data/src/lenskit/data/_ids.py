"""Turning user-supplied identifiers into one of two canonical array kinds.

Ids are either integers (held as ``int64``) or strings (held as an object
array of ``str``). Keeping exactly two kinds makes lookups, sorting and
conversion to Arrow predictable; everything else is rejected with a message
saying what was found.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

IdKind = Literal["int", "str"]

_INT64_MAX = np.iinfo(np.int64).max


def id_kind(ids: np.ndarray) -> IdKind:
    """The kind of a canonical id array (see :func:`as_id_array`)."""
    return "int" if ids.dtype == np.int64 else "str"


def as_id_array(values: Iterable[object] | np.ndarray, what: str = "ids") -> np.ndarray:
    """Convert ids to an ``int64`` array or an object array of ``str``.

    Raises:
        TypeError: the ids are neither all integers nor all strings.
    """
    if isinstance(values, pd.Index | pd.Series):
        arr = values.to_numpy()
    elif isinstance(values, np.ndarray):
        arr = values
    else:
        arr = np.asarray(list(values), dtype=object)
    if arr.ndim != 1:
        raise TypeError(f"{what} must be one-dimensional, got shape {arr.shape}")
    kind = arr.dtype.kind
    if kind == "i":
        return arr.astype(np.int64, copy=False)
    if kind == "u":
        if arr.size and int(arr.max()) > _INT64_MAX:
            raise TypeError(f"{what} include an integer larger than the int64 maximum")
        return arr.astype(np.int64)
    if kind == "U":
        return np.array([str(v) for v in arr.tolist()], dtype=object)
    if kind == "O" or arr.dtype.name in ("str", "string"):
        return _from_objects(arr.tolist(), what)
    raise TypeError(f"{what} must be integers or strings, got {arr.dtype} values")


def _from_objects(items: list[object], what: str) -> np.ndarray:
    if not items:
        return np.empty(0, dtype=np.int64)
    if all(isinstance(v, str) for v in items):
        return np.array(items, dtype=object)
    if all(_is_int(v) for v in items):
        try:
            return np.array(items, dtype=np.int64)
        except OverflowError:
            raise TypeError(f"{what} include an integer outside the int64 range") from None
    first = items[0]
    want_str = isinstance(first, str)
    for pos, v in enumerate(items):
        ok = isinstance(v, str) if want_str else _is_int(v)
        if not ok:
            raise TypeError(
                f"{what} must be all integers or all strings; "
                f"position 0 is {show(first)} but position {pos} is {show(v)}"
            )
    raise AssertionError("unreachable")  # pragma: no cover


def _is_int(v: object) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


def show(value: object) -> str:
    """``repr`` for messages, without numpy's ``np.int64(...)`` wrapping."""
    return repr(value.item() if isinstance(value, np.generic) else value)
