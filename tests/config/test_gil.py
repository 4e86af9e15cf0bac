"""Free-threading detection tells a free-threaded build from one whose GIL is really off."""

from __future__ import annotations

import json
import subprocess
import sysconfig
from collections.abc import Callable
from pathlib import Path

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


NEEDS_THE_GIL_C = """
#include <Python.h>
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "needs_the_gil", NULL, -1, NULL};
PyMODINIT_FUNC PyInit_needs_the_gil(void) { return PyModule_Create(&module); }
"""


def build_extension_without_free_threading_support(folder: Path) -> None:
    """Compile a real extension module that does not declare free-threading support."""
    source = folder / "needs_the_gil.c"
    source.write_text(NEEDS_THE_GIL_C)
    target = folder / f"needs_the_gil{sysconfig.get_config_var('EXT_SUFFIX')}"
    subprocess.run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            f"-I{sysconfig.get_paths()['include']}",
            str(source),
            "-o",
            str(target),
        ],
        check=True,
        capture_output=True,
    )


@pytest.mark.skipif(not FREE_THREADED_BUILD, reason="needs a free-threaded build")
def test_the_warning_names_the_extension_that_turned_the_gil_back_on(
    run_python: RunPython, tmp_path: Path
) -> None:
    build_extension_without_free_threading_support(tmp_path)
    result = run_python(
        """
        import warnings
        warnings.simplefilter("ignore")
        import needs_the_gil
        from lenskit.parallel import parallel_warnings
        print("\\n".join(parallel_warnings()))
        """,
        pythonpath=[tmp_path],
    )
    assert result.returncode == 0, result.stderr
    assert "importing needs_the_gil turned it back on" in result.stdout
