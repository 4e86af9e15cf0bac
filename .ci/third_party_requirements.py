"""Print the third-party requirements of every workspace package and the test tools.

The free-threaded venv cannot use the lock file's pins (some pinned versions
have no free-threaded wheels), so it installs these loose requirements and lets
uv pick versions that ship free-threaded wheels. Reading them from the
pyproject files keeps one list of dependencies.
"""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_TOOLS = ("pytest", "pytest-timeout", "hypothesis")


def requirement_name(requirement: str) -> str:
    for separator in "<>=!~[; ":
        requirement = requirement.split(separator, 1)[0]
    return requirement.strip().lower()


def main() -> None:
    wanted: dict[str, str] = {}
    for pyproject in sorted(ROOT.glob("packages/*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text())["project"]
        for requirement in project.get("dependencies", []):
            name = requirement_name(requirement)
            if not name.startswith("lenskit"):
                wanted.setdefault(name, requirement)
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for requirement in root["dependency-groups"]["dev"]:
        if requirement_name(requirement) in TEST_TOOLS:
            wanted.setdefault(requirement_name(requirement), requirement)
    print(" ".join(wanted.values()))


if __name__ == "__main__":
    main()
