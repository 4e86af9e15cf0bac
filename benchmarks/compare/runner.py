"""Runs one measurement: one system, data set, task and thread count, in a fresh process.

A fresh process per measurement means no system profits from another's warm
caches or pools, and its peak resident set is its own. (The worker reads its
peak itself: the kernel's ``ru_maxrss`` of a child also counts the memory of
the parent it was forked from, before ``exec``.)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from .datasets import DatasetFiles
from .plan import TOP_N, WORKERS_DIR, SystemSpec, Task, thread_env

_LOG_TAIL_CHARS = 1500


@dataclass(frozen=True)
class Measurement:
    """What to run; ``dump`` names a file prefix for the outputs of a cross-check run."""

    system: SystemSpec
    dataset: DatasetFiles
    task: Task
    threads: int
    rep: int
    dump: str | None = None


def _child_env(threads: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("LK_")
        # Dropping PYTHONDONTWRITEBYTECODE lets repeated workers start from cached bytecode.
        and k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONDONTWRITEBYTECODE"}
    }
    env.update(thread_env(threads))
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run(measurement: Measurement, work_dir: Path, timeout: float) -> dict[str, Any]:
    """Run one measurement and return the worker's result plus the parent's view of it."""
    m = measurement
    stem = f"{m.dataset.name}-{m.task.name}-t{m.threads}-{m.system.name}-r{m.rep}"
    spec_path = work_dir / f"{stem}.spec.json"
    result_path = work_dir / f"{stem}.result.json"
    log_path = work_dir / f"{stem}.log"
    result_path.unlink(missing_ok=True)
    # matrix factorisation fits on the holdout split's training part and scores its test part
    split = m.task.mf is not None
    spec = {
        "algo": m.task.name,
        "k": m.task.k,
        "save_nbrs": m.task.save_nbrs,
        # each repetition of a matrix factorisation starts from other random embeddings
        "mf": asdict(replace(m.task.mf, seed=m.task.mf.seed + m.rep)) if m.task.mf else None,
        "threads": m.threads,
        "n": TOP_N,
        "stages": m.dataset.stages_of(m.task.stages),
        "ratings": m.dataset.train if split else m.dataset.ratings,
        "pairs": m.dataset.test if split else m.dataset.pairs,
        "users": m.dataset.users,
        "dump": m.dump,
        "result": str(result_path),
    }
    spec_path.write_text(json.dumps(spec))
    command = [str(m.system.python()), str(WORKERS_DIR / m.system.worker), str(spec_path)]
    started = time.perf_counter()
    with log_path.open("w") as log:
        # A new session, so a timeout can kill the worker and any pool processes it started.
        proc = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_child_env(m.threads),
            cwd=work_dir,
            start_new_session=True,
        )
        try:
            exit_code: int | None = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            exit_code = None
    wall = time.perf_counter() - started
    record: dict[str, Any] = {
        "system": m.system.name,
        "dataset": m.dataset.name,
        "task": m.task.name,
        "threads": m.threads,
        "rep": m.rep,
        "wall_seconds": wall,
        "exit_code": exit_code,
    }
    if exit_code is None:
        record.update(ok=False, error=f"timed out after {timeout:.0f} s")
    elif result_path.exists():
        record.update(json.loads(result_path.read_text()))
    else:
        record.update(ok=False, error=f"worker exited with {exit_code} and wrote no result")
    if not record.get("ok"):
        record["log_tail"] = log_path.read_text(errors="replace")[-_LOG_TAIL_CHARS:]
    return record
