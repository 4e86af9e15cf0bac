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

from .plan import OURS

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
    """The issue's targets, checked on every data set of the run."""
    times = stage_times(results)
    memory = fit_memory(results)
    out: list[Verdict] = []
    for dataset in results["meta"]["datasets"]:
        for target in SPEED_TARGETS:
            out += _speed_verdicts(times, dataset, target)
        out += _memory_verdicts(memory, dataset)
    return out


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
