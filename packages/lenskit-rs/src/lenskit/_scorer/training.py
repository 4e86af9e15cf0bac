"""The fitted state of a scorer: plain, read-only numpy arrays.

Scorers keep their model here rather than in a Rust object, so a fitted
scorer pickles (to ship to Ray workers) and is shared read-only by any
number of threads. The arrays are passed back to the stateless functions of
`lenskit._accel` on every call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lenskit.data import Interactions, Vocabulary

SimArrays = tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float64]]
"""``(indptr, indices, similarities)`` of a similarity matrix."""
IndexArrays = tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32]]
"""``(indptr, indices, vector entries)`` of an item -> users index."""
RatingArrays = tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32] | None]


def frozen(array: np.ndarray, dtype: type[np.generic]) -> np.ndarray:
    """A C-contiguous array of ``dtype`` that cannot be written through."""
    out = np.ascontiguousarray(array, dtype=dtype)
    if out.flags.writeable:
        out = out.view()
        out.flags.writeable = False
    return out


def frozen_sims(arrays: tuple[np.ndarray, np.ndarray, np.ndarray]) -> SimArrays:
    """Freeze a similarity matrix from the kernels."""
    indptr, indices, values = arrays
    return frozen(indptr, np.int64), frozen(indices, np.int32), frozen(values, np.float64)


def frozen_index(arrays: tuple[np.ndarray, np.ndarray, np.ndarray]) -> IndexArrays:
    """Freeze an item -> users index from the kernels."""
    indptr, indices, values = arrays
    return frozen(indptr, np.int64), frozen(indices, np.int32), frozen(values, np.float32)


@dataclass(frozen=True)
class TrainingData:
    """The training interactions a scorer needs at scoring time: who rated what."""

    users: Vocabulary
    items: Vocabulary
    indptr: npt.NDArray[np.int64]
    indices: npt.NDArray[np.int32]
    ratings: npt.NDArray[np.float32] | None

    @classmethod
    def of(cls, data: Interactions, *, explicit: bool) -> TrainingData:
        """Take the arrays of ``data``, dropping rating values for implicit feedback."""
        ratings = data.ratings
        return cls(
            users=data.users,
            items=data.items,
            indptr=frozen(data.indptr, np.int64),
            indices=frozen(data.indices, np.int32),
            ratings=frozen(ratings, np.float32) if explicit and ratings is not None else None,
        )

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_users, n_items)``."""
        return len(self.users), len(self.items)

    @property
    def arrays(self) -> RatingArrays:
        """The CSR triple passed to the kernels."""
        return self.indptr, self.indices, self.ratings
