"""Find the project folder whose ``lenskit.toml`` applies, the way git finds its repository."""

from __future__ import annotations

from pathlib import Path

CONFIG_FILE = "lenskit.toml"
LOCAL_CONFIG_FILE = "lenskit.local.toml"
# A folder holding one of these is a project root: the search never leaves a project.
PROJECT_MARKERS = (".git", "pyproject.toml")


def configuration_search_path(cwd: Path | str | None = None) -> list[Path]:
    """The folders examined for ``lenskit.toml``, nearest first, ending where the search stops."""
    start = Path.cwd() if cwd is None else Path(cwd)
    folders: list[Path] = []
    for folder in [start.absolute(), *start.absolute().parents]:
        folders.append(folder)
        if (folder / CONFIG_FILE).is_file():
            break
        if any((folder / marker).exists() for marker in PROJECT_MARKERS):
            break
    return folders


def locate_configuration_root(cwd: Path | str | None = None) -> Path | None:
    """The first folder from *cwd* upwards that holds ``lenskit.toml``.

    The walk stops, finding nothing, at a folder that holds ``.git`` or
    ``pyproject.toml`` but no ``lenskit.toml``: settings from an enclosing
    project must not leak into this one.
    """
    last = configuration_search_path(cwd)[-1]
    return last if (last / CONFIG_FILE).is_file() else None
