"""What every benchmark worker shares: the job spec, timers, memory probes, output.

A worker runs inside one system's own interpreter (a peer venv, possibly on
Python 3.11 or the free-threaded 3.13), so this module needs nothing beyond the
standard library, numpy and pyarrow, which every peer environment has.

Protocol: the driver starts ``python worker_X.py SPEC.json``; the worker reads
the spec, runs the stages it names, and writes one JSON object to
``spec["result"]``. Stdout and stderr are left to the libraries' own chatter.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

Spec = dict[str, Any]

_PROC_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


class Ratings:
    """The shared rating file, as plain arrays in file order."""

    def __init__(self, path: str) -> None:
        table = pq.read_table(path)
        self.user_ids: np.ndarray = table.column("user_id").to_numpy()
        self.item_ids: np.ndarray = table.column("item_id").to_numpy()
        self.ratings: np.ndarray = table.column("rating").to_numpy().astype(np.float32)

    def frame(self) -> Any:
        """A pandas frame (user_id, item_id, rating) for toolkits that take one."""
        import pandas as pd

        return pd.DataFrame(
            {"user_id": self.user_ids, "item_id": self.item_ids, "rating": self.ratings}
        )


def read_pairs(path: str) -> tuple[np.ndarray, np.ndarray]:
    """The fixed (user, item) pairs to score."""
    table = pq.read_table(path)
    return table.column("user_id").to_numpy(), table.column("item_id").to_numpy()


def read_users(path: str) -> np.ndarray:
    """Every user id in the data, in the order the driver chose."""
    return pq.read_table(path).column("user_id").to_numpy()


def _status_kib(field: str) -> int | None:
    """A ``VmRSS``/``VmHWM`` line of /proc/self/status, in KiB (None off Linux)."""
    try:
        for line in _PROC_STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class Memory:
    """Resident-set probes: the current size and the peak within a window.

    Linux lets a process reset its own high-water mark (``echo 5 >
    /proc/self/clear_refs``), so the peak of one stage (the fit) can be read
    apart from the peak of loading the data. Where that is refused, the
    window's peak falls back to the whole process's peak so far.
    """

    def __init__(self) -> None:
        self.process_peak_kib = 0
        self.window_resets = True

    def current_kib(self) -> int:
        return _status_kib("VmRSS") or 0

    def _peak_kib(self) -> int:
        peak = _status_kib("VmHWM")
        if peak is None:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak

    def start_window(self) -> None:
        self.process_peak_kib = max(self.process_peak_kib, self._peak_kib())
        try:
            _CLEAR_REFS.write_text("5")
        except OSError:
            self.window_resets = False

    def window_peak_kib(self) -> int:
        peak = self._peak_kib()
        self.process_peak_kib = max(self.process_peak_kib, peak)
        return peak

    def children_peak_kib(self) -> int:
        """The largest peak of any child process (batch workers that are processes)."""
        return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


class Stages:
    """Wall-clock times and memory of the stages one worker runs."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.memory = Memory()
        self.rss_kib: dict[str, int] = {}

    @contextmanager
    def timed(self, name: str) -> Iterator[None]:
        """Time a stage and record the resident-set peak within it."""
        self.rss_kib[f"{name}_start"] = self.memory.current_kib()
        self.memory.start_window()
        start = time.perf_counter()
        yield
        self.seconds[name] = time.perf_counter() - start
        self.rss_kib[f"{name}_peak"] = self.memory.window_peak_kib()


class System(Protocol):
    """What a worker adapts one toolkit to."""

    def prepare(self, ratings: Ratings, spec: Spec) -> None:
        """Build the toolkit's own data structure (not timed as part of the fit)."""

    def fit(self) -> None:
        """Train the model."""

    def prepare_pairs(self, users: np.ndarray, items: np.ndarray) -> None:
        """Put the (user, item) pairs into the toolkit's input form (not timed)."""

    def score(self) -> None:
        """Score the prepared pairs the way a user of the toolkit would (timed)."""

    def scores(self) -> np.ndarray:
        """The last scores, one per pair in input order, NaN where there is none."""
        ...

    def recommend(self, users: np.ndarray, n: int) -> None:
        """Top-n for every user, with the toolkit's batch entry point (timed)."""

    def recommendations(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The last top-n lists as (user ids, item ids, 1-based ranks) columns."""
        ...

    def describe(self) -> dict[str, Any]:
        """Versions and settings, for the record."""
        ...


def _write_parquet(path: str, columns: dict[str, np.ndarray]) -> None:
    pq.write_table(pa.table({k: pa.array(v) for k, v in columns.items()}), path)


def _run(system: System, spec: Spec) -> dict[str, Any]:
    stages = Stages()
    with stages.timed("load"):
        ratings = Ratings(spec["ratings"])
    with stages.timed("prepare"):
        system.prepare(ratings, spec)
    with stages.timed("fit"):
        system.fit()
    counts: dict[str, int] = {}
    # what the stages work through, for systems that can say (ours: candidates)
    work: Callable[[], dict[str, int]] | None = getattr(system, "work", None)
    if work is not None:
        counts.update(work())
    dump = spec.get("dump")
    if "score" in spec["stages"]:
        users, items = read_pairs(spec["pairs"])
        system.prepare_pairs(users, items)
        with stages.timed("score"):
            system.score()
        scores = system.scores()
        counts["scored"] = int(np.isfinite(scores).sum())
        counts["pairs"] = len(scores)
        if dump:
            _write_parquet(
                dump + "-scores.parquet", {"user_id": users, "item_id": items, "score": scores}
            )
    if "recommend" in spec["stages"]:
        all_users = read_users(spec["users"])
        with stages.timed("recommend"):
            system.recommend(all_users, int(spec["n"]))
        rec_users, rec_items, ranks = system.recommendations()
        counts["recommended_rows"] = len(rec_items)
        counts["users_with_recs"] = len(np.unique(rec_users))
        if dump:
            _write_parquet(
                dump + "-recs.parquet", {"user_id": rec_users, "item_id": rec_items, "rank": ranks}
            )
    return {
        "ok": True,
        "seconds": stages.seconds,
        "rss_kib": stages.rss_kib,
        "peak_rss_kib": stages.memory.process_peak_kib,
        "children_peak_rss_kib": stages.memory.children_peak_kib(),
        "fit_window_exact": stages.memory.window_resets,
        "counts": counts,
        "details": system.describe(),
        "python": platform.python_version(),
        "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
        "pid": os.getpid(),
    }


def main(make_system: Callable[[Spec], System]) -> None:
    """Entry point of a worker script: read the spec, run, write the result."""
    spec: Spec = json.loads(Path(sys.argv[1]).read_text())
    try:
        result = _run(make_system(spec), spec)
    except Exception as exc:
        traceback.print_exc()
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    Path(spec["result"]).write_text(json.dumps(result))
    sys.stdout.flush()
    # Skip interpreter teardown: some toolkits keep thread pools that make exit slow.
    os._exit(0 if result["ok"] else 1)


def ranks_from_lists(
    users: list[Any], lists: list[tuple[np.ndarray, np.ndarray]]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flatten per-user (item ids, ranks) lists into three aligned columns."""
    if not lists:
        empty = np.empty(0, np.int64)
        return empty, empty, empty.astype(np.int32)
    lengths = [len(ids) for ids, _ in lists]
    return (
        np.repeat(np.asarray(users), lengths),
        np.concatenate([np.asarray(ids) for ids, _ in lists]),
        np.concatenate([np.asarray(r, dtype=np.int32) for _, r in lists]),
    )
