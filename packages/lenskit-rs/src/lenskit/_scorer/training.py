"""What a fitted scorer keeps of its training data, as plain read-only arrays.

Scorers keep their models in numpy arrays rather than Rust objects, so a
fitted scorer pickles (to ship to Ray workers) and is shared read-only by
any number of threads; the arrays are passed back to the stateless
functions of `lenskit._accel` on every call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from lenskit.data import Interactions, Vocabulary

RatingArrays = tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32] | None]


def frozen(array: np.ndarray, dtype: type[np.generic]) -> np.ndarray:
    """A C-contiguous array of ``dtype`` that cannot be written through."""
    out = np.ascontiguousarray(array, dtype=dtype)
    if out.flags.writeable:
        out = out.view()
        out.flags.writeable = False
    return out


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
        """Take the arrays of ``data``, dropping rating values unless ``explicit``."""
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
