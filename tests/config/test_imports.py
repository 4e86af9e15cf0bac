"""lenskit.config stays light: loading settings pulls in none of numpy, ray, torch or click."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

RunPython = Callable[..., subprocess.CompletedProcess[str]]
HEAVY = ["numpy", "ray", "torch", "click"]


def test_using_the_settings_imports_no_heavy_module(run_python: RunPython) -> None:
    result = run_python(
        f"""
        import json, sys
        from lenskit.config import lenskit_config
        from lenskit.parallel import effective_cpu_count, parallel_warnings

        settings = lenskit_config().parallel.resolve_defaults()
        settings.env_vars(per_worker=True)
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
