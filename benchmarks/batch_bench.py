"""Batch runners head to head: users per second for each runner at 1 and 2 jobs.

Item k-NN (fitted once per data set, on the Rayon pool) recommends 10 items
for every user of ml-latest-small and for 2,000 users of the synthetic 1M
set (the ``syn-1m`` shape of ``compare/plan.py``).  Each configuration runs
once; Ray's cluster start-up and each Ray configuration's first (warm-up)
run are reported separately from its users per second.  Every run's output
is checked against the sequential runner's, row for row.

    uv run --no-sync python benchmarks/batch_bench.py
    uv run --no-sync python benchmarks/batch_bench.py --datasets ml-small --no-ray

Targets on a 2-core machine: threads with 2 jobs at least 1.8x sequential;
Ray with 2 workers at least 0.8x threads with 2 jobs, once the cluster is up.
Results are printed and saved to ``benchmarks/results/batch-<time>.json``.
"cores" is the CPU time of this process and its children (Ray workers) over
the wall time: on a machine shared with other work, it shows how much of the
two cores a run actually got; "users/cpu-s" (users per CPU second) is each
runner's efficiency, which other load does not change.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from compare.plan import DATASETS

from lenskit.batch import BatchResults, RunPlan, plan_run, ray_cluster, recommend_iter
from lenskit.data import Interactions, movielens_small
from lenskit.knn import ItemKNNScorer
from lenskit.parallel import get_parallel_config

RESULTS = Path(__file__).resolve().parent / "results"
SYNTHETIC_USERS = 2_000
TOP_N = 10
WARMUP_USERS = 64


@dataclasses.dataclass
class Measurement:
    dataset: str
    runner: str
    jobs: int
    users: int
    seconds: float
    users_per_second: float
    cores_used: float
    """CPU seconds / wall seconds: how many cores the run actually got."""
    users_per_cpu_second: float
    """Users per CPU second: the runner's efficiency, whatever else the machine is doing."""
    identical: bool
    warmup_seconds: float | None = None


def load(name: str) -> tuple[Interactions, np.ndarray]:
    """The data set and the users to recommend for."""
    if name == "ml-small":
        data = movielens_small()
        return data, data.users.ids
    spec = DATASETS[name]
    data = Interactions.synthetic(spec.n_users, spec.n_items, spec.n_ratings, seed=spec.seed)
    rng = np.random.default_rng(spec.seed)
    users = np.sort(rng.choice(data.users.ids, SYNTHETIC_USERS, replace=False))
    return data, users


def cpu_seconds() -> float:
    """CPU time of this process and its descendants (Ray's workers among them)."""
    total = 0.0
    me = psutil.Process()
    for proc in [me, *me.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def run(model: object, users: np.ndarray, plan: RunPlan) -> tuple[BatchResults, float, float]:
    """Results, wall seconds and CPU seconds of one run."""
    cpu = cpu_seconds()
    start = time.perf_counter()
    parts = list(recommend_iter(model, users, TOP_N, plan=plan, progress=False))
    wall = time.perf_counter() - start
    return BatchResults.concat(parts, ranked=True), wall, cpu_seconds() - cpu


def configurations(use_ray: bool) -> Iterator[tuple[str, int]]:
    yield "sequential", 1
    yield "threads", 1
    yield "threads", 2
    if use_ray:
        yield "ray", 2
        yield "ray", 1


def plan_for(runner: str, jobs: int) -> RunPlan:
    plan = plan_run(jobs, use_ray=runner == "ray")
    # plan_run picks the sequential runner for one job; measure the pool's own overhead too.
    return dataclasses.replace(plan, runner=runner)  # type: ignore[arg-type]


def bench_dataset(name: str, use_ray: bool, cluster_up: bool) -> list[Measurement]:
    data, users = load(name)
    start = time.perf_counter()
    model = ItemKNNScorer().fit(data)
    print(
        f"\n{name}: {data.n_ratings:,} ratings, {len(users):,} users to score; "
        f"fit {time.perf_counter() - start:.2f} s",
        flush=True,
    )
    reference: BatchResults | None = None
    out: list[Measurement] = []
    for runner, jobs in configurations(use_ray and cluster_up):
        plan = plan_for(runner, jobs)
        warmup = None
        if runner == "ray":
            # Ray starts workers (and per-job runtime environments) on first use.
            _, warmup, _ = run(model, users[:WARMUP_USERS], plan)
        result, seconds, cpu = run(model, users, plan)
        if reference is None:
            reference = result
        m = Measurement(
            dataset=name,
            runner=runner,
            jobs=jobs,
            users=len(users),
            seconds=seconds,
            users_per_second=len(users) / seconds,
            cores_used=cpu / seconds,
            users_per_cpu_second=len(users) / cpu,
            identical=result.to_arrow().equals(reference.to_arrow()),
            warmup_seconds=warmup,
        )
        out.append(m)
        extra = f"  (warm-up {warmup:.1f} s)" if warmup is not None else ""
        print(
            f"  {runner:<10} {jobs} job(s)  {m.seconds:7.2f} s  {m.users_per_second:8.1f} users/s"
            f"  {m.cores_used:4.2f} cores  {m.users_per_cpu_second:6.1f} users/cpu-s"
            f"  identical={m.identical}{extra}",
            flush=True,
        )
    return out


def ratios(ms: list[Measurement]) -> dict[str, dict[str, float | None]]:
    table: dict[str, dict[str, float | None]] = {}
    for name in dict.fromkeys(m.dataset for m in ms):
        rate = {(m.runner, m.jobs): m.users_per_second for m in ms if m.dataset == name}
        seq = rate[("sequential", 1)]
        thr2 = rate.get(("threads", 2))
        ray2 = rate.get(("ray", 2))
        table[name] = {
            "threads2_over_sequential": thr2 / seq if thr2 else None,
            "ray2_over_threads2": ray2 / thr2 if ray2 and thr2 else None,
        }
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description="Batch runners: users per second at 1 and 2 jobs.")
    parser.add_argument(
        "--datasets", nargs="+", default=["ml-small", "syn-1m"], choices=["ml-small", "syn-1m"]
    )
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray runner")
    args = parser.parse_args()

    settings = get_parallel_config()
    print(f"python {platform.python_version()}; settings: {settings!r}")
    startup: float | None = None
    cluster: AbstractContextManager[Any] = nullcontext()
    if not args.no_ray:
        cluster = ray_cluster(n_jobs=2)
    measurements: list[Measurement] = []
    with cluster as info:
        if info is not None:
            startup = info.startup_seconds
            print(f"Ray cluster started in {startup:.1f} s at {info.address}", flush=True)
        for name in args.datasets:
            measurements += bench_dataset(name, not args.no_ray, info is not None)

    summary = ratios(measurements)
    print("\nratios (targets: threads 2 / sequential >= 1.8; ray 2 / threads 2 >= 0.8)")
    for name, r in summary.items():
        text = ", ".join(f"{k} = {v:.2f}" for k, v in r.items() if v is not None)
        print(f"  {name}: {text}")

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"batch-{stamp}.json"
    path.write_text(
        json.dumps(
            {
                "python": platform.python_version(),
                "settings": settings.model_dump(),
                "ray_startup_seconds": startup,
                "measurements": [dataclasses.asdict(m) for m in measurements],
                "ratios": summary,
            },
            indent=2,
        )
    )
    print(f"\nsaved {path}")
    return 0 if all(m.identical for m in measurements) else 1


if __name__ == "__main__":
    sys.exit(main())
