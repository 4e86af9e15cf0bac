"""Find the CPython interpreters the project supports on this machine.

The supported versions are those the packages declare in their classifiers
(the same list in every pyproject; tests/test_package_metadata.py checks
that): each ``Programming Language :: Python :: 3.N`` is a GIL build looked
up under pyenv, and the free-threading classifier adds the free-threaded
CPython installed by ``../shared/tools/python-ft/install.sh``. So declaring a
version and testing it cannot drift apart.

    python3 .ci/supported_pythons.py          # one "LABEL PATH" line each
    python3 .ci/supported_pythons.py 3.13t    # the path of one of them

A supported version that is not on the machine is named on stderr; under CI
(``CI=true``) that is an error, since CI must prove every supported Python.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION_CLASSIFIER = re.compile(r"^Programming Language :: Python :: (3\.\d+)$")
FREE_THREADING_CLASSIFIER = "Programming Language :: Python :: Free Threading ::"
FREE_THREADED_INSTALLER = ROOT.parent / "shared" / "tools" / "python-ft" / "install.sh"


def declared_classifiers() -> list[str]:
    """The classifiers of lenskit-rs, the package whose wheels depend on the interpreter."""
    pyproject = ROOT / "packages" / "lenskit-rs" / "pyproject.toml"
    return tomllib.loads(pyproject.read_text())["project"]["classifiers"]


def pyenv_python(version: str) -> Path | None:
    """The newest pyenv-installed CPython ``version`` (e.g. "3.12"), if any."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = [
        path / "bin" / f"python{version}"
        for path in root.glob(f"{version}.*")
        if re.fullmatch(rf"{re.escape(version)}\.\d+", path.name)
    ]
    found = [path for path in found if path.exists()]
    return max(found, key=lambda p: int(p.parent.parent.name.rsplit(".", 1)[1]), default=None)


def free_threaded_python() -> tuple[str, Path] | None:
    """The free-threaded CPython from the shared installer, with its label (e.g. "3.13t")."""
    if not FREE_THREADED_INSTALLER.exists():
        return None
    done = subprocess.run(
        ["bash", str(FREE_THREADED_INSTALLER)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        return None
    path = Path(done.stdout.strip())
    version = subprocess.run(
        [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return f"{version}t", path


def supported_pythons() -> dict[str, Path | None]:
    """Every supported interpreter by label, with its path or None when it is missing."""
    classifiers = declared_classifiers()
    found: dict[str, Path | None] = {}
    for classifier in classifiers:
        match = VERSION_CLASSIFIER.match(classifier)
        if match:
            found[match.group(1)] = pyenv_python(match.group(1))
    if any(c.startswith(FREE_THREADING_CLASSIFIER) for c in classifiers):
        free_threaded = free_threaded_python()
        if free_threaded is None:
            found["free-threaded"] = None
        else:
            found[free_threaded[0]] = free_threaded[1]
    return found


def main() -> None:
    pythons = supported_pythons()
    missing = [label for label, path in pythons.items() if path is None]
    for label in missing:
        print(f"supported Python {label} is not on this machine", file=sys.stderr)
    if missing and os.environ.get("CI") == "true":
        raise SystemExit("CI must test every supported Python; install the missing ones")
    if len(sys.argv) > 1:
        label = sys.argv[1]
        path = pythons.get(label)
        if path is None:
            known = ", ".join(k for k, v in pythons.items() if v is not None)
            raise SystemExit(f"no supported Python {label!r} on this machine (found: {known})")
        print(path)
        return
    for label, path in pythons.items():
        if path is not None:
            print(label, path)


if __name__ == "__main__":
    main()
