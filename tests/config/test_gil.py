"""Free-threading detection tells a free-threaded build from one whose GIL is really off."""

from __future__ import annotations

import json
import subprocess
import sysconfig
from collections.abc import Callable

import pytest

from lenskit.parallel import is_free_threaded

RunPython = Callable[..., subprocess.CompletedProcess[str]]
FREE_THREADED_BUILD = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def test_an_active_free_threaded_interpreter_is_a_free_threaded_build() -> None:
    assert not is_free_threaded(require_active=True) or is_free_threaded()


@pytest.mark.skipif(FREE_THREADED_BUILD, reason="needs a GIL build")
def test_a_gil_build_is_never_free_threaded() -> None:
    assert (is_free_threaded(), is_free_threaded(require_active=True)) == (False, False)


@pytest.mark.skipif(not FREE_THREADED_BUILD, reason="needs a free-threaded build")
def test_a_free_threaded_build_with_the_gil_forced_on_is_not_active(
    run_python: RunPython,
) -> None:
    result = run_python(
        """
        import json
        from lenskit.parallel import is_free_threaded
        print(json.dumps([is_free_threaded(), is_free_threaded(require_active=True)]))
        """,
        PYTHON_GIL="1",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [True, False]
