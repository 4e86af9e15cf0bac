"""Real filesystems for the command's output-safety tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def tmpfs(where: Path, *, size: str, read_only: bool = False) -> Iterator[Path]:
    """A size-limited tmpfs mounted at *where* (created) for the block, then unmounted.

    Mounting needs root, which is how CI runs; as another user the test is
    skipped, since permission bits alone cannot make a folder unwritable for
    root and no ordinary user can fill a disk on purpose.
    """
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a real read-only or size-limited filesystem")
    where.mkdir()
    options = f"size={size}" + (",ro" if read_only else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=True)
