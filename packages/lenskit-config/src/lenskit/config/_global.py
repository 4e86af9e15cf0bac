"""The settings in force in this process: installed by `configure`, else defaults on first use.

`reconfigure` overrides them within a context (a ``with`` block, a thread or
an asyncio task) without touching the process-wide ones.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lenskit.config._settings import LenskitSettings


class _Installed:
    """Holder of the process-wide settings (a mutable slot instead of a rebound global)."""

    settings: LenskitSettings | None = None


_lock = threading.Lock()
_installed = _Installed()
CONTEXT: ContextVar[LenskitSettings | None] = ContextVar("lenskit_settings", default=None)


def lenskit_config() -> LenskitSettings:
    """The settings in force: from `reconfigure`, `configure`, or else arguments-free defaults
    and ``LK_*`` variables (no file is read unless `configure` was called)."""
    settings = CONTEXT.get() or _installed.settings
    if settings is None:
        from lenskit.config._settings import LenskitSettings

        with _lock:
            if _installed.settings is None:
                defaults = LenskitSettings()
                defaults.finish_setup()
                _installed.settings = defaults
            settings = _installed.settings
    return settings


def install(settings: LenskitSettings | None) -> None:
    """Make *settings* the process-wide settings (None: load defaults again on next use)."""
    with _lock:
        _installed.settings = settings
