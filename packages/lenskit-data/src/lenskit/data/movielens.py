"""The MovieLens ml-latest-small ratings that ship inside lenskit-data.

Tests, examples and benchmarks need a real, well-known data set without a
download step. GroupLens allows redistribution under the terms in the
``README.txt`` bundled beside the ratings; publications using it should
acknowledge the data set as that file asks.
"""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path

import pyarrow.parquet as pq

from .frames import Origin
from .interactions import Interactions, interactions_from_frame

_lock = threading.Lock()
_cache: dict[str, Interactions] = {}


def movielens_small_path() -> Path:
    """Path of the bundled ``ratings.parquet`` (userId, movieId, rating, timestamp)."""
    ref = resources.files("lenskit.data") / "_bundled" / "ml-latest-small" / "ratings.parquet"
    return Path(str(ref))


def movielens_small() -> Interactions:
    """MovieLens ml-latest-small: 100,004 explicit ratings (0.5-5 stars) by 671 users.

    Loaded once per process and shared: the result is immutable, so every
    caller (and every thread) can use the same object.
    """
    with _lock:
        if "ml-latest-small" not in _cache:
            path = movielens_small_path()
            table = pq.read_table(path, columns=["userId", "movieId", "rating"])
            _cache["ml-latest-small"] = interactions_from_frame(
                table.to_pandas(),
                user_col="userId",
                item_col="movieId",
                rating_col="rating",
                duplicates="error",
                origin=Origin.of(path),
            )
        return _cache["ml-latest-small"]
