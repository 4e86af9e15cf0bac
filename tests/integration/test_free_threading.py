"""Free-threaded builds: importing LensKit must not switch the GIL back on.

An extension module that does not declare free-threading support makes
CPython re-enable the GIL at import, silently serialising every thread runner.
These tests only mean something on a free-threaded interpreter; CI runs the
suite on CPython 3.13t as well as on the default build.
"""

import subprocess
import sys
import sysconfig

import pytest

from lenskit.parallel import is_free_threaded

FREE_THREADED_BUILD = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
requires_free_threaded = pytest.mark.skipif(
    not FREE_THREADED_BUILD, reason="needs a free-threaded (3.13t/3.14t) interpreter"
)

LENSKIT_MODULES = (
    "lenskit.config",
    "lenskit.parallel",
    "lenskit.data",
    "lenskit._accel",
    "lenskit.knn",
    "lenskit.batch",
    "lenskit.cli",
)


@requires_free_threaded
def test_importing_every_lenskit_module_keeps_the_gil_disabled() -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {LENSKIT_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "    assert not sys._is_gil_enabled(), f'GIL re-enabled by importing {name}'\n"
        "print('gil disabled')\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "gil disabled"


@requires_free_threaded
def test_is_free_threaded_reports_an_active_free_threaded_build() -> None:
    assert is_free_threaded()
    assert is_free_threaded(require_active=True)


def test_is_free_threaded_matches_the_interpreter_build() -> None:
    assert is_free_threaded() == FREE_THREADED_BUILD
    gil_active = getattr(sys, "_is_gil_enabled", lambda: True)()
    assert is_free_threaded(require_active=True) == (FREE_THREADED_BUILD and not gil_active)
