"""Python-level batch work on the thread runner: GIL build against free-threaded build.

The k-NN kernels release the GIL, so they scale on threads with any build. A
scorer written in Python does not: with the GIL its threads take turns. This
benchmark runs one such scorer (pure-Python scoring loops over item lists)
through ``lenskit.batch.recommend`` at 1 and 2 jobs, on the workspace
interpreter and on the free-threaded one, interleaved in one invocation, and
reports users per second and the 2-job speedup of each build.

    uv run python benchmarks/free_threading_bench.py            # both builds
    uv run python benchmarks/free_threading_bench.py --repeats 5

The free-threaded venv is the one `.ci/free-threaded.sh` creates (`.venv-ft`);
pass ``--ft-python`` to use another.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from lenskit.data import Interactions, ItemList

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"


class PythonCooccurrenceScorer:
    """Scores items by closeness in popularity to the user's items, in plain Python loops.

    Deliberately written without numpy in the hot path: it stands for the
    Python-level parts of a pipeline (custom scorers, re-rankers, filters).
    Each thread builds its own Python lists from the shared numpy arrays on
    first use, so no thread updates reference counts owned by another (on 2
    cores this measured the same as sharing one set; docs/free-threading.md).
    """

    def __init__(self, data: Interactions, n_candidates: int) -> None:
        counts = data.item_counts()
        self._candidates = np.argsort(-counts, kind="stable")[:n_candidates]
        self._popularity = counts.astype(np.float64)
        self._data = data
        self._local = threading.local()

    def _tables(self) -> tuple[list[int], list[float]]:
        tables = getattr(self._local, "tables", None)
        if tables is None:
            tables = (self._candidates.tolist(), self._popularity.tolist())
            self._local.tables = tables
        return tables

    def recommend(self, user: object, n: int = 10) -> ItemList:
        candidates, popularity = self._tables()
        data = self._data
        if user not in data.users:
            return ItemList.empty(ranked=True)
        row = data.users.index(user)
        seen = set(data.indices[data.indptr[row] : data.indptr[row + 1]].tolist())
        anchor = sum(popularity[i] for i in seen) / max(len(seen), 1)
        scored: list[tuple[float, int]] = []
        for item in candidates:
            if item in seen:
                continue
            closeness = 1.0 / (1.0 + abs(popularity[item] - anchor))
            score = 0.0
            for step in range(8):
                score += closeness * (step + 1) / (1.0 + score)
            scored.append((score, item))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        best = scored[:n]
        return ItemList.ranked(
            data.items.ids[[item for _, item in best]],
            np.array([score for score, _ in best], dtype=np.float64),
        )


def run_worker(n_jobs: int, n_users: int, n_candidates: int) -> dict[str, object]:
    """Time one batch run in this process and return the figures."""
    import sysconfig

    from lenskit.batch import recommend
    from lenskit.data import movielens_small

    data = movielens_small()
    model = PythonCooccurrenceScorer(data, n_candidates)
    users = list(data.users.ids[:n_users])
    # The first batch call in a process resolves the settings, which imports
    # pydantic-settings: about 1 s on 3.13t, once per process and serial. Pay it
    # before the clock starts, so the figures measure the batch work itself.
    recommend(model, users[:4], n=10, n_jobs=1, progress=False)
    start = time.perf_counter()
    results = recommend(model, users, n=10, n_jobs=n_jobs, progress=False)
    elapsed = time.perf_counter() - start
    rows = len(results.to_arrow())
    gil = getattr(sys, "_is_gil_enabled", lambda: True)()
    return {
        "python": sys.version.split()[0],
        "free_threaded_build": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled": gil,
        "n_jobs": n_jobs,
        "users": len(users),
        "rows": rows,
        "seconds": elapsed,
        "users_per_second": len(users) / elapsed,
    }


def measure(python: Path, n_jobs: int, args: argparse.Namespace) -> dict[str, object]:
    command = [
        str(python),
        str(Path(__file__).resolve()),
        "--worker",
        "--jobs",
        str(n_jobs),
        "--users",
        str(args.users),
        "--candidates",
        str(args.candidates),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"worker failed ({python}, {n_jobs} jobs):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, default=300, help="users per batch run")
    parser.add_argument("--candidates", type=int, default=3000, help="items scored per user")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--gil-python", type=Path, default=Path(sys.executable))
    parser.add_argument("--ft-python", type=Path, default=ROOT / ".venv-ft" / "bin" / "python")
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(run_worker(args.jobs, args.users, args.candidates)))
        return

    builds = {"gil": args.gil_python}
    if args.ft_python.exists():
        builds["free-threaded"] = args.ft_python
    else:
        print(f"no free-threaded interpreter at {args.ft_python}; run .ci/free-threaded.sh first")

    samples: dict[tuple[str, int], list[dict[str, object]]] = {}
    for _ in range(args.repeats):
        for build, python in builds.items():
            for n_jobs in (1, 2):
                samples.setdefault((build, n_jobs), []).append(measure(python, n_jobs, args))

    report: dict[str, dict[str, object]] = {}
    print(f"{'build':<14} {'jobs':>4} {'users/s':>10} {'speedup':>8}  gil")
    for build in builds:
        rates = {
            jobs: statistics.median(float(s["users_per_second"]) for s in samples[(build, jobs)])  # type: ignore[arg-type]
            for jobs in (1, 2)
        }
        gil = samples[(build, 1)][0]["gil_enabled"]
        for jobs in (1, 2):
            print(
                f"{build:<14} {jobs:>4} {rates[jobs]:>10.1f} {rates[jobs] / rates[1]:>7.2f}x  {gil}"
            )
        report[build] = {"users_per_second": rates, "speedup_2_jobs": rates[2] / rates[1]}
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "free_threading.json"
    out.write_text(
        json.dumps(
            {"summary": report, "samples": [s for v in samples.values() for s in v]}, indent=2
        )
    )
    print(f"raw results: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
