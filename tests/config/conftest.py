"""Fixtures for lenskit-config tests: an isolated project folder, a clean environment, and
fresh Python processes for behaviour that is global to a process."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lenskit.config import _global

# Variables that change what settings resolve to; each test starts without them.
SETTING_VARS = (
    "PYTHON_CPU_COUNT",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "PYTHON_GIL",
)

RunPython = Callable[..., subprocess.CompletedProcess[str]]


def clean_environment() -> dict[str, str]:
    """This process's environment without any ``LK_*`` or thread-count variable."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("LK_") and name not in SETTING_VARS
    }


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project folder (bounded by ``.git``) as working directory, with a clean environment
    and no process-wide settings loaded yet."""
    root = tmp_path / "project"
    root.mkdir()
    (root / ".git").mkdir()
    monkeypatch.chdir(root)
    for name in list(os.environ):
        if name.startswith("LK_") or name in SETTING_VARS:
            monkeypatch.delenv(name)
    monkeypatch.setattr(_global._installed, "settings", None)
    yield root


@pytest.fixture(scope="session")
def bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where fresh interpreters cache compiled modules, so each one does not recompile
    numpy and pydantic (the cache lives outside the source tree)."""
    return tmp_path_factory.mktemp("pycache")


@pytest.fixture
def run_python(project: Path, bytecode_cache: Path) -> RunPython:
    """Run Python code in a fresh interpreter in the project folder.

    Keyword arguments become extra environment variables; ``pythonpath`` adds
    folders in front of ``sys.path``.
    """

    def run(
        code: str, *, pythonpath: list[Path] | None = None, **env: str
    ) -> subprocess.CompletedProcess[str]:
        environment = clean_environment() | {"PYTHONPYCACHEPREFIX": str(bytecode_cache)} | env
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
        if pythonpath:
            environment["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            cwd=project,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run


InstallBackend = Callable[[Path, str, str, str], Path]


@pytest.fixture
def install_backend() -> InstallBackend:
    """Install a backend plugin: ``install_backend(folder, name, module_code, "module:attr")``."""
    return write_backend_plugin


def write_backend_plugin(folder: Path, name: str, module_code: str, target: str) -> Path:
    """Install a real entry point under ``lenskit.parallel.backends`` into *folder*
    (a dist-info next to a module), to be put on ``PYTHONPATH``."""
    folder.mkdir(parents=True, exist_ok=True)
    module = target.partition(":")[0]
    (folder / f"{module}.py").write_text(textwrap.dedent(module_code))
    dist = folder / f"{module}_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[lenskit.parallel.backends]\n{name} = {target}\n")
    return folder
