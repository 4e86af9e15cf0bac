"""Facts about the machine a run used, and its memory bandwidth and arithmetic
throughput as yardsticks.

Timings mean little without the machine they came from; the copy bandwidth
tells how fast any memory-bound kernel could go on it at best, and a
single-thread matrix product how fast a compute-bound one could.
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np

from .plan import REPO_ROOT

_COPY_BYTES = 512 * 1024 * 1024
_COPY_REPEATS = 5


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return None


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def copy_bandwidth(n_bytes: int = _COPY_BYTES, repeats: int = _COPY_REPEATS) -> dict[str, float]:
    """Best single-thread ``np.copyto`` rate over a buffer far larger than cache.

    A copy reads and writes every byte, so the rate counts both directions:
    it is the traffic a streaming kernel on one core can sustain.
    """
    src = np.ones(n_bytes // 8, dtype=np.float64)
    dst = np.empty_like(src)
    np.copyto(dst, src)  # fault the pages in before timing
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - start)
    return {"bytes": float(n_bytes), "seconds": best, "gb_per_s": 2 * n_bytes / best / 1e9}


def single_core_gflops(size: int = 1024, repeats: int = 5) -> dict[str, float]:
    """Best single-thread float32 matrix-product rate (numpy's BLAS, one thread).

    A tuned ``sgemm`` is as close to the core's peak arithmetic rate as
    library code gets: the compute-bound yardstick.
    """
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a = rng.random((size, size), dtype=np.float32)
    b = rng.random((size, size), dtype=np.float32)
    out = np.empty_like(a)
    best = float("inf")
    with threadpool_limits(limits=1, user_api="blas"):
        np.matmul(a, b, out=out)  # warm up
        for _ in range(repeats):
            start = time.perf_counter()
            np.matmul(a, b, out=out)
            best = min(best, time.perf_counter() - start)
    return {"size": float(size), "seconds": best, "gflops": 2 * size**3 / best / 1e9}


def describe(measure_bandwidth: bool = True) -> dict[str, Any]:
    """Machine, OS, interpreter and source revision of this run."""
    info: dict[str, Any] = {
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gib": _memory_gib(),
        "os": _os_name(),
        "kernel": platform.release(),
        "driver_python": platform.python_version(),
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "load_average_at_start": _load_average(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    if measure_bandwidth:
        info["copy_bandwidth"] = copy_bandwidth()
        info["single_core"] = single_core_gflops()
    return info
