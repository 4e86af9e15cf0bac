"""A temporary file that becomes the output in one step, or disappears.

Results are written next to their target under a name of their own,
``.NAME.PID-RANDOM.partial``, and renamed over the target only once
complete: a reader sees the old file or the new one, never a mixture, and
runs writing the same target at once each finish a whole file (the last
rename wins).

While it writes, a run holds an exclusive lock (``flock``) on its temporary
file.  The kernel drops the lock when the process ends, however it ends
(SIGKILL, a Ray driver torn down with its head node, a power cut), so the
next run to the same target can tell an abandoned temporary (nobody holds
its lock) from a live run's (locked) and removes only the former.  Where
the filesystem has no locks, nothing is removed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import sys
from pathlib import Path

if sys.platform != "win32":
    import fcntl

_log = logging.getLogger(__name__)

_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_ATTEMPTS = 16
"""Fresh names tried when a temporary was taken away between creating and locking it."""


def temporary_pattern(target: Path) -> re.Pattern[str]:
    """Names of temporary files for *target*; group 1 is the writer's process id."""
    return re.compile(rf"\.{re.escape(target.name)}\.(\d+)-[0-9a-f]{{8}}\.partial")


class PartialFile:
    """A locked temporary file beside *target*, for one writer.

    Create it with `create`; write to `path`; then `commit` (replace the
    target) or `discard` (remove the temporary, target untouched).
    """

    def __init__(self, target: Path, path: Path, fd: int) -> None:
        self.target = target
        self.path = path
        self._fd: int | None = fd

    @classmethod
    def create(cls, target: Path) -> PartialFile:
        """A new, empty, locked temporary for *target*, after removing abandoned ones.

        Raises:
            OSError: the folder does not allow creating files (read-only,
                no permission, no space for a new entry, ...).
        """
        remove_abandoned(target)
        for _ in range(_ATTEMPTS):
            path = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o666)
            except FileExistsError:
                continue
            try:
                # Without a lock (a filesystem without them) the temporary is simply never
                # judged abandoned.  With one, another run cleaning up may have removed the
                # file between our creating and locking it; then we retry under a new name.
                _lock(fd, wait=True)
                if _is_file(path, fd):
                    return cls(target, path, fd)
            except BaseException:
                path.unlink(missing_ok=True)
                os.close(fd)
                raise
            os.close(fd)
        raise FileExistsError(f"{target}: could not create a temporary file beside it")

    def commit(self) -> None:
        """Make the written temporary the target: flushed to disk, then one rename."""
        fd = self._require_open()
        try:
            os.fsync(fd)
            self.path.replace(self.target)
        except BaseException:
            self.discard()
            raise
        self._fd = None
        os.close(fd)
        _sync_folder(self.target.parent)

    def discard(self) -> None:
        """Remove the temporary; the target is left as it was.  Safe to call twice."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(fd)

    def _require_open(self) -> int:
        if self._fd is None:
            raise RuntimeError(f"{self.path} was already committed or discarded")
        return self._fd


def remove_abandoned(target: Path) -> list[Path]:
    """Remove temporaries for *target* whose writers are gone; the paths removed.

    A temporary is abandoned when its lock can be taken: its writer process
    has ended.  This process's own temporaries are never touched.
    """
    pattern = temporary_pattern(target)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None or int(match[1]) == os.getpid():
            continue
        path = Path(entry.path)
        if _remove_if_abandoned(path):
            _log.info("removed %s, left by a run that ended before finishing", path)
            removed.append(path)
    return removed


def _remove_if_abandoned(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | _CLOEXEC | _NOFOLLOW)
    except OSError:
        return False
    try:
        if not (_lock(fd, wait=False) and _is_file(path, fd)):
            return False
        path.unlink()
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _lock(fd: int, *, wait: bool) -> bool:
    """Lock *fd* exclusively; False if another process holds it or locks are unsupported."""
    if sys.platform == "win32":
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _is_file(path: Path, fd: int) -> bool:
    """Whether *path* still names the file open as *fd* (not removed or replaced)."""
    try:
        named = path.lstat()
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)


def _sync_folder(folder: Path) -> None:
    """Flush the folder entry of a rename to disk, where the platform allows it."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | _CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
