"""Reading user, item and rating columns out of a data frame, strictly.

Column names differ between data sets (``user_id``, ``user``, MovieLens
``userId``...), and real files contain blanks, typos and stray text. This
module finds the columns and converts them, raising :class:`DataError` with
the column and first offending row instead of guessing or dropping rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._ids import show
from .errors import DataError

USER_COLUMNS: tuple[str, ...] = ("user_id", "user", "userId")
"""Column names recognised as the user id, in order of preference."""
ITEM_COLUMNS: tuple[str, ...] = ("item_id", "item", "movieId")
"""Column names recognised as the item id, in order of preference."""
RATING_COLUMNS: tuple[str, ...] = ("rating",)
"""Column names recognised as the rating."""

_INT64 = np.iinfo(np.int64)
_FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Origin:
    """Where a frame came from, for error messages.

    Attributes:
        source: file name or description (None for an in-memory frame).
        first_line: file line of the frame's row 0 (CSV files), if known.
    """

    source: str | None = None
    first_line: int | None = None

    @classmethod
    def of(cls, source: str | Path | None, first_line: int | None = None) -> Origin:
        return cls(None if source is None else str(source), first_line)

    def error(self, problem: str, column: str | None = None, row: int | None = None) -> DataError:
        line = None if row is None or self.first_line is None else self.first_line + row
        return DataError(problem, source=self.source, column=column, row=row, line=line)


def find_column(
    df: pd.DataFrame,
    explicit: str | None,
    candidates: Sequence[str],
    *,
    role: str,
    option: str,
    origin: Origin,
) -> str:
    """The name of the ``role`` column: ``explicit`` if given, else the first candidate present."""
    name = find_optional_column(df, explicit, candidates, option=option, origin=origin)
    if name is None:
        raise origin.error(
            f"no {role} column: expected one of {_names(candidates)} (or pass {option}=); "
            f"found columns: {_names([str(c) for c in df.columns])}"
        )
    return name


def find_optional_column(
    df: pd.DataFrame,
    explicit: str | None,
    candidates: Sequence[str],
    *,
    option: str,
    origin: Origin,
) -> str | None:
    """Like :func:`find_column`, but None when no candidate is present."""
    if explicit is not None:
        if explicit not in df.columns:
            found = _names([str(c) for c in df.columns])
            raise origin.error(
                f"no column {explicit!r} (given as {option}=); found columns: {found}"
            )
        return explicit
    for name in candidates:
        if name in df.columns:
            return name
    return None


def column_values(df: pd.DataFrame, name: str, origin: Origin) -> pd.Series:
    """The column ``name`` as a Series; a repeated column name is ambiguous."""
    col = df[name]
    if not isinstance(col, pd.Series):
        raise origin.error(f"there are {col.shape[1]} columns named {name!r}", name)
    return col


def _names(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names) if names else "(none)"


def id_values(series: pd.Series, column: str, what: str, origin: Origin) -> np.ndarray:
    """The ids in ``series`` as ``int64`` or an object array of ``str``.

    Integral floats (as pandas reads an integer column with blanks) become
    integers; blanks, fractions, booleans and mixed types are errors.
    """
    null = series.isna().to_numpy()
    if null.any():
        row = int(np.argmax(null))
        raise origin.error(f"missing {what} id (blank or null)", column, row)
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise origin.error(f"{what} ids must be integers or strings, found booleans", column, 0)
    if pd.api.types.is_integer_dtype(dtype):
        if pd.api.types.is_unsigned_integer_dtype(dtype):
            big = series.to_numpy(np.uint64) > _INT64.max
            if big.any():
                row = int(np.argmax(big))
                raise origin.error(f"{what} id {series.iloc[row]} is too large", column, row)
        return series.to_numpy(np.int64)
    if pd.api.types.is_float_dtype(dtype):
        vals = series.to_numpy(np.float64)
        bad = ~np.isfinite(vals) | (vals != np.floor(vals)) | (np.abs(vals) > 2.0**63)
        if bad.any():
            row = int(np.argmax(bad))
            raise origin.error(
                f"{what} id {show(vals[row])} is not an integer; ids must be integers or strings",
                column,
                row,
            )
        return vals.astype(np.int64)
    if pd.api.types.is_string_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return _object_ids(series.to_numpy(object), column, what, origin)
    raise origin.error(f"{what} ids must be integers or strings, found {dtype} values", column)


def _object_ids(values: np.ndarray, column: str, what: str, origin: Origin) -> np.ndarray:
    items = values.tolist()
    is_str = np.fromiter((isinstance(v, str) for v in items), np.bool_, len(items))
    if is_str.all():
        return values.astype(object)
    is_int = np.fromiter(
        (isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_) for v in items),
        np.bool_,
        len(items),
    )
    if is_int.all():
        try:
            return np.array(items, dtype=np.int64)
        except OverflowError:
            raise origin.error(
                f"{what} ids include an integer outside the int64 range", column
            ) from None
    # Blame the first value whose kind differs from row 0's (or row 0 if it is neither).
    expected = is_str if is_str[0] else is_int
    row = int(np.argmin(expected)) if (is_str[0] or is_int[0]) else 0
    first = "strings" if is_str[0] else "integers"
    raise origin.error(
        f"{what} id {show(items[row])} ({type(items[row]).__name__}) does not match the column's "
        f"other ids ({first}); ids must be all integers or all strings",
        column,
        row,
    )


def rating_values(series: pd.Series, column: str, origin: Origin) -> npt.NDArray[np.float32]:
    """Ratings as finite ``float32``; the earliest blank, text or infinite value is an error."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        raise origin.error("ratings must be numbers, found booleans", column, 0)
    if pd.api.types.is_numeric_dtype(dtype):
        vals = series.to_numpy(np.float64, na_value=np.nan)
        text = np.zeros(len(vals), np.bool_)
    else:
        coerced = pd.Series(pd.to_numeric(series.astype(object), errors="coerce"))
        vals = coerced.to_numpy(np.float64, na_value=np.nan)
        text = np.isnan(vals) & series.notna().to_numpy()
    bad = text | ~np.isfinite(vals) | (np.abs(vals) > _FLOAT32_MAX)
    if bad.any():
        row = int(np.argmax(bad))
        raw = series.iloc[row]
        if text[row]:
            problem = f"rating {show(raw)} is not a number"
        elif np.isnan(vals[row]):
            problem = "missing rating (blank or NaN); every rating must be a finite number"
        elif np.isinf(vals[row]):
            problem = f"rating {vals[row]} is infinite; every rating must be a finite number"
        else:
            problem = f"rating {show(vals[row])} is too large to store as float32"
        raise origin.error(problem, column, row)
    return vals.astype(np.float32)
