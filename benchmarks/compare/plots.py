"""Draws the performance page's figures from a results document.

Two figures: time against data size per system (one panel per task and
stage, log-log), and speed-up from 1 to more threads per system. They are
always regenerated from measurements, never edited by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from . import analysis
from .plan import SYSTEMS, TASKS

_STYLE = {
    "ours": ("tab:red", "o"),
    "lenskit-2025.8.1": ("tab:blue", "s"),
    "lenskit-2026.4.0": ("tab:green", "^"),
    "implicit": ("tab:purple", "D"),
}


def _label(system: str) -> str:
    return SYSTEMS[system].label if system in SYSTEMS else system


def time_vs_size(results: dict[str, Any], path: Path) -> Path:
    """Median time of each stage against the number of ratings, per system and thread count."""
    times = analysis.stage_times(results)
    sizes = {name: d["n_ratings"] for name, d in results["meta"]["datasets"].items()}
    panels = [(t, s) for t in TASKS for s in TASKS[t].stages if any(k[1] == t for k in times)]
    cols = 3
    rows = max(1, -(-len(panels) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    for ax, (task, stage) in zip(axes.flat, panels, strict=False):
        for system in SYSTEMS:
            color, marker = _STYLE.get(system, ("black", "x"))
            # 1 thread: solid line, filled marker; 2 threads: dashed, hollow.
            for threads, dash, face in ((1, "-", color), (2, "--", "none")):
                points = sorted(
                    (sizes[d], stat.median)
                    for (d, t, th, s, st), stat in times.items()
                    if (t, th, s, st) == (task, threads, system, stage)
                )
                if points:
                    xs, ys = zip(*points, strict=True)
                    ax.plot(
                        xs,
                        ys,
                        dash,
                        color=color,
                        marker=marker,
                        markerfacecolor=face,
                        label=f"{_label(system)}, {threads} thr",
                    )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{TASKS[task].label}: {stage}", fontsize=9)
        ax.set_xlabel("ratings")
        ax.set_ylabel("seconds (median)")
        ax.grid(True, which="both", alpha=0.3)
    for ax in list(axes.flat)[len(panels) :]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    for ax in list(axes.flat)[1 : len(panels)]:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def speedup_vs_threads(results: dict[str, Any], path: Path) -> Path:
    """Speed-up over 1 thread on the largest data set of the run, per task, stage and system."""
    speedups = analysis.speedups(results)
    sizes = {name: d["n_ratings"] for name, d in results["meta"]["datasets"].items()}
    largest = max(sizes, key=lambda name: sizes[name])
    bars = sorted(
        ((task, stage, system), by_threads)
        for (dataset, task, system, stage), by_threads in speedups.items()
        if dataset == largest and len(by_threads) > 1
    )
    fig, ax = plt.subplots(figsize=(max(6.0, 0.42 * len(bars) + 2), 4))
    max_threads = max((max(b) for _, b in bars), default=2)
    for i, ((task, stage, system), by_threads) in enumerate(bars):
        color, _ = _STYLE.get(system, ("black", "x"))
        ax.bar(i, by_threads[max_threads], color=color, label=_label(system))
        ax.text(i, 0.02, f"{task}\n{stage}", rotation=90, ha="center", va="bottom", fontsize=7)
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.axhline(float(max_threads), color="grey", lw=0.8, ls=":")
    ax.set_xticks([])
    ax.set_ylabel(f"speed-up, {max_threads} threads over 1")
    ax.set_title(f"Speed-up with threads on {largest}", fontsize=10)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles, strict=True))
    ax.legend(unique.values(), unique.keys(), fontsize=8, loc="upper right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
