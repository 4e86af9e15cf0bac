"""Errors and warnings raised by batch runs.

Kept in one small module so that every runner (and a Ray worker, which
re-raises in the driver) reports failures with the same types, and callers
can catch them in one place.
"""

from __future__ import annotations

from lenskit.parallel.ray import _errors as lkray


class BatchError(RuntimeError):
    """A batch run stopped before it finished; no complete result exists."""


class UserScoringError(BatchError):
    """Scoring one user raised; the run stopped.

    Attributes:
        user: the user whose scoring failed.
    """

    user: object

    def __init__(self, user: object, cause: BaseException) -> None:
        self.user = user
        super().__init__(f"scoring user {user!r} failed: {type(cause).__name__}: {cause}")

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Ray hands errors back to the driver by pickling them, and the default recipe
        # would call __init__ with the message alone.  The cause is not shipped (it may
        # not pickle); its type and text are already in the message.
        return (_rebuild_user_error, (self.user, self.args[0]))


class RayUnavailableError(lkray.RayUnavailableError):
    """Ray was asked for but is not installed (it is an optional extra of lenskit-batch)."""

    def __init__(self) -> None:
        super().__init__("running batch jobs on Ray", extra="lenskit-batch[ray]")


class OutputError(OSError):
    """Results cannot be written to the output file; the target is left as it was.

    The message names the file and the cause in one line; ``errno`` is the
    operating system's error number when there is one (e.g. ``ENOSPC``).
    """

    def __init__(self, message: str, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno


class UnknownUsersWarning(UserWarning):
    """Some requested users are not in the model's training data; they got no results."""


def _rebuild_user_error(user: object, message: str) -> UserScoringError:
    err = UserScoringError.__new__(UserScoringError)
    err.user = user
    BatchError.__init__(err, message)
    return err
