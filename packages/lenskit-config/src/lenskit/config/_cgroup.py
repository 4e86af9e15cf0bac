"""Read the CPU quota of this process's cgroup (v2 ``cpu.max`` or v1 CFS quota).

Container runtimes limit CPUs with quotas that ``os.cpu_count()`` ignores.
Every path is read under a *root* folder so tests can point this at a fake
``/proc`` + ``/sys/fs/cgroup`` tree.  Files that are missing mean "no limit";
files that cannot be read or parsed are skipped with a note, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

CgroupVersion = Literal[1, 2]
_OCTAL = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True)
class CgroupQuota:
    """The tightest CPU quota found: ``cpus`` may be fractional (1.5 CPUs)."""

    version: CgroupVersion
    cpus: float
    file: Path


@dataclass(frozen=True)
class _Mount:
    root: str
    point: str
    fstype: str
    options: frozenset[str]


def read_cgroup_quota(root: Path) -> tuple[CgroupQuota | None, list[str]]:
    """The tightest quota over this cgroup and its ancestors, and notes on unreadable files."""
    notes: list[str] = []
    quotas = [
        quota
        for version, folder in controller_folders(root, "cpu", notes)
        if (quota := (_v2_quota if version == 2 else _v1_quota)(folder, notes)) is not None
    ]
    return min(quotas, key=lambda q: q.cpus, default=None), notes


def controller_folders(
    root: Path, controller: str, notes: list[str]
) -> Iterator[tuple[CgroupVersion, Path]]:
    """The folders that may hold this process's limits for *controller* (``"cpu"``,
    ``"memory"``): each cgroup's own folder, then its ancestors, with the cgroup version."""
    memberships = _read_memberships(root / "proc/self/cgroup", notes)
    if not memberships:
        return
    mounts = _read_mounts(root / "proc/self/mountinfo", notes)
    for controllers, path in memberships:
        version: CgroupVersion
        if controllers == "" and (mount := _v2_mount(root, mounts)) is not None:
            version = 2
        elif (
            controller in controllers.split(",")
            and (mount := _v1_mount(root, mounts, controller)) is not None
        ):
            version = 1
        else:
            continue
        for folder in _lineage(root, mount, path):
            yield version, folder


def _read_text(path: Path, notes: list[str]) -> str | None:
    try:
        return path.read_text()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        notes.append(f"{path}: unreadable ({reason})")
        return None


def _read_memberships(path: Path, notes: list[str]) -> list[tuple[str, str]]:
    text = _read_text(path, notes)
    found: list[tuple[str, str]] = []
    for line in (text or "").splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            found.append((parts[1], parts[2]))
    return found


def _unescape(field: str) -> str:
    # mountinfo writes spaces and a few other bytes as octal escapes (\040).
    return _OCTAL.sub(lambda m: chr(int(m[1], 8)), field)


def _read_mounts(path: Path, notes: list[str]) -> list[_Mount] | None:
    text = _read_text(path, notes)
    if text is None:
        return None
    mounts: list[_Mount] = []
    for line in text.splitlines():
        before, sep, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if sep and len(fields) >= 5 and len(tail) >= 3:
            options = frozenset(tail[2].split(","))
            mounts.append(_Mount(_unescape(fields[3]), _unescape(fields[4]), tail[0], options))
    return mounts


def _v2_mount(root: Path, mounts: list[_Mount] | None) -> _Mount | None:
    if mounts is None:
        default = _Mount("/", "/sys/fs/cgroup", "cgroup2", frozenset())
        found = (root / "sys/fs/cgroup/cgroup.controllers").exists()
        return default if found else None
    return next((m for m in mounts if m.fstype == "cgroup2"), None)


_V1_FOLDERS = {"cpu": ("cpu", "cpu,cpuacct", "cpuacct,cpu"), "memory": ("memory",)}
"""Where a v1 controller is usually mounted, for when mountinfo cannot be read."""


def _v1_mount(root: Path, mounts: list[_Mount] | None, controller: str = "cpu") -> _Mount | None:
    if mounts is None:
        for name in _V1_FOLDERS[controller]:
            if (root / "sys/fs/cgroup" / name).is_dir():
                return _Mount("/", f"/sys/fs/cgroup/{name}", "cgroup", frozenset({controller}))
        return None
    return next((m for m in mounts if m.fstype == "cgroup" and controller in m.options), None)


def _lineage(root: Path, mount: _Mount, cgroup_path: str) -> Iterator[Path]:
    """This cgroup's folder and each ancestor up to the mount point, nearest first."""
    base = root / mount.point.lstrip("/")
    relative = cgroup_path
    if mount.root != "/" and (relative == mount.root or relative.startswith(mount.root + "/")):
        relative = relative[len(mount.root) :]
    folder = base / relative.lstrip("/")
    if not folder.is_dir():
        # In a container the recorded path can name the host's view; the mount is ours.
        folder = base
    while True:
        yield folder
        if folder in (base, folder.parent):
            return
        folder = folder.parent


def _v2_quota(folder: Path, notes: list[str]) -> CgroupQuota | None:
    path = folder / "cpu.max"
    text = _read_text(path, notes)
    parts = text.split() if text is not None else ["max"]
    if parts and parts[0] == "max":
        return None
    try:
        quota, period = int(parts[0]), int(parts[1]) if len(parts) > 1 else 100_000
    except (ValueError, IndexError):
        notes.append(f"{path}: unexpected contents {text.strip() if text else ''!r}")
        return None
    return CgroupQuota(2, quota / period, path) if quota > 0 and period > 0 else None


def _v1_quota(folder: Path, notes: list[str]) -> CgroupQuota | None:
    quota_path = folder / "cpu.cfs_quota_us"
    quota_text = _read_text(quota_path, notes)
    if quota_text is None:
        return None
    period_text = _read_text(folder / "cpu.cfs_period_us", notes)
    try:
        quota = int(quota_text.strip())
        period = int(period_text.strip()) if period_text is not None else 100_000
    except ValueError:
        notes.append(f"{quota_path}: unexpected contents {quota_text.strip()!r}")
        return None
    return CgroupQuota(1, quota / period, quota_path) if quota > 0 and period > 0 else None
