"""lenskit.config stays light, and its modules import one another in one direction only."""

from __future__ import annotations

import ast
import graphlib
import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

RunPython = Callable[..., subprocess.CompletedProcess[str]]
HEAVY = ["numpy", "ray", "torch", "click"]


def test_using_the_settings_imports_no_heavy_module(run_python: RunPython) -> None:
    result = run_python(
        f"""
        import json, sys
        from lenskit.config import lenskit_config
        from lenskit.parallel import effective_cpu_count, parallel_warnings

        settings = lenskit_config().parallel.resolve_defaults()
        settings.per_worker_env_vars()
        effective_cpu_count()
        parallel_warnings()
        print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))
        """
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_importing_the_package_defers_pydantic(run_python: RunPython) -> None:
    result = run_python(
        """
        import json, sys
        import lenskit.config, lenskit.parallel
        print(json.dumps("pydantic" in sys.modules))
        """
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) is False


PACKAGE_SRC = Path(__file__).parents[2] / "packages" / "lenskit-config" / "src"


def runtime_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under *node* except those of ``if TYPE_CHECKING:`` blocks."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and ast.unparse(child.test) == "TYPE_CHECKING":
            continue
        yield child
        yield from runtime_nodes(child)


def imports_of(path: Path) -> set[str]:
    """Every ``lenskit.*`` module *path* imports when it runs, at any depth of its code."""
    found: set[str] = set()
    for node in runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("lenskit"):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("lenskit"))
    return found


def test_lenskit_config_modules_import_without_a_circle() -> None:
    modules = {
        ".".join(path.relative_to(PACKAGE_SRC).with_suffix("").parts).removesuffix(
            ".__init__"
        ): path
        for path in PACKAGE_SRC.rglob("*.py")
    }
    graph = {name: imports_of(path) & set(modules) - {name} for name, path in modules.items()}
    sorter = graphlib.TopologicalSorter(graph)
    sorter.prepare()  # raises CycleError naming the circle


def test_lenskit_config_never_imports_lenskit_parallel() -> None:
    config = PACKAGE_SRC / "lenskit" / "config"
    offenders = {
        path.name: sorted(m for m in imports_of(path) if m.startswith("lenskit.parallel"))
        for path in config.glob("*.py")
        if path.name != "_configure.py"
    }
    assert {name: found for name, found in offenders.items() if found} == {}
