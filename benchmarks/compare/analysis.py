"""Turns raw measurements into medians, ratios, target verdicts and the fit yardstick.

Everything here is a pure function of the results document, so a saved run
can be re-analysed (``compare_peers.py --report-only``) without re-running it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .plan import OURS, TASKS

STAGES = ("fit", "score", "recommend")
BYTES_PER_MULTIPLY_ADD = 8
"""A co-occurrence multiply-add streams one co-rated entry: a 4-byte index and a 4-byte value."""
LK2025 = "lenskit-2025.8.1"
LK2026 = "lenskit-2026.4.0"
IMPLICIT = "implicit"


@dataclass(frozen=True)
class Stat:
    """Median and spread of repeated measurements."""

    median: float
    low: float
    high: float
    n: int

    @property
    def spread(self) -> float:
        """(max - min) / median: how much the repetitions disagree."""
        return (self.high - self.low) / self.median if self.median else 0.0


def summarize(values: Iterable[float]) -> Stat | None:
    data = np.asarray(list(values), dtype=np.float64)
    if data.size == 0:
        return None
    return Stat(float(np.median(data)), float(data.min()), float(data.max()), int(data.size))


Key = tuple[str, str, int, str]
"""(dataset, task, threads, system)."""


def _ok(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in results["measurements"] if m.get("ok")]


def stage_times(results: dict[str, Any]) -> dict[tuple[str, str, int, str, str], Stat]:
    """Median seconds per (dataset, task, threads, system, stage)."""
    groups: dict[tuple[str, str, int, str, str], list[float]] = defaultdict(list)
    for m in _ok(results):
        for stage, seconds in m["seconds"].items():
            if stage in STAGES:
                groups[(m["dataset"], m["task"], m["threads"], m["system"], stage)].append(seconds)
    return {k: s for k, v in groups.items() if (s := summarize(v)) is not None}


def fit_memory(results: dict[str, Any]) -> dict[Key, tuple[Stat, Stat]]:
    """Median (peak RSS during the fit, growth during the fit) in MiB per cell."""
    peaks: dict[Key, list[float]] = defaultdict(list)
    growth: dict[Key, list[float]] = defaultdict(list)
    for m in _ok(results):
        rss = m["rss_kib"]
        key = (m["dataset"], m["task"], m["threads"], m["system"])
        peaks[key].append(rss["fit_peak"] / 1024)
        growth[key].append((rss["fit_peak"] - rss["fit_start"]) / 1024)
    out: dict[Key, tuple[Stat, Stat]] = {}
    for key, values in peaks.items():
        peak, grown = summarize(values), summarize(growth[key])
        if peak is not None and grown is not None:
            out[key] = (peak, grown)
    return out


def process_peak(results: dict[str, Any]) -> dict[Key, Stat]:
    """Median peak RSS of the whole worker process up to the end of its last stage, MiB."""
    groups: dict[Key, list[float]] = defaultdict(list)
    for m in _ok(results):
        key = (m["dataset"], m["task"], m["threads"], m["system"])
        groups[key].append(m["peak_rss_kib"] / 1024)
    return {k: s for k, v in groups.items() if (s := summarize(v)) is not None}


@dataclass(frozen=True)
class Ratio:
    """Ours against one peer on one cell and stage: time ratio ours / peer."""

    dataset: str
    task: str
    stage: str
    threads: int
    peer: str
    ours: Stat
    theirs: Stat

    @property
    def value(self) -> float:
        return self.ours.median / self.theirs.median


def ratios(results: dict[str, Any]) -> list[Ratio]:
    times = stage_times(results)
    out = []
    for (dataset, task, threads, system, stage), theirs in sorted(times.items()):
        if system == OURS:
            continue
        ours = times.get((dataset, task, threads, OURS, stage))
        if ours is not None:
            out.append(Ratio(dataset, task, stage, threads, system, ours, theirs))
    return out


CANDIDATE_NS_TARGET = 2.0
"""Item-kNN top-N: at most this many ns per candidate per core (issue 15)."""


def candidate_costs(results: dict[str, Any]) -> dict[tuple[str, str, int], float]:
    """Our item-kNN top-N cost in ns per candidate per core, per (dataset, task, threads).

    A candidate is one neighbour of one item a user rated (the worker counts
    them from the fitted model); the median recommend time times the thread
    count is the core time they took.
    """
    times = stage_times(results)
    candidates: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    for m in _ok(results):
        count = m.get("counts", {}).get("candidates")
        if m["system"] == OURS and count:
            candidates[(m["dataset"], m["task"], m["threads"])].append(count)
    out = {}
    for (dataset, task, threads), counts in candidates.items():
        stat = times.get((dataset, task, threads, OURS, "recommend"))
        if stat is not None:
            out[(dataset, task, threads)] = stat.median * threads * 1e9 / max(counts)
    return out


@dataclass(frozen=True)
class Verdict:
    """One target checked on one data set (and thread count, where it applies)."""

    target: str
    dataset: str
    threads: str
    measured: str
    required: str
    met: bool


Times = dict[tuple[str, str, int, str, str], Stat]


@dataclass(frozen=True)
class SpeedTarget:
    """Ours must be ``factor`` times faster than ``peer`` on one task and stage."""

    name: str
    task: str
    stage: str
    peer: str
    factor: float
    against_best: bool = False
    """Compare with the peer's best time at any thread count, not at equal threads."""


SPEED_TARGETS = (
    SpeedTarget("item-kNN explicit fit vs LK 2025.8.1", "item-explicit", "fit", LK2025, 4),
    SpeedTarget("item-kNN explicit fit vs LK 2026.4.0", "item-explicit", "fit", LK2026, 1.5),
    SpeedTarget(
        "item-kNN batch top-10 vs LK 2025.8.1's best",
        "item-explicit",
        "recommend",
        LK2025,
        50,
        against_best=True,
    ),
    SpeedTarget("item-kNN batch top-10 vs implicit", "item-implicit", "recommend", IMPLICIT, 1),
    SpeedTarget("user-kNN batch top-10 vs LK 2025.8.1", "user-explicit", "recommend", LK2025, 10),
    SpeedTarget("implicit item-kNN fit vs implicit", "item-implicit", "fit", IMPLICIT, 1),
    SpeedTarget("BiasedMF fit vs LK 2026.4.0", "biased-mf", "fit", LK2026, 2),
    SpeedTarget("ImplicitMF fit vs LK 2026.4.0", "implicit-mf", "fit", LK2026, 2),
    SpeedTarget("ImplicitMF fit vs implicit", "implicit-mf", "fit", IMPLICIT, 1),
    SpeedTarget("ImplicitMF batch top-10 vs implicit", "implicit-mf", "recommend", IMPLICIT, 1),
)

SCALING_DATASET = "syn-1m"
"""Where the matrix factorisation fits must scale: 2 threads at least this much faster than 1."""
SCALING_FACTOR = 1.8

QUALITY_TARGETS = (
    # (task, peer, metric direction, tolerance): ours within the tolerance of the peer
    ("biased-mf", LK2026, "lower", 0.01),
    ("implicit-mf", LK2026, "higher", 0.02),
    ("implicit-mf", IMPLICIT, "higher", 0.02),
)


def _speed_verdicts(times: Times, dataset: str, target: SpeedTarget) -> list[Verdict]:
    peer_times = {
        th: stat
        for (d, task, th, system, stage), stat in times.items()
        if (d, task, system, stage) == (dataset, target.task, target.peer, target.stage)
    }
    out = []
    for (d, task, th, system, stage), ours in sorted(times.items()):
        if (d, task, system, stage) != (dataset, target.task, OURS, target.stage):
            continue
        if target.against_best and peer_times:
            theirs: Stat | None = min(peer_times.values(), key=lambda s: s.median)
        else:
            theirs = peer_times.get(th)
        if theirs is None:
            continue
        speedup = theirs.median / ours.median
        measured = f"{speedup:.2f}x faster" if speedup >= 1 else f"{1 / speedup:.2f}x slower"
        out.append(
            Verdict(
                target.name,
                dataset,
                str(th),
                measured,
                f">= {target.factor:g}x",
                speedup >= target.factor,
            )
        )
    return out


def targets(results: dict[str, Any]) -> list[Verdict]:
    """The issues' targets, checked on every data set of the run."""
    times = stage_times(results)
    memory = fit_memory(results)
    out: list[Verdict] = []
    costs = candidate_costs(results)
    for dataset in results["meta"]["datasets"]:
        for target in SPEED_TARGETS:
            out += _speed_verdicts(times, dataset, target)
        out += _candidate_verdicts(costs, dataset)
        out += _memory_verdicts(memory, dataset)
        out += _quality_verdicts(results.get("crosscheck", {}).get("quality", []), dataset)
    out += _scaling_verdicts(times)
    return out


def _scaling_verdicts(times: Times) -> list[Verdict]:
    out = []
    for task in (t for t, spec in TASKS.items() if spec.mf is not None):
        one = times.get((SCALING_DATASET, task, 1, OURS, "fit"))
        two = times.get((SCALING_DATASET, task, 2, OURS, "fit"))
        if one is None or two is None:
            continue
        speedup = one.median / two.median
        out.append(
            Verdict(
                f"{task} fit: 2 threads vs 1",
                SCALING_DATASET,
                "2",
                f"{speedup:.2f}x",
                f">= {SCALING_FACTOR:g}x",
                speedup >= SCALING_FACTOR,
            )
        )
    return out


def _quality_verdicts(quality: list[dict[str, Any]], dataset: str) -> list[Verdict]:
    found = {(q["task"], q["system"]): q for q in quality if q["dataset"] == dataset}
    out = []
    for task, peer, direction, tolerance in QUALITY_TARGETS:
        ours, theirs = found.get((task, OURS)), found.get((task, peer))
        if ours is None or theirs is None:
            continue
        mine, other = ours["value"], theirs["value"]
        if direction == "lower":
            met, bound = mine <= other * (1 + tolerance), f"<= {other * (1 + tolerance):.4f}"
        else:
            met, bound = mine >= other * (1 - tolerance), f">= {other * (1 - tolerance):.4f}"
        out.append(
            Verdict(
                f"{task} mean {ours['metric']} within {100 * tolerance:g}% of {peer}",
                dataset,
                "1",
                f"{mine:.4f} vs {other:.4f}",
                bound,
                bool(met),
            )
        )
    return out


def _candidate_verdicts(costs: dict[tuple[str, str, int], float], dataset: str) -> list[Verdict]:
    return [
        Verdict(
            "item-kNN explicit top-10 cost per candidate",
            dataset,
            str(threads),
            f"{ns:.1f} ns per candidate per core",
            f"<= {CANDIDATE_NS_TARGET:g} ns",
            ns <= CANDIDATE_NS_TARGET,
        )
        for (d, task, threads), ns in sorted(costs.items())
        if d == dataset and task == "item-explicit"
    ]


def _memory_verdicts(memory: dict[Key, tuple[Stat, Stat]], dataset: str) -> list[Verdict]:
    out = []
    for (d, task, t, system), (peak, _) in sorted(memory.items()):
        if d != dataset or system == OURS:
            continue
        ours = memory.get((d, task, t, OURS))
        if ours is None:
            continue
        mine = ours[0].median
        if system == IMPLICIT:
            limit, required = 1.5 * peak.median, "<= 1.5x implicit"
        else:
            limit, required = peak.median, f"< {system}"
        out.append(
            Verdict(
                f"peak RSS of {task} fit vs {system}",
                dataset,
                str(t),
                f"{mine:.0f} vs {peak.median:.0f} MiB",
                required,
                mine < limit if system != IMPLICIT else mine <= limit,
            )
        )
    return out


@dataclass(frozen=True)
class Yardstick:
    """Item-kNN fit work rate against what memory bandwidth allows, per core."""

    dataset: str
    task: str
    system: str
    threads: int
    multiply_adds: int
    fit_seconds: float
    per_core_rate: float
    """Multiply-adds per second per thread."""
    bandwidth_bound: float
    """Multiply-adds per second one core could stream at the measured copy bandwidth."""

    @property
    def fraction(self) -> float:
        return self.per_core_rate / self.bandwidth_bound


def yardsticks(results: dict[str, Any]) -> list[Yardstick]:
    bandwidth = results["meta"]["machine"].get("copy_bandwidth")
    if not bandwidth:
        return []
    bound = bandwidth["gb_per_s"] * 1e9 / BYTES_PER_MULTIPLY_ADD
    datasets = results["meta"]["datasets"]
    out = []
    for (dataset, task, threads, system, stage), stat in sorted(stage_times(results).items()):
        if stage != "fit" or not task.startswith("item-"):
            continue
        work = int(datasets[dataset]["multiply_adds"])
        rate = work / stat.median / threads
        out.append(Yardstick(dataset, task, system, threads, work, stat.median, rate, bound))
    return out


def speedups(results: dict[str, Any]) -> dict[tuple[str, str, str, str], dict[int, float]]:
    """Speed-up over the 1-thread time, per (dataset, task, system, stage) and thread count."""
    times = stage_times(results)
    out: dict[tuple[str, str, str, str], dict[int, float]] = defaultdict(dict)
    for (dataset, task, threads, system, stage), stat in times.items():
        base = times.get((dataset, task, 1, system, stage))
        if base is not None:
            out[(dataset, task, system, stage)][threads] = base.median / stat.median
    return dict(out)


CG_STEPS = 3
"""Conjugate-gradient steps per row and half-epoch (ours' and implicit's default)."""


def mf_multiply_adds(
    n_users: int, n_items: int, nnz: int, k: int, *, solver: str, implicit: bool
) -> int:
    """Multiply-adds of one ALS epoch (a user half and an item half), as the algorithm needs them.

    Per row with ``n`` entries: Cholesky forms the upper triangle of the
    row's Gram matrix (``n k (k+1) / 2``) and its right-hand side (``n k``),
    factors it (``k^3 / 6``) and solves (``k^2``). Conjugate gradient
    computes the residual and then ``CG_STEPS`` matrix-vector products,
    each a dot product and a scaled addition per entry (``2 n k``) plus, for
    implicit feedback, a product with the Gram matrix of all rows of the
    other side (``k^2``), and a few vector updates (``5 k``). Implicit
    feedback also forms that Gram matrix once per half (``k (k+1) / 2`` per
    row of the other side).
    """
    rows = n_users + n_items
    visits = 2 * nnz
    work = 0
    if implicit:
        work += rows * k * (k + 1) // 2
    if solver == "cg":
        products = CG_STEPS + 1
        work += visits * 2 * k * products + rows * 5 * k * CG_STEPS
        if implicit:
            work += rows * k * k * products
    else:
        work += visits * (k * (k + 1) // 2 + k) + rows * (k**3 // 6 + k * k)
    return work


@dataclass(frozen=True)
class ComputeYardstick:
    """A matrix factorisation fit's arithmetic rate against one core's matrix-product rate."""

    dataset: str
    task: str
    system: str
    threads: int
    solver: str
    flops_per_epoch: float
    fit_seconds: float
    per_core_gflops: float
    peak_gflops: float

    @property
    def fraction(self) -> float:
        return self.per_core_gflops / self.peak_gflops


def compute_yardsticks(results: dict[str, Any]) -> list[ComputeYardstick]:
    """The fit's flops (2 per multiply-add of `mf_multiply_adds`) per second per thread."""
    peak = results["meta"]["machine"].get("single_core")
    if not peak:
        return []
    solvers = {
        (m["dataset"], m["task"], m["threads"], m["system"]): m.get("details", {}).get("solver")
        for m in _ok(results)
    }
    datasets = results["meta"]["datasets"]
    out = []
    for (dataset, task, threads, system, stage), stat in sorted(stage_times(results).items()):
        spec = TASKS.get(task)
        solver = solvers.get((dataset, task, threads, system))
        if stage != "fit" or spec is None or spec.mf is None or solver is None:
            continue
        d = datasets[dataset]
        nnz = int(d.get("n_train", d["n_ratings"]))
        work = mf_multiply_adds(
            int(d["n_users"]),
            int(d["n_items"]),
            nnz,
            spec.mf.features,
            solver=solver,
            implicit=task == "implicit-mf",
        )
        flops = 2 * work
        rate = flops * spec.mf.epochs / stat.median / threads / 1e9
        out.append(
            ComputeYardstick(
                dataset, task, system, threads, solver, flops, stat.median, rate, peak["gflops"]
            )
        )
    return out
