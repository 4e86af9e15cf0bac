"""Print third-party requirements read from the workspace's pyproject files.

The test venvs of .ci/test-python.sh cannot use the lock file's pins (some
pinned versions have no wheels for every interpreter, free-threaded ones
above all), so they install these loose requirements and let uv pick versions
that ship wheels for the interpreter. Reading them from the pyproject files
keeps one list of dependencies.

    python3 .ci/third_party_requirements.py              # dependencies + test tools
    python3 .ci/third_party_requirements.py --extra ray  # what the `ray` extras add
"""

import argparse
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_TOOLS = ("pytest", "pytest-timeout", "hypothesis")


def requirement_name(requirement: str) -> str:
    for separator in "<>=!~[; ":
        requirement = requirement.split(separator, 1)[0]
    return requirement.strip().lower()


def third_party(requirements: list[str], wanted: dict[str, str]) -> None:
    for requirement in requirements:
        name = requirement_name(requirement)
        if not name.startswith("lenskit"):
            wanted.setdefault(name, requirement)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extra", help="print only what this optional extra adds")
    args = parser.parse_args()
    wanted: dict[str, str] = {}
    for pyproject in sorted(ROOT.glob("packages/*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text())["project"]
        if args.extra:
            third_party(project.get("optional-dependencies", {}).get(args.extra, []), wanted)
        else:
            third_party(project.get("dependencies", []), wanted)
    if not args.extra:
        root = tomllib.loads((ROOT / "pyproject.toml").read_text())
        for requirement in root["dependency-groups"]["dev"]:
            if requirement_name(requirement) in TEST_TOOLS:
                wanted.setdefault(requirement_name(requirement), requirement)
    if args.extra and not wanted:
        raise SystemExit(f"no package has an extra {args.extra!r} with third-party requirements")
    print(" ".join(wanted.values()))


if __name__ == "__main__":
    main()
