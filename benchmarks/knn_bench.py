"""Benchmark of the k-NN scorers: fit and top-10 for every user, at 1 and 2 threads.

Each (data set, scorer, thread count) runs in its own subprocess with
``LK_NUM_THREADS`` set, because the Rayon pool is sized once per process;
that also gives each configuration its own peak RSS (``ru_maxrss``, which
counts Rust allocations that tracemalloc cannot see). Reports medians over
repetitions, the 2-thread speedup over 1 thread, and peak memory; writes the
results as JSON to ``benchmarks/results/knn-<time>.json``.

    uv run --no-sync python benchmarks/knn_bench.py
    uv run --no-sync python benchmarks/knn_bench.py --datasets ml-small --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

DATASETS = ("ml-small", "syn-1m")
SCORERS = ("item", "user")
RESULTS = Path(__file__).parent / "results"


def load(dataset: str, seed: int):
    """The benchmark data: ml-latest-small, or the seeded 1M-rating synthetic set."""
    from lenskit.data import Interactions, movielens_small

    if dataset == "ml-small":
        return movielens_small()
    return Interactions.synthetic(20_000, 10_000, 1_000_000, seed=seed)


def worker(args: argparse.Namespace) -> None:
    """Measure one configuration in this process and print one JSON line."""
    from lenskit import _accel
    from lenskit.knn import ItemKNNScorer, UserKNNScorer
    from lenskit.parallel import ensure_parallel_init

    ensure_parallel_init()
    data = load(args.dataset, args.seed)
    users = data.users.ids
    if args.max_users and args.max_users < len(users):
        users = users[:: len(users) // args.max_users][: args.max_users]
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cls = ItemKNNScorer if args.scorer == "item" else UserKNNScorer
    fits: list[float] = []
    recs: list[float] = []
    n_recommended = 0
    for _ in range(args.repeat):
        scorer = cls()
        start = time.perf_counter()
        scorer.fit(data)
        fits.append(time.perf_counter() - start)
        start = time.perf_counter()
        lists = scorer.recommend_batch(users, n=10, parallel=True)
        recs.append(time.perf_counter() - start)
        n_recommended = sum(len(x) for x in lists)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "dataset": args.dataset,
                "scorer": args.scorer,
                "threads": _accel.thread_count(),
                "n_ratings": data.n_ratings,
                "n_users_recommended": len(users),
                "n_items_recommended": n_recommended,
                "fit_s": fits,
                "recommend_s": recs,
                "fit_median_s": statistics.median(fits),
                "recommend_median_s": statistics.median(recs),
                "peak_rss_mib": rss / 1024,
                "data_rss_mib": rss_data / 1024,
            }
        )
    )


def run_config(args: argparse.Namespace, dataset: str, scorer: str, threads: int) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LK_")}
    env["LK_NUM_THREADS"] = str(threads)
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        "--dataset",
        dataset,
        "--scorer",
        scorer,
        "--repeat",
        str(args.repeat),
        "--seed",
        str(args.seed),
        "--max-users",
        str(args.max_users),
    ]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{dataset}/{scorer}/{threads} threads failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the k-NN scorers.")
    parser.add_argument("--datasets", nargs="+", choices=DATASETS, default=list(DATASETS))
    parser.add_argument("--scorers", nargs="+", choices=SCORERS, default=list(SCORERS))
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions per configuration")
    parser.add_argument("--seed", type=int, default=42, help="seed of the synthetic set")
    parser.add_argument(
        "--max-users", type=int, default=0, help="recommend for an even sample of users (0: all)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--scorer", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    rows = []
    for dataset in args.datasets:
        for scorer in args.scorers:
            for threads in args.threads:
                row = run_config(args, dataset, scorer, threads)
                rows.append(row)
                print(
                    f"{dataset:9} {scorer:5} {row['threads']} thr  "
                    f"fit {row['fit_median_s']:8.3f} s  "
                    f"recommend {row['recommend_median_s']:8.3f} s  "
                    f"peak RSS {row['peak_rss_mib']:7.1f} MiB",
                    flush=True,
                )
    base = {(r["dataset"], r["scorer"]): r for r in rows if r["threads"] == min(args.threads)}
    print("\nspeedup over", min(args.threads), "thread(s):")
    for r in rows:
        if r["threads"] == min(args.threads):
            continue
        b = base[(r["dataset"], r["scorer"])]
        r["fit_speedup"] = b["fit_median_s"] / r["fit_median_s"]
        r["recommend_speedup"] = b["recommend_median_s"] / r["recommend_median_s"]
        print(
            f"{r['dataset']:9} {r['scorer']:5} {r['threads']} thr  "
            f"fit {r['fit_speedup']:.2f}x  recommend {r['recommend_speedup']:.2f}x"
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"knn-{datetime.now():%Y%m%d-%H%M%S}.json"
    meta = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "repeat": args.repeat,
        "max_users": args.max_users,
        "seed": args.seed,
    }
    out.write_text(json.dumps({"meta": meta, "results": rows}, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
