"""Compiled kernels (Rust, PyO3). Private: use `lenskit.knn` and `lenskit.als`.

Every function is stateless. Fitted models are plain numpy arrays that the
caller keeps and passes back in; the functions borrow them read-only and
release the GIL for all heavy work, so they are safe to call from many
threads at once. Inconsistent arrays raise ValueError (or RuntimeError if an
inconsistency is only found mid-computation); no Rust panic reaches Python.

Shapes and dtypes (C-contiguous):

- ``shape``: ``(n_users, n_items)`` of the training data.
- ``data`` (ratings): ``(indptr int64[n_users + 1], indices int32[nnz],
  values float32[nnz] | None)``, item indices strictly increasing per user.
- CSR triples: ``(indptr int64, indices int32, values)``.
- ``users`` / ``items`` / ``candidates``: int32 indices; negative or
  out-of-range values stand for unknown users or items.
- embeddings: float32 ``(n_rows, k)`` matrices, one row per user or item.

``parallel=True`` spreads the work over the global Rayon pool (waking every
50 ms to run Python signal handlers, so Ctrl-C interrupts it and stops the
pool's work); ``parallel=False`` runs on the calling thread.
"""

import numpy as np
import numpy.typing as npt

_I64 = npt.NDArray[np.int64]
_I32 = npt.NDArray[np.int32]
_F32 = npt.NDArray[np.float32]
_F64 = npt.NDArray[np.float64]
_Ratings = tuple[_I64, _I32, _F32 | None]
_Sims = tuple[_I64, _I32, _F64]
_Index = tuple[_I64, _I32, _F32]
_Recs = tuple[_I64, _I32, _F64]
_ItemModel = tuple[tuple[int, int], _Ratings, _F64 | None, _Sims, _Sims | None]
_UserModel = tuple[tuple[int, int], _Ratings, _F64 | None, _F64, _F32, _Index]
_Matrix = np.ndarray[tuple[int, int], np.dtype[np.float32]]
_MFModel = tuple[tuple[int, int], _Ratings, _Matrix, _F32, tuple[float, _F64, _F64] | None]

def init_thread_pool(threads: int) -> bool:
    """Build the global Rayon pool with ``threads`` threads (at least 1).

    Returns True if this call built it, False if it already existed; the
    pool is never resized.  Raises RuntimeError if the pool could not start
    (its threads could not be created), now or at an earlier attempt; every
    parallel kernel then raises the same error instead of running.
    """

def thread_count() -> int:
    """Threads in the global Rayon pool, or 0 if it is not built (or could not start)."""

def item_knn_footprint(
    shape: tuple[int, int],
    data: _Ratings,
    *,
    explicit: bool,
    min_sim: float,
    save_nbrs: int | None = None,
    budget: int,
) -> tuple[int, int, int, int, int | None]:
    """Estimate the memory `item_knn_fit` would need with these parameters.

    Returns ``(similarities, model_bytes, peak_bytes, sampled_rows,
    largest_save_nbrs)``: the similarities the model would store and its
    size, the most the fit would hold at once (besides ``data``), how many
    rows were computed for the estimate (0: an upper bound from the ratings
    alone, used when it is within ``budget`` bytes), and the largest
    ``save_nbrs`` whose fit stays within ``budget`` (None if none does).
    """

def item_knn_fit(
    shape: tuple[int, int],
    data: _Ratings,
    *,
    explicit: bool,
    min_sim: float,
    save_nbrs: int | None = None,
) -> tuple[_F64 | None, _Sims, _Sims | None]:
    """Train item-kNN on the Rayon pool (interruptible).

    Returns ``(item_means, sims, sims_t)``: item means (explicit only); the
    item-item similarities above ``min_sim`` as CSR (rows in increasing
    column order, float64); and their transpose when ``save_nbrs`` cut some
    row (else None: the matrix is symmetric). Raises MemoryError, naming
    what could not be allocated, when memory runs out.
    """

def item_knn_score(
    model: _ItemModel, *, k: int, min_nbrs: int, users: _I32, items: _I32, parallel: bool
) -> _F64:
    """Score ``(users[p], items[p])`` pairs; NaN for unknown ids or too few neighbours.

    ``model`` is ``(shape, data, item_means, sims, sims_t)``.
    """

def item_knn_recommend(
    model: _ItemModel,
    *,
    k: int,
    min_nbrs: int,
    users: _I32,
    n: int,
    candidates: _I32 | None,
    exclude_seen: bool,
    parallel: bool,
) -> _Recs:
    """Top-``n`` items per user as ragged arrays ``(offsets, items, scores)``.

    User ``b`` owns ``items[offsets[b]:offsets[b + 1]]``, best first (score
    descending, then item index ascending). Candidates default to all items;
    unknown or repeated candidates are ignored; unknown users get no items.
    """

def user_knn_fit(
    shape: tuple[int, int], data: _Ratings, *, explicit: bool
) -> tuple[_F64 | None, _F64, _F32, _Index]:
    """Normalise user vectors and index them by item.

    Returns ``(user_means, user_norms, user_vectors, item_index)``:
    ``user_vectors`` is aligned with ``data``'s entries; ``item_index`` is
    the CSR of items -> (users, vector entries).
    """

def user_knn_score(
    model: _UserModel,
    *,
    k: int,
    min_nbrs: int,
    min_sim: float,
    users: _I32,
    items: _I32,
    parallel: bool,
) -> _F64:
    """Score ``(users[p], items[p])`` pairs with user-kNN; NaN where unscorable.

    ``model`` is ``(shape, data, user_means, user_norms, user_vectors, item_index)``.
    """

def user_knn_recommend(
    model: _UserModel,
    *,
    k: int,
    min_nbrs: int,
    min_sim: float,
    users: _I32,
    n: int,
    candidates: _I32 | None,
    exclude_seen: bool,
    parallel: bool,
) -> _Recs:
    """Top-``n`` items per user with user-kNN; see `item_knn_recommend`."""

def als_biases(
    shape: tuple[int, int], data: _Ratings, *, damping_user: float, damping_item: float
) -> tuple[float, _F64, _F64, _F32]:
    """Fit the damped bias model of explicit ratings (values required).

    Returns ``(global_bias, item_biases, user_biases, residuals)``, the
    residuals aligned with ``data``'s entries.
    """

def als_train(
    shape: tuple[int, int],
    data: _Ratings,
    users: _Matrix,
    items: _Matrix,
    *,
    implicit: bool,
    epochs: int,
    reg_user: float,
    reg_item: float,
    cg_steps: int | None = None,
) -> tuple[_Matrix, _Matrix]:
    """Train ALS from initial embeddings on the Rayon pool (interruptible).

    ``data`` values are residual ratings (explicit) or confidence minus one
    (implicit, >= 0). Each row is solved by Cholesky, or by ``cg_steps``
    conjugate-gradient steps when given. Returns ``(users, items)``.
    """

def als_gram(embeddings: _Matrix, reg: float) -> _Matrix:
    """``Y^T Y + reg I`` of embeddings ``Y`` (k x k, symmetric)."""

def als_item_panels(items: _Matrix) -> _F32:
    """Item embeddings packed for scoring: panels of 8 items, dimension-major within each."""

def als_score(model: _MFModel, *, users: _I32, items: _I32, parallel: bool) -> _F64:
    """Score ``(users[p], items[p])`` pairs; NaN for unknown ids.

    ``model`` is ``(shape, rated, user_embeddings, item_panels, biases)``:
    ``rated`` lists each user's training items (values unused); ``item_panels``
    comes from `als_item_panels`; ``biases`` is ``(global, item_biases,
    user_biases)`` for explicit feedback, else None.
    """

def als_recommend(
    model: _MFModel,
    *,
    users: _I32,
    n: int,
    candidates: _I32 | None,
    exclude_seen: bool,
    parallel: bool,
) -> _Recs:
    """Top-``n`` items per user with matrix factorisation; see `item_knn_recommend`."""

def als_fold_in_explicit(
    item_embeddings: _Matrix,
    global_bias: float,
    item_biases: _F64,
    *,
    user_damping: float,
    reg: float,
    items: _I32,
    ratings: _F32,
) -> tuple[_F32, float]:
    """A new user's embedding and bias from ratings of ``items`` (sorted, distinct)."""

def als_fold_in_implicit(
    item_embeddings: _Matrix, gram: _Matrix, *, items: _I32, values: _F32
) -> _F32:
    """A new user's embedding from interactions with ``items`` (sorted, distinct).

    ``values`` are confidence minus one (>= 0); ``gram`` is the items'
    ``Y^T Y`` plus the user regularisation.
    """
