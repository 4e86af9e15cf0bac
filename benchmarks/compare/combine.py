"""One report from several runs on the same machine that measured different tasks.

The k-NN tasks and the matrix factorisations take about an hour each on two
cores; running them as two runs and reporting them together keeps each run
short enough to be made on a quiet machine.  Only runs that agree on what a
cell means (machine, repetitions, thread counts, time limits) are combined,
and no cell may be measured by two runs, so every figure in the report still
comes from exactly one interleaved run.  The report names every run's command,
date and revision.
"""

from __future__ import annotations

import copy
from typing import Any

_SAME = ("reps", "threads", "repeat_limit", "timeout", "smoke")
"""Settings every combined run must share, or a cell would not mean the same thing."""


class CombineError(ValueError):
    """The runs cannot be reported together; the message says which setting differs."""


def _cells(results: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(m["dataset"], m["task"], m["system"]) for m in results["measurements"]}


def _check(first: dict[str, Any], other: dict[str, Any], index: int) -> None:
    a, b = first["meta"], other["meta"]
    for key in _SAME:
        if a.get(key) != b.get(key):
            raise CombineError(
                f"run {index + 1} has {key} {b.get(key)!r}, run 1 has {a.get(key)!r}"
            )
    if a["machine"]["cpu"] != b["machine"]["cpu"]:
        raise CombineError(
            f"run {index + 1} ran on {b['machine']['cpu']!r}, run 1 on {a['machine']['cpu']!r}"
        )
    shared = _cells(first) & _cells(other)
    if shared:
        dataset, task, system = sorted(shared)[0]
        raise CombineError(
            f"run {index + 1} measured {dataset} {task} {system} too "
            f"({len(shared)} cells in common); each cell must come from one run"
        )


def run_summary(results: dict[str, Any]) -> dict[str, Any]:
    """What the report says about one run: its command, date, revision, load and tasks."""
    meta = results["meta"]
    machine = meta["machine"]
    return {
        "command": meta["command"],
        "date": machine["date"],
        "git_commit": machine.get("git_commit"),
        "git_dirty": machine.get("git_dirty"),
        "load_average_at_start": machine.get("load_average_at_start"),
        "tasks": list(meta["tasks"]),
        "resumed": list(meta.get("resumed", [])),
    }


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The results of *runs* as one document, the first run's machine facts kept.

    Raises `CombineError` when two runs differ in a setting that changes what
    a cell means, ran on different processors, or measured the same cell.
    """
    if not runs:
        raise CombineError("no runs to combine")
    merged = copy.deepcopy(runs[0])
    if len(runs) > 1:
        merged["meta"]["first_run_tasks"] = list(merged["meta"]["tasks"])
    for index, other in enumerate(runs[1:], start=1):
        _check(merged, other, index)
        meta, theirs = merged["meta"], other["meta"]
        meta["tasks"] += [t for t in theirs["tasks"] if t not in meta["tasks"]]
        for name, info in theirs["datasets"].items():
            meta["datasets"].setdefault(name, info)
        for name, info in theirs["systems"].items():
            mine = meta["systems"].setdefault(name, info)
            if info["available"] and not mine["available"]:
                meta["systems"][name] = info
        meta["elapsed_seconds"] = meta.get("elapsed_seconds", 0.0) + theirs.get(
            "elapsed_seconds", 0.0
        )
        meta.setdefault("combined_with", []).append(run_summary(other))
        merged["measurements"] += copy.deepcopy(other["measurements"])
        for key, checks in other.get("crosscheck", {}).items():
            merged.setdefault("crosscheck", {}).setdefault(key, []).extend(copy.deepcopy(checks))
        merged.setdefault("skipped", []).extend(other.get("skipped", []))
    return merged
