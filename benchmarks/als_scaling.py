"""How ALS training scales from 1 to 2 threads, and whether a serial part limits it.

Fits `ImplicitMFScorer` (or `BiasedMFScorer`) on the synthetic 1M set in
child processes with ``LK_NUM_THREADS`` 1 and 2 in turns (1 2 1 2 ...), and
reports each fit's wall time and CPU utilisation (CPU seconds / wall
seconds). Equal CPU seconds at both counts with a utilisation near 2 at two
threads means the work divides evenly and nothing runs alone.

    uv run --no-sync python benchmarks/als_scaling.py --model implicit-mf --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

_CHILD = """
import json, resource, sys, time
from lenskit.als import BiasedMFScorer, ImplicitMFScorer
from lenskit.data import Interactions
from lenskit.parallel import ensure_parallel_init

ensure_parallel_init()
scorer = {"implicit-mf": ImplicitMFScorer, "biased-mf": BiasedMFScorer}[sys.argv[1]]
data = Interactions.synthetic(6000, 4000, 1_000_000, seed=1)
scorer(embedding_size=64, epochs=2, seed=1).fit(data)  # warm the pool and the caches
for _ in range(int(sys.argv[2])):
    before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    scorer(embedding_size=64, epochs=10, seed=1).fit(data)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    print(json.dumps({"wall": wall, "cpu": cpu}), flush=True)
"""


def fits(model: str, threads: int, count: int) -> list[dict[str, float]]:
    """*count* fits in one child process with *threads* threads."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LK_")}
    env["LK_NUM_THREADS"] = str(threads)
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, model, str(count)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(description="ALS training: 1 thread against 2.")
    parser.add_argument("--model", choices=["implicit-mf", "biased-mf"], default="implicit-mf")
    parser.add_argument("--rounds", type=int, default=2, help="child processes per count")
    parser.add_argument("--fits", type=int, default=3, help="timed fits per child")
    args = parser.parse_args()
    runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    for _ in range(args.rounds):
        for threads in runs:
            runs[threads] += fits(args.model, threads, args.fits)
    print(f"{args.model}, synthetic 1M, 10 epochs, load {os.getloadavg()[0]:.1f}")
    for threads, found in runs.items():
        wall = statistics.median(r["wall"] for r in found)
        cpu = statistics.median(r["cpu"] for r in found)
        use = cpu / wall
        print(f"  {threads} thread(s): median {wall:.3f} s, CPU {cpu:.3f} s, utilisation {use:.2f}")
    one = statistics.median(r["wall"] for r in runs[1])
    two = statistics.median(r["wall"] for r in runs[2])
    print(f"  2 threads vs 1: {one / two:.2f}x")


if __name__ == "__main__":
    main()
