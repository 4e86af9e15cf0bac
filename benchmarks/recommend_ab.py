"""Interleaved A/B of the default ``lenskit recommend`` between two installs.

Runs ``BEFORE recommend -o ...`` and ``AFTER recommend -o ...`` in turns
(A B A B ...), so that a drift of the machine spreads over both, and reports
the median wall time of the whole command and of its recommend step (from
the command's own summary), the CPU time, the load average, the speed-up,
and whether the two wrote the same rows.  Any extra arguments are passed to
both commands.

    uv run --no-sync python benchmarks/recommend_ab.py \\
        /path/to/old/.venv/bin/lenskit .venv/bin/lenskit --runs 5
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

_RECOMMEND = re.compile(r"^recommend\s+.* in ([\d.]+) s", re.MULTILINE)


@dataclass(frozen=True)
class Run:
    """One run of one command."""

    wall: float
    recommend: float
    cpu: float
    load: float


def run_once(exe: str, out: Path, extra: list[str]) -> Run:
    """Run ``exe recommend -o out`` and time it."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [exe, "recommend", "-o", str(out), *extra], capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        sys.exit(f"{exe} failed ({proc.returncode}): {proc.stderr.strip()}")
    found = _RECOMMEND.search(proc.stdout)
    if found is None:
        sys.exit(f"{exe}: no 'recommend ... in N s' line in its summary")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Run(wall, float(found[1]), cpu, os.getloadavg()[0])


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Interleaved A/B of the default lenskit recommend."
    )
    parser.add_argument("before", help="the lenskit executable of the old install")
    parser.add_argument("after", help="the lenskit executable of the new install")
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    args, extra = parser.parse_known_args()
    runs: dict[str, list[Run]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as folder:
        outputs = {name: Path(folder) / f"{name}.parquet" for name in runs}
        for i in range(args.runs):
            for name, done in runs.items():
                r = run_once(getattr(args, name), outputs[name], extra)
                done.append(r)
                print(
                    f"run {i + 1} {name:6}: {r.wall:6.2f} s in all, recommend {r.recommend:6.2f} s,"
                    f" cpu {r.cpu:6.2f} s, load {r.load:.1f}",
                    flush=True,
                )
        same = pq.read_table(outputs["before"]).equals(pq.read_table(outputs["after"]))
    medians = {
        name: (statistics.median(r.wall for r in rs), statistics.median(r.recommend for r in rs))
        for name, rs in runs.items()
    }
    for name, (wall, recommend) in medians.items():
        print(f"{name:6}: median {wall:.2f} s in all, recommend step {recommend:.2f} s")
    print(
        f"speed-up: {medians['before'][0] / medians['after'][0]:.2f}x in all, "
        f"{medians['before'][1] / medians['after'][1]:.2f}x for the recommend step"
    )
    print(f"same rows: {'yes' if same else 'NO'}")
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
