"""Where a Ray cluster is: parsing its address, and what we can check before Ray tries.

Ray's own connection attempts retry without end when nothing answers, so
we look first: a TCP connection to the head's port tells in moments whether
anything listens there at all.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass
from pathlib import Path

from lenskit.parallel.ray._errors import RayClusterError

LOCAL_HOST = "127.0.0.1"
"""The only address a cluster we start listens on."""

REFUSED = "connection refused"

REACH_TIMEOUT = 5.0
"""Seconds a head node's port may take to accept a TCP connection."""


@dataclass(frozen=True)
class ClusterAddress:
    """A head node's GCS address, ``host:port`` as the user gave it."""

    text: str
    host: str
    port: int

    @property
    def loopback(self) -> bool:
        """Whether the head is on this machine's loopback interface."""
        return is_loopback(self.host)


def parse_address(text: str) -> ClusterAddress | None:
    """The ``host:port`` in *text*, or None for Ray's other forms.

    Ray also takes ``"auto"`` (the cluster last started on this machine) and
    ``ray://host:port`` (Ray Client); those are passed to Ray unchecked.

    Raises:
        RayClusterError: *text* is none of these.
    """
    if text == "auto" or "://" in text:
        return None
    host, sep, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise RayClusterError(
            f"Ray address {text!r} is not HOST:PORT (such as 127.0.0.1:6379), "
            "'auto' or a ray:// client address"
        )
    return ClusterAddress(text, host, int(port))


def is_loopback(host: str) -> bool:
    """Whether *host* names this machine's loopback interface."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_reachable(address: ClusterAddress, timeout: float = REACH_TIMEOUT) -> None:
    """Fail at once, saying why, if nothing accepts connections at *address*.

    Raises:
        RayClusterError: the port refused, the host does not resolve, or no
            answer came within *timeout* seconds.
    """
    cause = unreachable_cause(address, timeout)
    if cause is None:
        return
    if cause == REFUSED:
        cause = f"nothing is listening there ({REFUSED}); is its head node running?"
    raise RayClusterError(f"cannot reach the Ray cluster at {address.text}: {cause}")


def unreachable_cause(address: ClusterAddress, timeout: float = REACH_TIMEOUT) -> str | None:
    """Why nothing accepts a TCP connection at *address*, or None if something does."""
    try:
        socket.create_connection((address.host, address.port), timeout=timeout).close()
    except ConnectionRefusedError:
        return REFUSED
    except socket.gaierror as err:
        return f"the host name does not resolve ({err.strerror})"
    except TimeoutError:
        return f"no answer within {timeout:.0f} s"
    except OSError as err:
        return err.strerror or type(err).__name__
    return None


def auth_token_available() -> bool:
    """Whether Ray would find an authentication token for this process.

    Ray looks in ``RAY_AUTH_TOKEN``, then the file named by
    ``RAY_AUTH_TOKEN_PATH``, then ``~/.ray/auth_token``.
    """
    if os.environ.get("RAY_AUTH_TOKEN"):
        return True
    named = os.environ.get("RAY_AUTH_TOKEN_PATH")
    path = Path(named) if named else Path.home() / ".ray" / "auth_token"
    try:
        return bool(path.read_text().strip())
    except (OSError, UnicodeDecodeError):
        return False
