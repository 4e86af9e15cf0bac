"""Our ALS solvers side by side: fit time and held-out quality of conjugate gradient and Cholesky.

For each data set, model and solver, fits once per seed on the training part
of the peer benchmark's holdout split (`compare.datasets`), and measures
quality on the held-out part the way the peer benchmark does
(`compare.crosscheck.quality`: RMSE for BiasedMF, nDCG@10 for ImplicitMF).
Fit time is the process's CPU time for the fit on one thread (the Rayon pool
is sized to one), which a busy machine changes less than wall time.

    uv run --no-sync python benchmarks/als_solvers.py
    uv run --no-sync python benchmarks/als_solvers.py --datasets ml-small --seeds 3

The table printed is the one in ``docs/als/biased-mf.md``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from compare.crosscheck import quality
from compare.datasets import write_dataset
from compare.plan import DATASETS, TOP_N

SOLVERS = ("cg", "cholesky")


def _cpu_seconds() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_utime


def _dump(scorer: object, task: str, train: object, test: pd.DataFrame, prefix: str) -> None:
    """Write the outputs `quality` reads: held-out predictions, or top-N lists."""
    if task == "biased-mf":
        users, items = test["user_id"].to_numpy(), test["item_id"].to_numpy()
        scores = scorer.score_batch(users, items)  # type: ignore[attr-defined]
        frame = pd.DataFrame({"user_id": users, "item_id": items, "score": scores})
        frame.to_parquet(prefix + "-scores.parquet")
        return
    ids = train.users.ids  # type: ignore[attr-defined]
    recs = scorer.recommend_arrays(ids, TOP_N)  # type: ignore[attr-defined]
    lengths = np.diff(recs.offsets)
    ranks = np.concatenate([np.arange(1, n + 1) for n in lengths]) if len(lengths) else []
    frame = pd.DataFrame(
        {"user_id": np.repeat(ids, lengths), "item_id": recs.item_ids, "rank": ranks}
    )
    frame.to_parquet(prefix + "-recs.parquet")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--datasets", nargs="+", choices=list(DATASETS), default=["ml-small", "syn-1m"]
    )
    parser.add_argument("--seeds", type=int, default=5, help="fits per model and solver")
    args = parser.parse_args(argv)
    os.environ["LK_NUM_THREADS"] = "1"  # before lenskit sizes its pool
    from lenskit.als import BiasedMFScorer, ImplicitMFScorer
    from lenskit.data import Interactions
    from lenskit.parallel import ensure_parallel_init

    ensure_parallel_init()
    models = {"biased-mf": BiasedMFScorer, "implicit-mf": ImplicitMFScorer}
    print("| data | model | solver | fit (CPU s) | held-out quality |")
    print("| --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.datasets:
            files = write_dataset(DATASETS[name], Path(tmp) / name)
            train = Interactions.from_frame(pd.read_parquet(files.train))
            test = pd.read_parquet(files.test)
            for task, cls in models.items():
                for solver in SOLVERS:
                    seconds, values, metric = [], [], ""
                    for seed in range(42, 42 + args.seeds):
                        scorer = cls(seed=seed, solver=solver)
                        start = _cpu_seconds()
                        scorer.fit(train)
                        seconds.append(_cpu_seconds() - start)
                        prefix = str(Path(tmp) / f"{name}-{task}-{solver}-{seed}")
                        _dump(scorer, task, train, test, prefix)
                        measured = quality(prefix, files.test, task, TOP_N)
                        assert measured is not None
                        values.append(measured["value"])
                        metric = measured["metric"]
                    print(
                        f"| {name} | {task} | {solver} | {np.median(seconds):.2f} | "
                        f"{metric} {np.mean(values):.4f} ({min(values):.4f}-{max(values):.4f}, "
                        f"{args.seeds} seeds) |",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
