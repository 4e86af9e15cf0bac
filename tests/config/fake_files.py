"""Fake /proc and /sys trees for the CPU and memory limit readers, written as real files."""

from pathlib import Path


def tree(root: Path, files: dict[str, str]) -> Path:
    """Write a fake filesystem: paths relative to *root* mapped to their contents."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root
