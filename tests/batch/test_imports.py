"""lenskit.batch imports its own modules in one direction: no circle, not even a deferred one."""

from __future__ import annotations

import ast
from pathlib import Path

import lenskit.batch

PACKAGE = Path(lenskit.batch.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_within_the_package(path: Path) -> set[str]:
    """Every lenskit.batch module *path* imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n for n in names if n == "lenskit.batch" or n.startswith("lenskit.batch.")}
    return found


def test_no_module_of_the_package_imports_itself_through_others() -> None:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {
        name: (imports_within_the_package(path) & modules.keys()) - {name}
        for name, path in modules.items()
    }
    circles = []
    for start in graph:
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph.get(node, ()):
                if nxt == start:
                    circles.append(" -> ".join([*trail, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
    assert circles == []
