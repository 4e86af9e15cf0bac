"""`configure` and `reconfigure`: read a project's files and put the settings in force."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike
from pathlib import Path
from typing import TypeVar, overload

from lenskit.config._global import CONTEXT, install
from lenskit.config._load import reading_files
from lenskit.config._settings import LenskitSettings
from lenskit.parallel import init_threading

S = TypeVar("S", bound=LenskitSettings)
Folder = Path | str | PathLike[str]


@overload
def configure(cfg_dir: Folder | None = None) -> LenskitSettings: ...
@overload
def configure(cfg_dir: Folder | None = None, *, settings_cls: type[S]) -> S: ...
@overload
def configure(settings: LenskitSettings, /) -> LenskitSettings: ...
def configure(
    cfg_dir: Folder | LenskitSettings | None = None,
    *,
    settings_cls: type[LenskitSettings] = LenskitSettings,
    _set_global: bool = True,
) -> LenskitSettings:
    """Load settings and put them in force for the whole process.

    Reads ``lenskit.toml`` and ``lenskit.local.toml`` from *cfg_dir* (default:
    the current folder) on top of defaults, below ``LK_*`` variables and
    arguments, or takes a settings object as given.  Then sizes the thread
    pools from its ``[parallel]`` table (`lenskit.parallel.init_threading`:
    pools already sized keep their size, with a warning if it differs).  The
    ``[random]`` seed stays in the settings for components that draw random
    numbers.  This is the only call that reads files.
    """
    if isinstance(cfg_dir, LenskitSettings):
        settings = cfg_dir
    else:
        with reading_files(Path(cfg_dir or ".").absolute()):
            settings = settings_cls()
    settings.finish_setup()
    if _set_global:
        install(settings)
        init_threading(settings.parallel)
    return settings


@contextmanager
def reconfigure(
    cfg_dir: Folder | LenskitSettings | None = None,
    *,
    settings_cls: type[LenskitSettings] = LenskitSettings,
) -> Iterator[LenskitSettings]:
    """Put settings in force for the ``with`` block (this context only); nothing global is
    applied: thread pools keep their sizes.  Mostly for tests."""
    settings = configure(cfg_dir, settings_cls=settings_cls, _set_global=False)  # type: ignore[call-overload]
    token = CONTEXT.set(settings)
    try:
        yield settings
    finally:
        CONTEXT.reset(token)
