"""Noticing users the model has never seen, and saying so once.

A batch over real traffic usually includes some new users.  They are not an
error: they get no results, are counted, and one warning at the end of the
run names how many and a few examples, instead of a crash mid-run or a
warning per user.
"""

from __future__ import annotations

import warnings

import numpy as np

from lenskit.batch.errors import UnknownUsersWarning
from lenskit.batch.protocol import known_users

EXAMPLES = 5
"""How many unknown ids the warning quotes."""


class UnknownUsers:
    """Splits chunks into known and unknown users and keeps count of the unknown."""

    def __init__(self, model: object) -> None:
        self._vocabulary = known_users(model)
        self.count = 0
        self.examples: list[object] = []

    def known(self, users: np.ndarray) -> np.ndarray:
        """The users of *users* the model knows, in order; records the rest."""
        vocab = self._vocabulary
        if vocab is None or len(users) == 0:
            return users
        if hasattr(vocab, "indices"):
            mask = np.asarray(vocab.indices(users, missing="negative")) >= 0
        else:
            mask = np.array([_plain(u) in vocab for u in users], dtype=bool)
        if mask.all():
            return users
        missing = users[~mask]
        self.count += len(missing)
        room = EXAMPLES - len(self.examples)
        self.examples.extend(_plain(u) for u in missing[:room])
        return users[mask]

    def warn(self, total: int, stacklevel: int = 2) -> None:
        """Issue the run's one warning, if any user was unknown."""
        if not self.count:
            return
        shown = ", ".join(repr(u) for u in self.examples)
        more = ", ..." if self.count > len(self.examples) else ""
        warnings.warn(
            f"{self.count} of {total} users are not in the model's training data and got "
            f"no results (e.g. {shown}{more})",
            UnknownUsersWarning,
            stacklevel=stacklevel + 1,
        )


def _plain(user: object) -> object:
    return user.item() if isinstance(user, np.generic) else user
