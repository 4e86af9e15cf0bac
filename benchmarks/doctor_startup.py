"""Start-up cost of ``lenskit doctor`` and of importing ``lenskit.config``.

Runs each command in a fresh process ``--runs`` times (after one warm-up
run) and reports the median wall time; ``import lenskit.config`` is also
timed with ``python -X importtime``.  By default compiled modules are cached
in a temporary folder, as they are in any installed environment; pass
``--no-bytecode-cache`` to measure with ``PYTHONDONTWRITEBYTECODE`` as set
(every module recompiled on each start).

    uv run --no-sync python benchmarks/doctor_startup.py
    uv run --no-sync python benchmarks/doctor_startup.py --runs 20 --no-bytecode-cache
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
LENSKIT = Path(sys.executable).parent / "lenskit"

COMMANDS: dict[str, list[str]] = {
    "python -c pass (interpreter start)": [sys.executable, "-c", "pass"],
    "import lenskit.config": [sys.executable, "-c", "import lenskit.config"],
    "load settings (lenskit_config())": [
        sys.executable,
        "-c",
        "from lenskit.config import lenskit_config; lenskit_config().parallel.resolve_defaults()",
    ],
    "lenskit doctor": [str(LENSKIT), "doctor"],
    "lenskit doctor --json": [str(LENSKIT), "doctor", "--json"],
}


def environment(cache: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LK_")}
    if cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def wall_times(command: list[str], runs: int, cwd: Path, env: dict[str, str]) -> list[float]:
    subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def import_times(module: str, runs: int, cwd: Path, env: dict[str, str]) -> list[float]:
    """Cumulative import time of *module* in seconds, as ``-X importtime`` reports it."""
    times = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", f"import {module}"],
            cwd=cwd,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        for line in done.stderr.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if len(parts) == 3 and parts[2] == module:
                times.append(int(parts[1]) / 1e6)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description="Start-up cost of lenskit doctor.")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-bytecode-cache", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        (project / ".git").mkdir(parents=True)
        cache = None if args.no_bytecode_cache else Path(tmp) / "pycache"
        env = environment(cache)
        results: dict[str, dict[str, float]] = {}
        for label, command in COMMANDS.items():
            times = wall_times(command, args.runs, project, env)
            results[label] = {"median_s": statistics.median(times), "min_s": min(times)}
        imports = import_times("lenskit.config", args.runs, project, env)
        results["-X importtime lenskit.config"] = {
            "median_s": statistics.median(imports),
            "min_s": min(imports),
        }

    width = max(len(label) for label in results)
    print(f"{args.runs} runs each; bytecode cache: {'off' if args.no_bytecode_cache else 'on'}")
    for label, figures in results.items():
        median, fastest = figures["median_s"], figures["min_s"]
        print(f"  {label.ljust(width)}  median {median:.3f} s  min {fastest:.3f} s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "doctor_startup.json"
    out.write_text(
        json.dumps(
            {"runs": args.runs, "bytecode_cache": not args.no_bytecode_cache, "results": results},
            indent=2,
        )
    )
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
