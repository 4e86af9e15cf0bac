"""Find the project folder whose ``lenskit.toml`` applies, the way git finds its repository."""

from __future__ import annotations

from os import PathLike
from pathlib import Path

CONFIG_FILE = "lenskit.toml"
LOCAL_CONFIG_FILE = "lenskit.local.toml"


def configuration_search_path(
    cwd: Path | str | PathLike[str] | None = None,
    *,
    abort_at_pyproject: bool = True,
    abort_at_gitroot: bool = True,
) -> list[Path]:
    """The folders examined for ``lenskit.toml``, nearest first, ending where the search stops."""
    markers = [
        m for m, on in ((".git", abort_at_gitroot), ("pyproject.toml", abort_at_pyproject)) if on
    ]
    start = Path.cwd() if cwd is None else Path(cwd).absolute()
    folders: list[Path] = []
    for folder in [start, *start.parents]:
        folders.append(folder)
        if (folder / CONFIG_FILE).exists() or any((folder / m).exists() for m in markers):
            break
    return folders


def locate_configuration_root(
    *,
    cwd: Path | str | PathLike[str] | None = None,
    abort_at_pyproject: bool = True,
    abort_at_gitroot: bool = True,
) -> Path | None:
    """The first folder from *cwd* (default: the working directory) upwards that holds
    ``lenskit.toml``.

    The walk stops, finding nothing, at a folder that holds ``.git`` or
    ``pyproject.toml`` but no ``lenskit.toml``: settings from an enclosing
    project must not leak into this one.
    """
    last = configuration_search_path(
        cwd, abort_at_pyproject=abort_at_pyproject, abort_at_gitroot=abort_at_gitroot
    )[-1]
    return last if (last / CONFIG_FILE).exists() else None
