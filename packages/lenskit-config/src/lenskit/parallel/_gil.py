"""Which extension module turned the GIL of a free-threaded Python back on."""

from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys

from lenskit.config._machine import is_free_threaded

_FIRST_TO_ENABLE_GIL = """
import importlib, json, sys
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except Exception:
        continue
    if sys._is_gil_enabled():
        print(name)
        break
"""


def loaded_extension_modules() -> list[str]:
    """Names of the compiled extension modules loaded so far, in import order."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    return [
        name
        for name, module in list(sys.modules.items())
        if str(getattr(module, "__file__", None) or "").endswith(suffixes)
    ]


def find_gil_enabling_module(modules: list[str] | None = None) -> str | None:
    """The first of *modules* whose import turns the GIL back on, or None.

    CPython only says which module re-enabled the GIL in a warning at import
    time; afterwards nothing records it. So this replays the imports (by
    default, every extension module loaded in this process) in a fresh
    interpreter with ``PYTHON_GIL`` unset and watches the GIL after each.
    It starts a process, so call it only once the GIL is known to be back on.
    """
    if not is_free_threaded():
        return None
    env = {key: value for key, value in os.environ.items() if key != "PYTHON_GIL"}
    names = loaded_extension_modules() if modules is None else modules
    try:
        done = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", _FIRST_TO_ENABLE_GIL, json.dumps(names)],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found = done.stdout.strip()
    return found or None
