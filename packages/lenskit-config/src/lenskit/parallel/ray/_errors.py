"""The two ways using Ray can fail before any task runs, or while tasks run."""

from __future__ import annotations


class RayUnavailableError(ImportError):
    """Ray was asked for but is not installed (it is an optional extra).

    Args:
        what: what needed Ray, for the message.
        extra: the distribution and extra that pulls Ray in.
    """

    def __init__(self, what: str = "using Ray", extra: str = "lenskit-config[ray]") -> None:
        super().__init__(
            f"{what} needs the 'ray' package, which is not installed; "
            f"install it with: pip install '{extra}'"
        )


class RayClusterError(ConnectionError):
    """A Ray cluster could not be started or reached, refused us, or was lost mid-run.

    The message is one line naming the address and the cause, fit to show a
    user as it is.
    """
