"""The user-item rating matrix every recommender trains on.

:class:`Interactions` holds two vocabularies and a CSR matrix (user rows,
item columns) as plain read-only numpy arrays, so the Rust kernels can read
them without copying and fitted models can be pickled or shipped to workers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, NoReturn, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from .frames import (
    ITEM_COLUMNS,
    RATING_COLUMNS,
    USER_COLUMNS,
    Origin,
    column_values,
    find_column,
    find_optional_column,
    id_values,
    rating_values,
)
from .loaders import read_ratings
from .synthetic import synthetic_matrix
from .vocabulary import Vocabulary

DuplicatePolicy = Literal["error", "first", "last", "mean"]
"""What to do when a (user, item) pair occurs more than once.

``"error"`` (the default) raises :class:`~lenskit.data.DataError` naming both
rows; ``"first"`` / ``"last"`` keep the rating from the earliest / latest row;
``"mean"`` keeps the average rating.
"""

_INT32_MAX = np.iinfo(np.int32).max


class Interactions:
    """Users' ratings of items, as a sparse matrix with id vocabularies.

    Row ``u`` of the matrix holds the ratings of user ``users.ids[u]``;
    ``indices[indptr[u]:indptr[u + 1]]`` are the (strictly increasing) item
    indices and ``ratings[...]`` the matching ratings. Vocabularies are sorted
    by id, so the same set of ratings gives the same arrays whatever the row
    order of the input.

    Instances are immutable (all arrays are read-only) and safe to share
    between threads. Build them with :meth:`from_frame`, :meth:`load` or
    :meth:`synthetic`; the constructor checks arrays built by other means.
    """

    __slots__ = ("_indices", "_indptr", "_items", "_ratings", "_users")

    _users: Vocabulary
    _items: Vocabulary
    _indptr: npt.NDArray[np.int64]
    _indices: npt.NDArray[np.int32]
    _ratings: npt.NDArray[np.float32] | None

    def __init__(
        self,
        users: Vocabulary,
        items: Vocabulary,
        indptr: npt.ArrayLike,
        indices: npt.ArrayLike,
        ratings: npt.ArrayLike | None = None,
    ) -> None:
        self._users = users
        self._items = items
        self._indptr = _frozen(indptr, np.int64)
        self._indices = _frozen(indices, np.int32)
        self._ratings = None if ratings is None else _frozen(ratings, np.float32)
        self._check()

    def _check(self) -> None:
        n_users, n_items = len(self._users), len(self._items)
        indptr, indices, ratings = self._indptr, self._indices, self._ratings
        if indptr.shape != (n_users + 1,):
            raise ValueError(f"indptr must have {n_users + 1} entries, has shape {indptr.shape}")
        if indptr[0] != 0 or indptr[-1] != len(indices) or np.any(np.diff(indptr) < 0):
            raise ValueError("indptr must rise from 0 to the number of ratings")
        if indices.ndim != 1:
            raise ValueError(f"indices must be one-dimensional, got shape {indices.shape}")
        if len(indices) and (indices.min() < 0 or indices.max() >= n_items):
            raise ValueError(f"item indices must be in 0 .. {n_items - 1}")
        if len(indices) > 1:
            rising = np.diff(indices) > 0
            row_starts = indptr[1:-1]
            rising[row_starts[(row_starts > 0) & (row_starts < len(indices))] - 1] = True
            if not rising.all():
                raise ValueError("item indices must be strictly increasing within each user row")
        if ratings is not None:
            if ratings.shape != indices.shape:
                raise ValueError(f"{len(indices)} item indices but {ratings.shape} ratings")
            if not np.isfinite(ratings).all():
                raise ValueError("ratings must be finite")

    # -- construction ---------------------------------------------------------

    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame | pa.Table,
        *,
        user_col: str | None = None,
        item_col: str | None = None,
        rating_col: str | Literal[False] | None = None,
        duplicates: DuplicatePolicy = "error",
        source: str | Path | None = None,
    ) -> Interactions:
        """Build interactions from a data frame (or Arrow table) of ratings.

        Args:
            df: one row per (user, item) rating.
            user_col: the user id column; by default the first of
                ``user_id``, ``user``, ``userId`` that is present.
            item_col: the item id column; by default the first of
                ``item_id``, ``item``, ``movieId``.
            rating_col: the rating column; by default ``rating`` if present,
                otherwise the data is implicit (``ratings`` is None).
                ``False`` ignores any rating column.
            duplicates: policy for repeated (user, item) pairs; see
                :data:`DuplicatePolicy`.
            source: where the frame came from, for error messages.

        Raises:
            DataError: a column is missing, an id is blank or of the wrong
                type, a rating is blank, non-numeric or infinite, a pair is
                duplicated (with ``duplicates="error"``), or there are no rows.
        """
        return interactions_from_frame(
            df,
            user_col=user_col,
            item_col=item_col,
            rating_col=rating_col,
            duplicates=duplicates,
            origin=Origin.of(source),
        )

    @classmethod
    def load(
        cls,
        path: str | Path,
        *,
        user_col: str | None = None,
        item_col: str | None = None,
        rating_col: str | Literal[False] | None = None,
        duplicates: DuplicatePolicy = "error",
    ) -> Interactions:
        """Load a ``.csv``, ``.tsv`` or ``.parquet`` file, or a MovieLens folder.

        See :func:`lenskit.data.load_interactions`.
        """
        return load_interactions(
            path, user_col=user_col, item_col=item_col, rating_col=rating_col, duplicates=duplicates
        )

    @classmethod
    def synthetic(cls, n_users: int, n_items: int, n_ratings: int, seed: int = 0) -> Interactions:
        """A seeded, MovieLens-like random data set; see :func:`lenskit.data.synthetic`."""
        return synthetic(n_users, n_items, n_ratings, seed=seed)

    # -- access ---------------------------------------------------------------

    @property
    def users(self) -> Vocabulary:
        """User ids; user ``users.ids[u]`` is matrix row ``u``."""
        return self._users

    @property
    def items(self) -> Vocabulary:
        """Item ids; item ``items.ids[i]`` is matrix column ``i``."""
        return self._items

    @property
    def n_users(self) -> int:
        return len(self._users)

    @property
    def n_items(self) -> int:
        return len(self._items)

    @property
    def n_ratings(self) -> int:
        """Number of stored (user, item) entries."""
        return len(self._indices)

    @property
    def indptr(self) -> npt.NDArray[np.int64]:
        """CSR row pointers (``n_users + 1`` entries)."""
        return self._indptr

    @property
    def indices(self) -> npt.NDArray[np.int32]:
        """CSR column (item) indices, strictly increasing within each row."""
        return self._indices

    @property
    def ratings(self) -> npt.NDArray[np.float32] | None:
        """CSR values, or None for implicit-feedback data."""
        return self._ratings

    @property
    def has_ratings(self) -> bool:
        """Whether the data carries explicit rating values."""
        return self._ratings is not None

    def user_counts(self) -> npt.NDArray[np.int64]:
        """Number of items each user rated, in user index order."""
        return np.diff(self._indptr)

    def item_counts(self) -> npt.NDArray[np.int64]:
        """Number of users who rated each item, in item index order."""
        return np.bincount(self._indices, minlength=self.n_items).astype(np.int64)

    def user_row(self, user: int) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float32] | None]:
        """Item indices and ratings (or None) of the user at row index ``user``."""
        if not 0 <= user < self.n_users:
            raise IndexError(f"user index {user} is outside 0 .. {self.n_users - 1}")
        sl = slice(int(self._indptr[user]), int(self._indptr[user + 1]))
        return self._indices[sl], None if self._ratings is None else self._ratings[sl]

    def to_frame(self) -> pd.DataFrame:
        """One row per rating: ``user_id``, ``item_id`` and (if explicit) ``rating``."""
        rows = np.repeat(np.arange(self.n_users), self.user_counts())
        cols: dict[str, np.ndarray] = {
            "user_id": self._users.ids[rows],
            "item_id": self._items.ids[self._indices],
        }
        if self._ratings is not None:
            cols["rating"] = self._ratings.copy()
        return pd.DataFrame(cols)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Interactions):
            return NotImplemented
        mine, theirs = self._ratings, other._ratings
        if mine is None or theirs is None:
            same_ratings = mine is None and theirs is None
        else:
            same_ratings = np.array_equal(mine, theirs)
        return (
            same_ratings
            and self._users == other._users
            and self._items == other._items
            and np.array_equal(self._indptr, other._indptr)
            and np.array_equal(self._indices, other._indices)
        )

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (
            Interactions,
            (self._users, self._items, self._indptr, self._indices, self._ratings),
        )

    def __repr__(self) -> str:
        kind = "ratings" if self._ratings is not None else "implicit interactions"
        return (
            f"<Interactions: {self.n_ratings} {kind} by {self.n_users} users "
            f"on {self.n_items} items>"
        )


def _frozen(values: npt.ArrayLike, dtype: type[np.generic]) -> np.ndarray:
    """A read-only contiguous array of ``dtype``; copies unless the input is already one."""
    arr = np.ascontiguousarray(values)
    if arr.dtype != dtype:
        if arr.size and arr.dtype.kind not in "iuf":
            raise ValueError(f"expected numbers, got {arr.dtype} values")
        arr = arr.astype(dtype)
    elif arr.flags.writeable:
        arr = arr.copy()
    arr.flags.writeable = False
    return arr


def interactions_from_frame(
    df: pd.DataFrame | pa.Table,
    *,
    user_col: str | None,
    item_col: str | None,
    rating_col: str | Literal[False] | None,
    duplicates: DuplicatePolicy,
    origin: Origin,
) -> Interactions:
    """:meth:`Interactions.from_frame` with an explicit origin (loaders add file lines)."""
    if duplicates not in get_args(DuplicatePolicy):
        allowed = ", ".join(repr(p) for p in get_args(DuplicatePolicy))
        raise ValueError(f"duplicates must be one of {allowed}, not {duplicates!r}")
    if isinstance(df, pa.Table):
        df = df.to_pandas()
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame or Arrow table, got {type(df).__name__}")
    ucol = find_column(df, user_col, USER_COLUMNS, role="user", option="user_col", origin=origin)
    icol = find_column(df, item_col, ITEM_COLUMNS, role="item", option="item_col", origin=origin)
    rcol = None
    if rating_col is not False:
        rcol = find_optional_column(
            df, rating_col, RATING_COLUMNS, option="rating_col", origin=origin
        )
    if len(df) == 0:
        raise origin.error("no ratings: the data has no rows")
    used = [c for c in (ucol, icol, rcol) if c is not None]
    blank = df[used].isna().to_numpy().all(axis=1)
    if blank.any():
        raise origin.error("blank row (no user, item or rating)", row=int(blank.argmax()))

    user_ids = id_values(column_values(df, ucol, origin), ucol, "user", origin)
    item_ids = id_values(column_values(df, icol, origin), icol, "item", origin)
    ratings = None
    if rcol is not None:
        ratings = rating_values(column_values(df, rcol, origin), rcol, origin)

    users, uidx = _vocabulary(user_ids)
    items, iidx = _vocabulary(item_ids)
    if len(items) > _INT32_MAX:
        raise origin.error(f"too many distinct items ({len(items)}); the limit is {_INT32_MAX}")

    key = uidx * len(items) + iidx
    order = np.argsort(key, kind="stable")
    skey = key[order]
    sratings = None if ratings is None else ratings[order]
    same = skey[1:] == skey[:-1]
    if same.any():
        if duplicates == "error":
            _raise_duplicate(skey, order, same, users, items, columns=(ucol, icol), origin=origin)
        skey, sratings = _combine(skey, sratings, same, duplicates)

    indptr = np.zeros(len(users) + 1, np.int64)
    np.cumsum(np.bincount(skey // len(items), minlength=len(users)), out=indptr[1:])
    indices = (skey % len(items)).astype(np.int32)
    return Interactions(users, items, indptr, indices, sratings)


def _vocabulary(ids: np.ndarray) -> tuple[Vocabulary, npt.NDArray[np.int64]]:
    """A sorted vocabulary of ``ids`` and each id's index in it."""
    codes, uniques = pd.factorize(ids)
    vocab = Vocabulary(uniques)
    # factorize numbers ids by first appearance; map those codes to sorted positions.
    remap = vocab.indices(uniques).astype(np.int64)
    return vocab, remap[codes]


def _raise_duplicate(
    skey: npt.NDArray[np.int64],
    order: npt.NDArray[np.intp],
    same: npt.NDArray[np.bool_],
    users: Vocabulary,
    items: Vocabulary,
    *,
    columns: tuple[str, str],
    origin: Origin,
) -> NoReturn:
    """Report the earliest row that repeats an earlier (user, item) pair."""
    later = np.flatnonzero(same) + 1
    pos = later[np.argmin(order[later])]
    first = int(order[np.searchsorted(skey, skey[pos])])
    row = int(order[pos])
    n_items = len(items)
    user, item = users.id(int(skey[pos] // n_items)), items.id(int(skey[pos] % n_items))
    where = f"row {first}" if origin.first_line is None else f"line {origin.first_line + first}"
    raise origin.error(
        f"duplicate ({columns[0]}, {columns[1]}) pair: user {user!r} and item {item!r} "
        f"already appear at {where}; pass duplicates='first', 'last' or 'mean' to combine "
        "repeated pairs",
        row=row,
    )


def _combine(
    skey: npt.NDArray[np.int64],
    sratings: npt.NDArray[np.float32] | None,
    same: npt.NDArray[np.bool_],
    policy: DuplicatePolicy,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32] | None]:
    """Collapse runs of equal keys (sorted stably, so runs are in row order)."""
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    if sratings is None:
        return skey[starts], None
    if policy == "first":
        return skey[starts], sratings[starts]
    if policy == "last":
        ends = np.concatenate((starts[1:], [len(skey)])) - 1
        return skey[ends], sratings[ends]
    sums = np.add.reduceat(sratings.astype(np.float64), starts)
    counts = np.diff(np.concatenate((starts, [len(skey)])))
    return skey[starts], (sums / counts).astype(np.float32)


def load_interactions(
    path: str | Path,
    *,
    user_col: str | None = None,
    item_col: str | None = None,
    rating_col: str | Literal[False] | None = None,
    duplicates: DuplicatePolicy = "error",
) -> Interactions:
    """Load ratings from a file or a MovieLens folder.

    Args:
        path: a ``.csv``/``.tsv`` file (optionally ``.gz``), a ``.parquet``
            file, or a folder holding ``ratings.csv`` (MovieLens
            ml-latest layout) or ``ratings.parquet``.
        user_col, item_col, rating_col, duplicates: as for
            :meth:`Interactions.from_frame`; the usual column names
            (including MovieLens ``userId``/``movieId``) are found
            automatically.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        DataError: the file cannot be parsed or its contents are invalid.
    """
    frame, origin = read_ratings(path)
    return interactions_from_frame(
        frame,
        user_col=user_col,
        item_col=item_col,
        rating_col=rating_col,
        duplicates=duplicates,
        origin=origin,
    )


def synthetic(n_users: int, n_items: int, n_ratings: int, seed: int = 0) -> Interactions:
    """A random explicit-rating data set shaped like MovieLens (see ``lenskit.data.synthetic``).

    Args:
        n_users: number of users; ids are ``1 .. n_users``, and every user
            has at least ``min(5, n_items, n_ratings // n_users)`` ratings.
        n_items: number of items; ids are ``1 .. n_items``. Item popularity
            follows a Zipf-like law, so in small data sets some tail items may
            have no ratings (they are still in the vocabulary).
        n_ratings: exact number of distinct (user, item) ratings.
        seed: the random seed; the same seed gives the same data.

    Raises:
        ValueError: a count is not a positive integer, there are fewer ratings
            than users, or more than ``n_users * n_items``.
    """
    users, indptr, items, ratings = synthetic_matrix(n_users, n_items, n_ratings, seed)
    item_ids = Vocabulary(np.arange(1, int(n_items) + 1, dtype=np.int64))
    return Interactions(Vocabulary(users), item_ids, indptr, items, ratings)
