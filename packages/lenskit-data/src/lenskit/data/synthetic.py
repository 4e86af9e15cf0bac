"""Seeded, MovieLens-like random rating data of any size.

Benchmarks and scale tests need data much larger than ml-latest-small that
still looks like real ratings to a k-NN model: a few very popular items and a
long tail, a few very active users, at least a handful of ratings per user,
half-star ratings that depend on who rates what. Everything is drawn from one
seeded generator with vectorised numpy, so a seed always gives the same data
(on the same numpy version) and millions of ratings take about a second.

The model, per rating of item ``i`` by user ``u``::

    rating = round_half(3.1 + quality[i] + bias[u] + taste[u] . style[i] + noise)

clipped to 0.5 .. 5. ``quality`` leans towards popular items, and the
low-rank ``taste . style`` term gives users with similar tastes similar
ratings, which is the signal neighbourhood methods find.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._ids import show

MIN_RATINGS_PER_USER = 5
"""Every user gets at least this many ratings (fewer only if the request forbids it)."""

_ZIPF_EXPONENT = 1.0
_ZIPF_OFFSET = 10.0
_ACTIVITY_SIGMA = 1.0
_TASTE_DIMS = 3
_GLOBAL_MEAN = 3.1
_ZIPF_ROUNDS = 4
_UNIFORM_ROUNDS = 4


SyntheticMatrix = tuple[
    npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32]
]
"""User ids (``1 .. n_users``), CSR row pointers, item columns and ratings; item ids are
``1 .. n_items``."""


def synthetic_matrix(n_users: int, n_items: int, n_ratings: int, seed: int = 0) -> SyntheticMatrix:
    """The ratings of a random explicit-rating data set shaped like MovieLens, as arrays.

    `lenskit.data.synthetic` (and `Interactions.synthetic`) wrap them; arguments and
    errors are as documented there.
    """
    for name, value in (("n_users", n_users), ("n_items", n_items), ("n_ratings", n_ratings)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {show(value)}")
    n_users, n_items, n_ratings = int(n_users), int(n_items), int(n_ratings)
    if n_ratings < n_users:
        raise ValueError(
            f"n_ratings ({n_ratings}) must be at least n_users ({n_users}): every user rates"
        )
    if n_ratings > n_users * n_items:
        raise ValueError(
            f"n_ratings ({n_ratings}) is more than n_users * n_items ({n_users * n_items})"
        )
    rng = np.random.default_rng(seed)
    counts = _user_activity(rng, n_users, n_items, n_ratings)
    item_of_rank = _rank_of_item(rng, n_items)
    popularity = np.empty(n_items, np.float64)
    popularity[item_of_rank] = _rank_mass(n_items)
    keys = _sample_pairs(rng, counts, item_of_rank)
    items = (keys % n_items).astype(np.int32)
    ratings = _ratings(rng, counts, items, popularity)
    indptr = np.zeros(n_users + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    return np.arange(1, n_users + 1, dtype=np.int64), indptr, items, ratings


def _user_activity(
    rng: np.random.Generator, n_users: int, n_items: int, n_ratings: int
) -> npt.NDArray[np.int64]:
    """Ratings per user: a floor for everyone plus a log-normal share of the rest."""
    floor = min(MIN_RATINGS_PER_USER, n_items, n_ratings // n_users)
    weights = rng.lognormal(0.0, _ACTIVITY_SIGMA, n_users)
    counts = floor + rng.multinomial(n_ratings - floor * n_users, weights / weights.sum())
    # Nobody can rate more items than exist; hand the overflow to users with room.
    while (over := int(np.maximum(counts - n_items, 0).sum())) > 0:
        counts = np.minimum(counts, n_items)
        room = (n_items - counts).astype(np.float64)
        counts = counts + rng.multinomial(over, room / room.sum())
    return counts.astype(np.int64)


def _rank_mass(n_items: int) -> npt.NDArray[np.float64]:
    """Zipf-like selection probability of each popularity rank (0 = most popular).

    Rank ``r`` gets the mass of ``[r, r + 1)`` under the density
    ``1 / (x + offset)``, which :func:`_draw_items` inverts in closed form, so
    a draw costs O(1) whatever the number of items.
    """
    edges = np.log(np.arange(n_items + 1, dtype=np.float64) + _ZIPF_OFFSET)
    return np.diff(edges) / (edges[-1] - edges[0])


def _rank_of_item(rng: np.random.Generator, n_items: int) -> npt.NDArray[np.int64]:
    """A random permutation: item ``item_of_rank[r]`` has popularity rank ``r``."""
    return rng.permutation(n_items).astype(np.int64)


def _draw_items(
    rng: np.random.Generator, n: int, item_of_rank: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """``n`` item indices drawn (with replacement) by the Zipf-like popularity."""
    n_items = len(item_of_rank)
    span = np.log((n_items + _ZIPF_OFFSET) / _ZIPF_OFFSET)
    rank = np.floor(_ZIPF_OFFSET * np.expm1(rng.random(n) * span)).astype(np.int64)
    return item_of_rank[np.minimum(rank, n_items - 1)]


def _sample_pairs(
    rng: np.random.Generator, counts: npt.NDArray[np.int64], item_of_rank: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Sorted keys ``user * n_items + item`` with exactly ``counts[u]`` distinct items per user.

    Each user's items are drawn with replacement by popularity and the
    repeats skipped (successive sampling without replacement). Users still
    short after a few rounds are topped up uniformly, and the rare user who
    wants nearly every item gets the rest by one draw without replacement.
    """
    n_users, n_items = len(counts), len(item_of_rank)
    accepted: list[npt.NDArray[np.int64]] = []
    have = np.zeros(n_users, np.int64)
    for round_ in range(_ZIPF_ROUNDS + _UNIFORM_ROUNDS):
        deficit = counts - have
        needy = np.flatnonzero(deficit > 0)
        if needy.size == 0:
            break
        # Oversample more each round: late rounds are the users whose picks collide.
        n_draw = np.ceil(deficit[needy] * (1.2 + round_)).astype(np.int64) + 2
        user = np.repeat(needy.astype(np.int64), n_draw)
        if round_ < _ZIPF_ROUNDS:
            item = _draw_items(rng, len(user), item_of_rank)
        else:
            item = rng.integers(0, n_items, len(user))
        prior = _keys_of_users(accepted, needy, n_users, n_items) if round_ else None
        take = _fresh_up_to(user * n_items + item, prior, deficit, n_items)
        accepted.append(take)
        have += np.bincount(take // n_items, minlength=n_users)
    deficit = counts - have
    short = np.flatnonzero(deficit > 0)
    if short.size:
        prior = np.sort(_keys_of_users(accepted, short, n_users, n_items))
        bounds = np.searchsorted(prior // n_items, np.concatenate((short, short + 1)))
        for j, u in enumerate(short):
            mine = prior[bounds[j] : bounds[j + len(short)]] % n_items
            free = np.setdiff1d(np.arange(n_items), mine, assume_unique=True)
            extra = rng.choice(free, int(deficit[u]), replace=False)
            accepted.append(u * n_items + extra)
    keys = np.concatenate(accepted)
    keys.sort()
    return keys


def _keys_of_users(
    accepted: list[npt.NDArray[np.int64]], users: np.ndarray, n_users: int, n_items: int
) -> npt.NDArray[np.int64]:
    """The accepted keys that belong to ``users``."""
    wanted = np.zeros(n_users, np.bool_)
    wanted[users] = True
    keys = np.concatenate(accepted)
    return keys[wanted[keys // n_items]]


def _fresh_up_to(
    drawn: npt.NDArray[np.int64],
    prior: npt.NDArray[np.int64] | None,
    deficit: npt.NDArray[np.int64],
    n_items: int,
) -> npt.NDArray[np.int64]:
    """Each user's first ``deficit[u]`` drawn keys that are new, in draw order.

    ``drawn`` is grouped by user. A stable sort of ``prior + drawn`` puts the
    earliest copy of every key first in its run, so a drawn key is new exactly
    when it heads its run.
    """
    n_prior = 0 if prior is None else len(prior)
    allk = drawn if prior is None else np.concatenate((prior, drawn))
    order = np.argsort(allk, kind="stable")
    sk = allk[order]
    heads = order[np.concatenate(([True], sk[1:] != sk[:-1]))]
    new = np.zeros(len(drawn), np.bool_)
    new[heads[heads >= n_prior] - n_prior] = True
    user = drawn // n_items
    seen = np.cumsum(new)
    group_start = np.flatnonzero(np.concatenate(([True], user[1:] != user[:-1])))
    sizes = np.diff(np.append(group_start, len(user)))
    before = np.repeat(seen[group_start] - new[group_start], sizes)
    return drawn[new & (seen - before <= deficit[user])]


def _ratings(
    rng: np.random.Generator,
    counts: npt.NDArray[np.int64],
    items: npt.NDArray[np.int32],
    popularity: npt.NDArray[np.float64],
) -> npt.NDArray[np.float32]:
    """Half-star ratings (in CSR order) from item quality, user bias, shared taste and noise."""
    n_users, n_items = len(counts), len(popularity)
    log_pop = np.log(popularity)
    pop_z = (log_pop - log_pop.mean()) / (log_pop.std() or 1.0)
    quality = (rng.normal(0.0, 0.45, n_items) + 0.25 * pop_z).astype(np.float32)
    bias = rng.normal(0.0, 0.35, n_users).astype(np.float32)
    taste = rng.normal(0.0, 1.0, (n_users, _TASTE_DIMS)).astype(np.float32)
    style = rng.normal(0.0, 0.35, (n_items, _TASTE_DIMS)).astype(np.float32)
    noise = rng.normal(0.0, 0.5, len(items)).astype(np.float32)
    # Ratings are grouped by user, so per-user terms expand with repeat (no gather).
    raw = np.repeat(bias + np.float32(_GLOBAL_MEAN), counts) + quality[items] + noise
    item_style = style[items]
    for d in range(_TASTE_DIMS):
        raw += np.repeat(taste[:, d], counts) * item_style[:, d]
    return np.clip(np.round(raw * 2) / 2, 0.5, 5.0).astype(np.float32)
