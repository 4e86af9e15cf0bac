"""How much more memory this process may use, and what limits it.

Three things can stop an allocation: the address-space limit
(``RLIMIT_AS``, as ``ulimit -v`` or ``prlimit --as`` set it), the memory
limit of the process's cgroup (v2 ``memory.max`` or v1
``memory.limit_in_bytes``, over the cgroup and its ancestors), and the
memory the machine has available (``MemAvailable``).  Code about to
allocate a lot (a k-NN model that grows with the square of the item count)
asks `memory_headroom` first and refuses with the numbers instead of dying.
Linux paths are read under *root* so tests can use a fake tree; what cannot
be read is no limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lenskit.config._cgroup import controller_folders

V1_UNLIMITED = 1 << 62
"""Cgroup v1 reports "no limit" as a number near 2**63; anything from here up is none."""


@dataclass(frozen=True)
class MemoryHeadroom:
    """The tightest memory limit on this process and how much of it is left.

    Attributes:
        available: bytes the process may still allocate under this limit.
        limit: the limit itself, in bytes.
        source: what the limit is, for messages (e.g. ``"the address-space
            limit (RLIMIT_AS)"``).
    """

    available: int
    limit: int
    source: str


def memory_headroom(root: Path = Path("/")) -> MemoryHeadroom | None:
    """The limit that leaves this process the least memory, or None if none is known."""
    found = [
        _address_space(root),
        *_cgroup_limits(root),
        _machine(root),
    ]
    return min((h for h in found if h is not None), key=lambda h: h.available, default=None)


def _address_space(root: Path) -> MemoryHeadroom | None:
    try:
        import resource
    except ImportError:  # not on Windows
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    in_use = _status_kib(root / "proc/self/status", "VmSize")
    return MemoryHeadroom(
        available=max(0, soft - (in_use or 0)),
        limit=soft,
        source="the address-space limit (RLIMIT_AS)",
    )


def _cgroup_limits(root: Path) -> list[MemoryHeadroom]:
    found: list[MemoryHeadroom] = []
    for version, folder in controller_folders(root, "memory", []):
        limit_file, usage_file = (
            ("memory.max", "memory.current")
            if version == 2
            else ("memory.limit_in_bytes", "memory.usage_in_bytes")
        )
        limit = _number(folder / limit_file)
        if limit is None or limit >= V1_UNLIMITED:
            continue
        found.append(
            MemoryHeadroom(
                available=max(0, limit - (_number(folder / usage_file) or 0)),
                limit=limit,
                source=f"the cgroup memory limit ({_shown(folder / limit_file, root)})",
            )
        )
    return found


def _machine(root: Path) -> MemoryHeadroom | None:
    meminfo = root / "proc/meminfo"
    available = _status_kib(meminfo, "MemAvailable")
    total = _status_kib(meminfo, "MemTotal")
    if available is None or total is None:
        return None
    return MemoryHeadroom(
        available=available,
        limit=total,
        source="the memory available on this machine (MemAvailable)",
    )


def _status_kib(path: Path, key: str) -> int | None:
    """A ``Key:   123 kB`` line of a /proc file, in bytes."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError):
        return None
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name == key:
            parts = value.split()
            if parts and parts[0].isdigit():
                return int(parts[0]) * 1024
    return None


def _number(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _shown(path: Path, root: Path) -> str:
    """*path* as the process sees it (without a test's fake root)."""
    try:
        return "/" + str(path.relative_to(root))
    except ValueError:
        return str(path)
