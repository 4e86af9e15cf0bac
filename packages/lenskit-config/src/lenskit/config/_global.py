"""The process-wide settings: loaded once on first use, replaced by `configure`."""

from __future__ import annotations

import threading
from pathlib import Path

from lenskit.config._lenskit import LenskitSettings
from lenskit.config._sources import LOCATE, config_directory


class _Current:
    """Holder of the installed settings (a mutable slot instead of a rebound global)."""

    settings: LenskitSettings | None = None


_lock = threading.Lock()
_current = _Current()


def load_settings(cfg_dir: Path | str | None = None) -> LenskitSettings:
    """Read settings from *cfg_dir* (or the folder found from the working directory)
    without installing them."""
    folder = LOCATE if cfg_dir is None else Path(cfg_dir)
    with config_directory(folder):
        return LenskitSettings()


def configure(cfg_dir: Path | str | None = None) -> LenskitSettings:
    """Load settings and make them the process-wide settings.

    *cfg_dir* is the folder holding ``lenskit.toml`` (and optionally
    ``lenskit.local.toml``); by default it is found with
    `locate_configuration_root`.  Parallelism already initialised keeps its
    sizes (`lenskit.parallel.ensure_parallel_init` warns if they now differ).
    """
    settings = load_settings(cfg_dir)
    with _lock:
        _current.settings = settings
    return settings


def lenskit_config() -> LenskitSettings:
    """The process-wide settings, loaded on first use."""
    settings = _current.settings
    if settings is None:
        with _lock:
            if _current.settings is None:
                _current.settings = load_settings()
            settings = _current.settings
    return settings


def loaded_config() -> LenskitSettings | None:
    """The process-wide settings if already loaded, without loading them."""
    return _current.settings
