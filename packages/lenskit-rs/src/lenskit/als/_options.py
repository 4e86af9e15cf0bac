"""Checking the options of the matrix factorisation scorers, before any Rust runs.

Names and accepted forms follow LensKit's ALS configuration; every bad value
gets a ValueError naming the scorer, the option, the value and what is
allowed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from lenskit._scorer.params import finite_number, one_of, positive_int

Solver = Literal["cholesky", "cg"]
SOLVERS: tuple[Solver, ...] = ("cholesky", "cg")
UserEmbeddings = bool | Literal["prefer"]
USER_EMBEDDINGS: tuple[UserEmbeddings, ...] = (True, False, "prefer")

Seed = int | tuple[int, ...]
"""A seed for numpy's generators: a non-negative integer or a tuple of them."""
SeedLike = int | Sequence[int]
"""A seed as given: a non-negative integer or a sequence of them."""

CG_STEPS = 3
"""Conjugate-gradient steps per row and half-epoch (warm-started from the last epoch)."""


@dataclass(frozen=True)
class UserItem:
    """A value for users and one for items."""

    user: float
    item: float


def embedding_size(owner: str, value: object, features: object) -> int:
    """``embedding_size``, or its LensKit alias ``features`` (not both, unless equal)."""
    if features is None:
        return positive_int(owner, "embedding_size", value)
    size = positive_int(owner, "features", features)
    if value is not None and positive_int(owner, "embedding_size", value) != size:
        raise ValueError(
            f"{owner}: features is another name for embedding_size; got both "
            f"({features!r} and {value!r})"
        )
    return size


def user_item_pair(
    owner: str, name: str, value: object, *, positive: bool, missing: float | None
) -> UserItem:
    """One number for both, or ``{"user": u, "item": i}``, or ``(u, i)``.

    ``missing`` is the value of a key a mapping leaves out (None: both required).
    """
    if isinstance(value, Mapping):
        unknown = sorted(str(k) for k in value if k not in ("user", "item"))
        if unknown:
            raise ValueError(
                f"{owner}: {name} takes the keys 'user' and 'item', got {', '.join(unknown)}"
            )
        if missing is None and len(value) != 2:
            raise ValueError(f"{owner}: {name} needs both 'user' and 'item', got {dict(value)!r}")
        user, item = value.get("user", missing), value.get("item", missing)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        if len(value) != 2:
            raise ValueError(
                f"{owner}: {name} must be one number or a (user, item) pair, got {value!r}"
            )
        user, item = value
    else:
        number = finite_number(owner, name, value, positive=positive)
        return UserItem(number, number)
    return UserItem(
        finite_number(owner, f"{name} (user)", user, positive=positive),
        finite_number(owner, f"{name} (item)", item, positive=positive),
    )


def seed_value(owner: str, value: object) -> Seed | None:
    """A seed as given (an int or a tuple of ints, all >= 0), or None."""
    if value is None:
        return None
    parts = value if isinstance(value, Sequence) and not isinstance(value, str | bytes) else None
    items = list(parts) if parts is not None else [value]
    for v in items:
        if isinstance(v, bool) or not hasattr(v, "__index__") or int(v) < 0:  # type: ignore[call-overload]
            raise ValueError(
                f"{owner}: seed must be an integer >= 0 or a sequence of them, got {value!r}"
            )
    if parts is None:
        return int(value)  # type: ignore[call-overload]
    if not items:
        raise ValueError(f"{owner}: seed must not be an empty sequence")
    return tuple(int(v) for v in items)  # type: ignore[call-overload]


def user_embeddings_mode(owner: str, value: object) -> UserEmbeddings:
    """Whether to keep user embeddings: True, False or ``"prefer"``."""
    return one_of(owner, "user_embeddings", value, USER_EMBEDDINGS)


def solver_name(owner: str, value: object) -> Solver:
    """``"cholesky"`` or ``"cg"``."""
    return one_of(owner, "solver", value, SOLVERS)


def flag(owner: str, name: str, value: object) -> bool:
    """``value`` if it is True or False."""
    return one_of(owner, name, value, (True, False))
