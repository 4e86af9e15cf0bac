"""Is this a free-threaded Python, and is the GIL really off?"""

from __future__ import annotations

import sys
import sysconfig


def is_free_threaded(require_active: bool = False) -> bool:
    """Whether this interpreter is a free-threaded build (3.13t and later).

    With *require_active*, also require the GIL to be disabled right now: a
    free-threaded build re-enables it when ``PYTHON_GIL=1`` is set or an
    extension module that needs it is imported.
    """
    if not sysconfig.get_config_var("Py_GIL_DISABLED"):
        return False
    if not require_active:
        return True
    gil_enabled = getattr(sys, "_is_gil_enabled", None)
    return gil_enabled is not None and not gil_enabled()
