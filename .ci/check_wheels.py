"""Prove every workspace package installs alone with only what it declares.

For each package: build its wheel with ``uv build --package NAME``, install
that one wheel into a fresh virtual environment (sibling lenskit wheels are
found in the same folder, third-party ones on the index), import its modules,
and check that modules it must not pull in are absent. A package that forgets
a dependency fails the import; one that grows a heavy dependency fails the
"must not pull" check; one that ships ``lenskit/__init__.py`` breaks the
namespace and fails the wheel check.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PackageCheck:
    """What one distribution must provide and must not drag in."""

    name: str
    imports: tuple[str, ...]
    forbidden: tuple[str, ...] = field(default=())
    command: tuple[str, ...] = field(default=())


CHECKS = (
    PackageCheck(
        "lenskit-config",
        ("lenskit.config", "lenskit.parallel"),
        forbidden=("numpy", "ray", "torch", "click", "pandas", "pyarrow"),
    ),
    PackageCheck("lenskit-data", ("lenskit.data",), forbidden=("ray", "torch", "click")),
    PackageCheck(
        "lenskit-rs", ("lenskit.knn", "lenskit._accel"), forbidden=("ray", "torch", "click")
    ),
    PackageCheck("lenskit-batch", ("lenskit.batch",), forbidden=("ray", "torch", "click")),
    PackageCheck(
        "lenskit-cli",
        ("lenskit.cli",),
        forbidden=("numpy", "ray", "torch"),
        command=("lenskit", "doctor", "--json"),
    ),
)


def run(*args: str | Path, cwd: Path = ROOT) -> str:
    """Run a command, echoing it; fail loudly with its output."""
    print("+", " ".join(str(a) for a in args), flush=True)
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"command failed with exit code {done.returncode}")
    return done.stdout


def build_wheels(dist: Path) -> None:
    for check in CHECKS:
        run("uv", "build", "--quiet", "--wheel", "--package", check.name, "-o", dist)


def wheel_for(dist: Path, name: str) -> Path:
    stem = name.replace("-", "_")
    wheels = sorted(dist.glob(f"{stem}-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel for {name} in {dist}, found {wheels}")
    return wheels[0]


def check_namespace(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        if "lenskit/__init__.py" in archive.namelist():
            raise SystemExit(
                f"{wheel.name} ships lenskit/__init__.py: lenskit must stay a namespace"
            )


def check_alone(check: PackageCheck, dist: Path, work: Path) -> None:
    venv = work / f"venv-{check.name}"
    run("uv", "venv", "--quiet", "-p", sys.executable, venv)
    python = venv / "bin" / "python"
    wheel = wheel_for(dist, check.name)
    check_namespace(wheel)
    run("uv", "pip", "install", "--quiet", "--python", python, "--find-links", dist, wheel)
    probe = (
        "import importlib, sys\n"
        f"for name in {check.imports!r}:\n"
        "    importlib.import_module(name)\n"
        "import importlib.util\n"
        f"present = [m for m in {check.forbidden!r} if importlib.util.find_spec(m) is not None]\n"
        "if present:\n"
        "    sys.exit(f'installed but not allowed: {present}')\n"
    )
    run(python, "-c", probe)
    if check.command:
        run(venv / "bin" / check.command[0], *check.command[1:])
    print(f"ok: {check.name} installs alone and imports {', '.join(check.imports)}", flush=True)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lenskit-pkg-check-") as tmp:
        work = Path(tmp)
        dist = work / "dist"
        build_wheels(dist)
        for check in CHECKS:
            check_alone(check, dist, work)


if __name__ == "__main__":
    main()
