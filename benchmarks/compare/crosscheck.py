"""Checks, in the same run, that the systems compute what they claim to.

Fast and wrong is no result: our k-NN predictions are compared pair by pair
with upstream LensKit's, our implicit top-10 lists with implicit's, the
matrix factorisations' quality on the held-out ratings (RMSE, nDCG@10) of
every system is measured the same way, and our own outputs at 1 and 2
threads are compared with each other (they must be identical).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

TOLERANCE = 0.01


def _scores(prefix: str) -> pd.DataFrame | None:
    path = Path(prefix + "-scores.parquet")
    return pd.read_parquet(path) if path.exists() else None


def _recs(prefix: str) -> pd.DataFrame | None:
    path = Path(prefix + "-recs.parquet")
    return pd.read_parquet(path) if path.exists() else None


def compare_scores(ours_prefix: str, peer_prefix: str) -> dict[str, Any] | None:
    """How many of the fixed pairs differ by more than 0.01, and how scored-ness differs."""
    ours, theirs = _scores(ours_prefix), _scores(peer_prefix)
    if ours is None or theirs is None:
        return None
    merged = ours.merge(theirs, on=["user_id", "item_id"], suffixes=("_ours", "_peer"))
    a = merged["score_ours"].to_numpy(np.float64)
    b = merged["score_peer"].to_numpy(np.float64)
    both = np.isfinite(a) & np.isfinite(b)
    diff = np.abs(a[both] - b[both])
    over = diff > TOLERANCE
    scored = merged.loc[both].assign(diff=diff)
    worst = scored.loc[scored["diff"] > TOLERANCE].nlargest(5, "diff")
    return {
        "pairs": len(merged),
        "both_scored": int(both.sum()),
        "differ_over_tolerance": int(over.sum()),
        "max_abs_diff": float(diff.max()) if diff.size else 0.0,
        "scored_only_by_ours": int((np.isfinite(a) & ~np.isfinite(b)).sum()),
        "scored_only_by_peer": int((~np.isfinite(a) & np.isfinite(b)).sum()),
        "worst": worst.to_dict("records"),
    }


def _lists(recs: pd.DataFrame) -> dict[object, set[object]]:
    return {u: set(g["item_id"]) for u, g in recs.groupby("user_id")}


def compare_lists(ours_prefix: str, peer_prefix: str, n: int) -> dict[str, Any] | None:
    """Mean overlap of the top-n lists (shared items / n) and how many lists are identical."""
    ours, theirs = _recs(ours_prefix), _recs(peer_prefix)
    if ours is None or theirs is None:
        return None
    mine, other = _lists(ours), _lists(theirs)
    users = sorted(set(mine) | set(other), key=str)
    shared = np.array([len(mine.get(u, set()) & other.get(u, set())) for u in users])
    same = sum(mine.get(u, set()) == other.get(u, set()) for u in users)
    return {
        "users": len(users),
        "mean_overlap": float(shared.mean() / n) if users else 0.0,
        "identical_lists": int(same),
        "users_only_ours": len(set(mine) - set(other)),
        "users_only_peer": len(set(other) - set(mine)),
    }


def identical_outputs(prefix_a: str, prefix_b: str) -> dict[str, Any]:
    """Whether two runs of ours (e.g. 1 and 2 threads) gave exactly the same outputs."""
    out: dict[str, Any] = {}
    sa, sb = _scores(prefix_a), _scores(prefix_b)
    if sa is not None and sb is not None:
        a, b = sa["score"].to_numpy(np.float64), sb["score"].to_numpy(np.float64)
        out["scores_identical"] = bool(np.array_equal(a, b, equal_nan=True))
    ra, rb = _recs(prefix_a), _recs(prefix_b)
    if ra is not None and rb is not None:
        order = ["user_id", "rank"]
        a_rows = ra.sort_values(by=order)[["user_id", "rank", "item_id"]].to_numpy()
        b_rows = rb.sort_values(by=order)[["user_id", "rank", "item_id"]].to_numpy()
        out["recs_identical"] = bool(np.array_equal(a_rows, b_rows))
    return out


def quality(prefix: str, test_path: str, task: str, n: int) -> dict[str, Any] | None:
    """Quality on the held-out ratings: RMSE of predictions (``biased-mf``) or nDCG@n of
    the top-n lists (``implicit-mf``), from one system's dumped outputs."""
    test = pd.read_parquet(test_path)
    if task == "biased-mf":
        scores = _scores(prefix)
        if scores is None:
            return None
        merged = test.merge(scores, on=["user_id", "item_id"], how="left")
        predicted = merged["score"].to_numpy(np.float64)
        scored = np.isfinite(predicted)
        errors = predicted[scored] - merged["rating"].to_numpy(np.float64)[scored]
        return {
            "metric": "RMSE",
            "value": float(np.sqrt(np.mean(errors**2))) if scored.any() else float("nan"),
            "coverage": float(scored.mean()) if len(scored) else 0.0,
        }
    recs = _recs(prefix)
    if recs is None:
        return None
    relevant = {u: set(g["item_id"]) for u, g in test.groupby("user_id")}
    lists = {u: g.sort_values("rank")["item_id"].tolist()[:n] for u, g in recs.groupby("user_id")}
    discount = 1 / np.log2(np.arange(2, n + 2))
    gains = []
    for user, items in relevant.items():
        ranked = lists.get(user, [])
        dcg = sum(discount[r] for r, item in enumerate(ranked) if item in items)
        ideal = discount[: min(len(items), n)].sum()
        gains.append(dcg / ideal)
    return {
        "metric": f"nDCG@{n}",
        "value": float(np.mean(gains)) if gains else float("nan"),
        "coverage": float(np.mean([u in lists for u in relevant])) if relevant else 0.0,
    }


def mean_quality(prefixes: list[str], test_path: str, task: str, n: int) -> dict[str, Any] | None:
    """`quality` averaged over the runs that wrote outputs (one per repetition and seed)."""
    runs = [q for prefix in prefixes if (q := quality(prefix, test_path, task, n)) is not None]
    if not runs:
        return None
    values = [q["value"] for q in runs]
    return {
        "metric": runs[0]["metric"],
        "value": float(np.mean(values)),
        "low": float(np.min(values)),
        "high": float(np.max(values)),
        "runs": len(runs),
        "coverage": float(np.mean([q["coverage"] for q in runs])),
    }
