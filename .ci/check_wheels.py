"""Prove the built wheels install and work on one Python without a Rust toolchain.

    python3 .ci/check_wheels.py --python PATH --wheels DIR

DIR is a folder made by .ci/wheels.sh. Every install below runs with no
cargo or rustc on PATH and refuses to build anything from source, and every
installed lenskit module is compared byte for byte with the wheel in DIR it
must come from, so nothing was compiled and nothing came from elsewhere;
third-party packages come from the package index.

1. As a user would: a fresh venv with its own pip, then
   ``pip install --find-links DIR lenskit-cli lenskit-batch lenskit-rs``;
   ``lenskit doctor``, ``lenskit recommend`` on the bundled data, and
   ``lenskit.knn`` and ``lenskit.als`` with ``lenskit.batch`` from Python.
2. Each distribution alone: a fresh venv with only that distribution and
   what it declares; its modules import, modules it must not pull in are
   absent, and no wheel ships ``lenskit/__init__.py`` (``lenskit`` is a
   namespace shared by all of them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

RUST_TOOLS = ("cargo", "rustc")
UV = shutil.which("uv") or "uv"  # found before PATH loses the Rust folders

SMOKE_SCRIPT = """
import pyarrow.parquet as pq
from lenskit.als import ImplicitMFScorer
from lenskit.batch import recommend
from lenskit.data import movielens_small
from lenskit.knn import ItemKNNScorer, UserKNNScorer

data = movielens_small()
written = pq.read_table("recommendations.parquet")
assert written.num_rows == data.n_users * 10, written.num_rows
users = data.users.ids[:40]
for scorer in (ItemKNNScorer(k=20), UserKNNScorer(k=20), ImplicitMFScorer(epochs=2, seed=1)):
    model = scorer.fit(data)
    results = recommend(model, users, n=5).to_pandas()
    assert len(results) == 40 * 5, len(results)
    assert results["user_id"].nunique() == 40
    assert results["score"].notna().all()
    print(f"ok: {type(scorer).__name__} + lenskit.batch.recommend: {len(results)} rows")
"""


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
        ("lenskit.config", "lenskit.parallel", "lenskit.parallel.ray"),
        forbidden=("numpy", "ray", "torch", "click", "pandas", "pyarrow"),
    ),
    PackageCheck("lenskit-data", ("lenskit.data",), forbidden=("ray", "torch", "click")),
    PackageCheck(
        "lenskit-rs",
        ("lenskit.knn", "lenskit.als", "lenskit._accel"),
        forbidden=("ray", "torch", "click"),
    ),
    PackageCheck("lenskit-batch", ("lenskit.batch",), forbidden=("ray", "torch", "click")),
    PackageCheck(
        "lenskit-cli",
        ("lenskit.cli",),
        forbidden=("numpy", "ray", "torch"),
        command=("lenskit", "doctor", "--json"),
    ),
    PackageCheck(
        "lenskit-parallel",
        (
            "lenskit.config",
            "lenskit.parallel",
            "lenskit.data",
            "lenskit.knn",
            "lenskit.als",
            "lenskit.batch",
        ),
        forbidden=("ray", "torch"),
        command=("lenskit", "doctor", "--packages"),
    ),
)
USER_INSTALL = ("lenskit-cli", "lenskit-batch", "lenskit-rs")


def without_rust() -> dict[str, str]:
    """This environment with every PATH folder holding cargo or rustc removed."""
    folders = os.environ.get("PATH", "").split(os.pathsep)
    kept = [f for f in folders if not any((Path(f) / tool).exists() for tool in RUST_TOOLS)]
    env = dict(os.environ, PATH=os.pathsep.join(kept), PIP_DISABLE_PIP_VERSION_CHECK="1")
    for tool in RUST_TOOLS:
        if shutil.which(tool, path=env["PATH"]) is not None:
            raise SystemExit(f"{tool} is still on PATH after removing Rust folders")
    return env


def run(*args: str | Path, env: dict[str, str], cwd: Path | None = None) -> str:
    """Run a command, echoing it; fail loudly with its output."""
    shown = ("<script>" if "\n" in str(a) else str(a) for a in args)
    print("+", " ".join(shown), flush=True)
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"command failed with exit code {done.returncode}")
    return done.stdout


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def wheels_of(wheels: Path, name: str) -> list[Path]:
    found = sorted(wheels.glob(f"{name.replace('-', '_')}-*.whl"))
    if not found:
        raise SystemExit(f"no wheel for {name} in {wheels}")
    return found


def version_in(wheels: Path, name: str) -> str:
    versions = {w.name.split("-")[1] for w in wheels_of(wheels, name)}
    if len(versions) != 1:
        raise SystemExit(f"{wheels} holds several versions of {name}: {sorted(versions)}")
    return versions.pop()


def check_namespace(wheels: Path) -> None:
    for wheel in sorted(wheels.glob("lenskit_*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            if "lenskit/__init__.py" in archive.namelist():
                raise SystemExit(
                    f"{wheel.name} ships lenskit/__init__.py: lenskit must stay a namespace"
                )


INSTALLED_FILES = """
import json, sys
from importlib import metadata
dist = metadata.distribution(sys.argv[1])
print(json.dumps({str(f): str(f.locate()) for f in dist.files or ()
                  if f.parts[0] == "lenskit" and f.suffix in (".py", ".so", ".pyi")}))
"""


def installed_from(python: Path, name: str, wheels: Path, env: dict[str, str]) -> Path:
    """The wheel in ``wheels`` whose lenskit files are byte-identical to the installed ones."""
    installed: dict[str, str] = json.loads(run(python, "-c", INSTALLED_FILES, name, env=env))
    if not installed:
        raise SystemExit(f"{name} installed no lenskit files")
    hashes = {member: sha256(Path(path).read_bytes()) for member, path in installed.items()}
    for wheel in wheels_of(wheels, name):
        with zipfile.ZipFile(wheel) as archive:
            members = set(archive.namelist())
            if all(
                m in members and sha256(archive.read(m)) == digest for m, digest in hashes.items()
            ):
                return wheel
    raise SystemExit(f"installed {name} matches no wheel in {wheels}: compiled, or taken elsewhere")


def check_user_install(python: Path, wheels: Path, work: Path, env: dict[str, str]) -> None:
    """A user's install with pip and the smoke test of the toolkit it gives."""
    venv = work / "venv-user"
    run(python, "-m", "venv", venv, env=env)
    venv_python = venv / "bin" / "python"
    run(
        venv_python, "-m", "pip", "install", "--quiet", "--only-binary", ":all:",
        "--find-links", wheels, *USER_INSTALL, env=env,
    )  # fmt: skip
    for name in ("lenskit-config", "lenskit-data", *USER_INSTALL):
        print(f"ok: {name} installed from {installed_from(venv_python, name, wheels, env).name}")
    doctor = run(venv / "bin" / "lenskit", "doctor", env=env)
    rs_version = version_in(wheels, "lenskit-rs")
    if not re.search(rf"^\s*lenskit-rs\s+{re.escape(rs_version)}\s*$", doctor, re.MULTILINE):
        raise SystemExit(f"lenskit doctor does not report lenskit-rs {rs_version}:\n{doctor}")
    print(run(venv / "bin" / "lenskit", "recommend", "--no-progress", env=env, cwd=work))
    print(run(venv_python, "-c", SMOKE_SCRIPT, env=env, cwd=work))


def check_alone(
    check: PackageCheck, python: Path, wheels: Path, work: Path, env: dict[str, str]
) -> None:
    """One distribution in a fresh venv, with only what it declares."""
    venv = work / f"venv-{check.name}"
    # uv runs outside the checkout, as a user's would: the workspace's uv settings
    # (bytecode compilation, among others) must not apply.
    run(UV, "venv", "--quiet", "-p", python, venv, env=env, cwd=work)
    venv_python = venv / "bin" / "python"
    requirement = f"{check.name}=={version_in(wheels, check.name)}"
    # A rebuilt wheel keeps its file name, and uv's cache would hand back the last
    # build it saw under that name: refresh ours.
    refresh = [arg for c in CHECKS for arg in ("--refresh-package", c.name)]
    run(
        UV, "pip", "install", "--quiet", "--python", venv_python, "--no-build",
        *refresh, "--find-links", wheels, requirement, env=env, cwd=work,
    )  # fmt: skip
    if check.name != "lenskit-parallel":
        installed_from(venv_python, check.name, wheels, env)
    probe = (
        "import importlib, importlib.util, sys\n"
        f"for name in {check.imports!r}:\n"
        "    importlib.import_module(name)\n"
        f"present = [m for m in {check.forbidden!r} if importlib.util.find_spec(m) is not None]\n"
        "if present:\n"
        "    sys.exit(f'installed but not allowed: {present}')\n"
    )
    run(venv_python, "-c", probe, env=env)
    if check.command:
        run(venv / "bin" / check.command[0], *check.command[1:], env=env)
    print(f"ok: {check.name} installs alone and imports {', '.join(check.imports)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", type=Path, required=True, help="interpreter to test")
    parser.add_argument("--wheels", type=Path, required=True, help="folder from .ci/wheels.sh")
    args = parser.parse_args()
    wheels = args.wheels.resolve()
    env = without_rust()
    print(f"no {' or '.join(RUST_TOOLS)} on PATH: {env['PATH']}", flush=True)
    check_namespace(wheels)
    with tempfile.TemporaryDirectory(prefix="lenskit-wheel-check-") as tmp:
        work = Path(tmp)
        check_user_install(args.python, wheels, work, env)
        for check in CHECKS:
            check_alone(check, args.python, wheels, work, env)


if __name__ == "__main__":
    main()
