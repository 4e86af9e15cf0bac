"""Every distribution of the workspace declares the same supported Pythons, licence and links.

CI builds and tests wheels for the Python versions the classifiers declare
(.ci/supported_pythons.py reads them), so these tests keep the declarations
of the six packages from drifting apart, keep each version in one place, and
keep the meta-distribution `lenskit-parallel` installing the whole toolkit.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(p.parent for p in ROOT.glob("packages/*/pyproject.toml"))
META = "lenskit-parallel"
PYTHON_VERSION = re.compile(r"^Programming Language :: Python :: 3\.(\d+)$")
FREE_THREADING = "Programming Language :: Python :: Free Threading :: "


def project(package: Path) -> dict[str, Any]:
    return tomllib.loads((package / "pyproject.toml").read_text())["project"]


def python_minors(classifiers: list[str]) -> list[int]:
    return sorted(int(m.group(1)) for c in classifiers if (m := PYTHON_VERSION.match(c)))


@pytest.fixture(scope="module")
def projects() -> dict[str, dict[str, Any]]:
    found = {project(p)["name"]: project(p) for p in PACKAGES}
    assert found, "no workspace packages found"
    return found


def test_every_package_requires_the_workspace_python(projects: dict[str, dict[str, Any]]) -> None:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert {name: p["requires-python"] for name, p in projects.items()} == dict.fromkeys(
        projects, root
    )


def test_python_classifiers_are_the_same_consecutive_versions_from_requires_python(
    projects: dict[str, dict[str, Any]],
) -> None:
    declared = {name: python_minors(p["classifiers"]) for name, p in projects.items()}
    first = next(iter(declared.values()))
    assert all(minors == first for minors in declared.values()), declared
    requires = re.fullmatch(r">=3\.(\d+)", next(iter(projects.values()))["requires-python"])
    assert requires is not None, "requires-python should be a lower bound such as >=3.11"
    lowest = int(requires[1])
    assert first == list(range(lowest, lowest + len(first))), first


def test_every_package_declares_its_free_threading_status(
    projects: dict[str, dict[str, Any]],
) -> None:
    status = {
        name: [c for c in p["classifiers"] if c.startswith(FREE_THREADING)]
        for name, p in projects.items()
    }
    assert all(len(found) == 1 for found in status.values()), status
    assert len({found[0] for found in status.values()}) == 1, status


def test_every_package_has_a_licence_file_identical_to_the_repository_licence(
    projects: dict[str, dict[str, Any]],
) -> None:
    licence = (ROOT / "LICENSE").read_bytes()
    for package in PACKAGES:
        meta = project(package)
        assert meta["license"].split()[0] == "MIT", meta["name"]
        assert "LICENSE" in meta["license-files"], meta["name"]
        assert (package / "LICENSE").read_bytes() == licence, f"{package}/LICENSE differs"
        for listed in meta["license-files"]:
            assert (package / listed).is_file(), f"{meta['name']}: {listed} is missing"


def test_every_package_links_its_project_home(projects: dict[str, dict[str, Any]]) -> None:
    assert all(p.get("urls", {}).get("Homepage") for p in projects.values()), projects.keys()


def test_each_version_is_written_once_in_its_pyproject() -> None:
    for package in PACKAGES:
        meta = project(package)
        assert "version" not in meta.get("dynamic", []), meta["name"]
        assert re.fullmatch(r"\d+\.\d+\.\d+", meta["version"]), meta["name"]
        sources = "".join(p.read_text() for p in package.glob("src/**/*.py"))
        assert "__version__ =" not in sources, f"{meta['name']} writes its version in code"
    binding = tomllib.loads(
        (ROOT / "rust" / "lenskit-py" / "Cargo.toml").read_text()
    )  # the crate maturin builds as lenskit-rs
    assert "version" not in binding["package"], "lenskit-py must not carry a second version"


def test_the_meta_distribution_installs_every_other_package(
    projects: dict[str, dict[str, Any]],
) -> None:
    others = sorted(name for name in projects if name != META)
    assert sorted(projects[META]["dependencies"]) == others
    assert not list((ROOT / "packages" / META).glob("src/**/*.py")), "it has no code of its own"


def test_the_meta_ray_extra_is_every_package_ray_extra(
    projects: dict[str, dict[str, Any]],
) -> None:
    with_ray = sorted(
        f"{name}[ray]"
        for name, p in projects.items()
        if name != META and "ray" in p.get("optional-dependencies", {})
    )
    assert with_ray == ["lenskit-batch[ray]", "lenskit-config[ray]"]
    assert sorted(projects[META]["optional-dependencies"]["ray"]) == with_ray
    requirements = [
        requirement
        for name in with_ray
        for requirement in projects[name.removesuffix("[ray]")]["optional-dependencies"]["ray"]
    ]
    # Ray's version is written once; other ray extras pull that package's ray extra.
    pulled = [r for r in requirements if r.startswith("lenskit-")]
    assert all(r in with_ray for r in pulled), f"ray extras pull other extras: {pulled}"
    ray_versions = [r for r in requirements if not r.startswith("lenskit-")]
    assert len(ray_versions) == 1, f"Ray's version should be written once: {ray_versions}"
