"""Runs the whole comparison: data, interleaved measurements, cross-checks, outputs.

Measurements are interleaved (for each repetition, every system in turn on
each cell) so a slow drift of the machine spreads over all systems instead of
landing on one. Results are saved after every measurement, so a long run that
is stopped still leaves what it measured.
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import crosscheck, docs_page, machine, report, runner
from .datasets import DatasetFiles, write_dataset
from .plan import (
    MF_TASKS,
    OURS,
    SYSTEMS,
    TASKS,
    TOP_N,
    DatasetSpec,
    SystemSpec,
    Task,
    dataset_spec,
)

LENSKIT_PEERS = ("lenskit-2025.8.1", "lenskit-2026.4.0")
SMOKE_BANDWIDTH_BYTES = 64 * 1024 * 1024


@dataclass
class RunConfig:
    """Everything one invocation decided from its command line."""

    command: str
    datasets: list[DatasetSpec]
    tasks: list[Task]
    systems: list[SystemSpec]
    threads: list[int]
    reps: int
    out: Path
    timeout: float
    repeat_limit: float
    smoke: bool
    update_docs: bool
    skipped_systems: dict[str, str] = field(default_factory=dict)


def _dump_prefix(
    out: Path, dataset: str, task: str, threads: int, system: str, *, rep: int = 0
) -> str:
    suffix = f"-r{rep}" if rep else ""
    return str(out / "outputs" / f"{dataset}-{task}-t{threads}-{system}{suffix}")


def _save(results: dict[str, Any], out: Path) -> None:
    tmp = out / "results.json.tmp"
    tmp.write_text(json.dumps(results, indent=1, default=str))
    tmp.replace(out / "results.json")


def _progress(record: dict[str, Any], done: int, total: int) -> None:
    if record.get("ok"):
        stages = ", ".join(f"{k} {v:.3g}s" for k, v in record["seconds"].items() if k != "load")
        detail = f"{stages}; fit peak {record['rss_kib']['fit_peak'] / 1024:.0f} MiB"
    else:
        detail = f"FAILED: {record.get('error')}"
    print(
        f"[{done}/{total}] {record['dataset']} {record['task']} t={record['threads']} "
        f"{record['system']} rep {record['rep']}: {detail}",
        file=sys.stderr,
        flush=True,
    )


def _measure(config: RunConfig, files: dict[str, DatasetFiles], results: dict[str, Any]) -> None:
    """Run every (repetition, cell) that ``results`` has no successful record of."""
    work = config.out / "work"
    work.mkdir(parents=True, exist_ok=True)
    (config.out / "outputs").mkdir(exist_ok=True)
    cells = [
        (d.name, task, threads, system)
        for d in config.datasets
        for task in config.tasks
        for threads in config.threads
        for system in config.systems
        if task.name in system.tasks
    ]
    total = len(cells) * config.reps
    stopped: dict[tuple[str, str, int, str], str] = {}
    # a resumed run keeps its successful measurements; a failed one is tried again
    results["measurements"] = [m for m in results["measurements"] if m.get("ok")]
    measured = {
        (m["rep"], m["dataset"], m["task"], m["threads"], m["system"]): m
        for m in results["measurements"]
    }
    done = 0
    for rep in range(config.reps):
        for dataset, task, threads, system in cells:
            done += 1
            cell = (dataset, task.name, threads, system.name)
            if cell in stopped:
                continue
            if (earlier := measured.get((rep, *cell))) is not None:
                if earlier["wall_seconds"] > config.repeat_limit:
                    stopped[cell] = "too slow to repeat"
                continue
            dump = None
            if rep == 0 and (threads == 1 or system.name == OURS):
                dump = _dump_prefix(config.out, dataset, task.name, threads, system.name)
            elif task.mf is not None and threads == 1:
                # quality is averaged over the repetitions' seeds
                dump = _dump_prefix(config.out, dataset, task.name, threads, system.name, rep=rep)
            measurement = runner.Measurement(system, files[dataset], task, threads, rep, dump)
            record = runner.run(measurement, work, config.timeout)
            results["measurements"].append(record)
            _save(results, config.out)
            _progress(record, done, total)
            if not record.get("ok"):
                stopped[cell] = "not repeated after a failure"
            elif record["wall_seconds"] > config.repeat_limit and rep + 1 < config.reps:
                # The report lists every cell with fewer repetitions than asked.
                stopped[cell] = "too slow to repeat"


def resume(results: dict[str, Any], out: Path, argv: list[str]) -> int:
    """Continue a stopped run in ``out`` with the settings it started with.

    Raises ValueError when the saved run names a data set, task or system
    this version of the benchmark does not know.
    """
    meta = results["meta"]
    available = [n for n, info in meta["systems"].items() if info["available"]]
    unknown = (
        [n for n in meta["datasets"] if dataset_spec(n) is None]
        + [n for n in meta["tasks"] if n not in TASKS]
        + [n for n in available if n not in SYSTEMS]
    )
    if unknown:
        raise ValueError(f"the saved run names what this benchmark does not know: {unknown}")
    config = RunConfig(
        command=meta["command"],
        datasets=[spec for n in meta["datasets"] if (spec := dataset_spec(n)) is not None],
        tasks=task_list(meta["tasks"]),
        systems=[SYSTEMS[n] for n in available],
        threads=meta["threads"],
        reps=meta["reps"],
        out=out,
        timeout=meta["timeout"],
        repeat_limit=meta["repeat_limit"],
        smoke=meta["smoke"],
        update_docs=not meta["smoke"],
    )
    info = machine.describe(measure_bandwidth=False)
    meta.setdefault("resumed", []).append(
        {
            "command": shlex.join(["python", "benchmarks/compare_peers.py", *argv]),
            "date": info["date"],
            "git_commit": info.get("git_commit"),
            "git_dirty": info.get("git_dirty"),
        }
    )
    results.pop("crosscheck", None)
    started = time.perf_counter()
    files = {d.name: write_dataset(d, out / "data" / d.name) for d in config.datasets}
    return _measure_and_report(config, files, results, started)


def crosscheck_run(results: dict[str, Any], out: Path) -> dict[str, list[dict[str, Any]]]:
    """Compare the outputs the first repetition wrote under ``out`` (see the module doc)."""
    meta = results["meta"]
    names = {name for name, info in meta["systems"].items() if info["available"]}
    checks: dict[str, list[dict[str, Any]]] = {
        "scores": [],
        "lists": [],
        "threads": [],
        "quality": [],
    }
    for dataset in meta["datasets"]:
        for task in meta["tasks"]:
            ours = _dump_prefix(out, dataset, task, 1, OURS)
            if task in MF_TASKS:
                # different solvers from different random starts: compare quality, not scores
                test = meta["datasets"][dataset]["test"]
                for system in (s for s in SYSTEMS if s in names and task in SYSTEMS[s].tasks):
                    prefixes = [
                        _dump_prefix(out, dataset, task, 1, system, rep=rep)
                        for rep in range(meta["reps"])
                    ]
                    if (q := crosscheck.mean_quality(prefixes, test, task, TOP_N)) is not None:
                        checks["quality"].append(
                            {"dataset": dataset, "task": task, "system": system} | q
                        )
            peers = () if task in MF_TASKS else (*LENSKIT_PEERS, "implicit")
            for peer in peers:
                if peer not in names or task not in SYSTEMS[peer].tasks:
                    continue
                theirs = _dump_prefix(out, dataset, task, 1, peer)
                tag = {"dataset": dataset, "task": task, "peer": peer}
                if (scores := crosscheck.compare_scores(ours, theirs)) is not None:
                    checks["scores"].append(tag | scores)
                if (lists := crosscheck.compare_lists(ours, theirs, TOP_N)) is not None:
                    checks["lists"].append(tag | lists)
            for threads in meta["threads"]:
                if threads == 1:
                    continue
                other = _dump_prefix(out, dataset, task, threads, OURS)
                if same := crosscheck.identical_outputs(ours, other):
                    check = {"dataset": dataset, "task": task, "threads": threads, "same": same}
                    builds = {_build(results, dataset, task, t) for t in (1, threads)}
                    if len(builds) > 1:
                        check["note"] = "the extension was rebuilt between the two runs"
                    checks["threads"].append(check)
    return checks


def _build(results: dict[str, Any], dataset: str, task: str, threads: int) -> str | None:
    """Which build of our extension wrote the outputs of the first repetition."""
    for m in results["measurements"]:
        if (m["dataset"], m["task"], m["threads"], m["system"], m["rep"]) == (
            dataset,
            task,
            threads,
            OURS,
            0,
        ):
            return m.get("details", {}).get("accel_sha256")
    return None


def run(config: RunConfig) -> int:
    """Run the comparison and write its outputs; the exit status says whether ours worked."""
    config.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    bandwidth_bytes = SMOKE_BANDWIDTH_BYTES if config.smoke else None
    info = machine.describe(measure_bandwidth=False)
    info["copy_bandwidth"] = (
        machine.copy_bandwidth(bandwidth_bytes) if bandwidth_bytes else machine.copy_bandwidth()
    )
    info["single_core"] = machine.single_core_gflops(256 if config.smoke else 1024)
    files = {d.name: write_dataset(d, config.out / "data" / d.name) for d in config.datasets}
    results: dict[str, Any] = {
        "meta": {
            "command": config.command,
            "machine": info,
            "reps": config.reps,
            "threads": config.threads,
            "repeat_limit": config.repeat_limit,
            "timeout": config.timeout,
            "smoke": config.smoke,
            "datasets": {name: f.to_json() for name, f in files.items()},
            "tasks": [t.name for t in config.tasks],
            "systems": {s.name: {"available": True, "reason": None} for s in config.systems}
            | {
                name: {"available": False, "reason": reason}
                for name, reason in config.skipped_systems.items()
            },
        },
        "measurements": [],
    }
    return _measure_and_report(config, files, results, started)


def _measure_and_report(
    config: RunConfig, files: dict[str, DatasetFiles], results: dict[str, Any], started: float
) -> int:
    """Measure what ``results`` lacks, cross-check, save and write the outputs."""
    _measure(config, files, results)
    results["crosscheck"] = crosscheck_run(results, config.out)
    meta = results["meta"]
    meta["elapsed_seconds"] = meta.get("elapsed_seconds", 0.0) + time.perf_counter() - started
    _save(results, config.out)
    write_outputs(results, config.out, config.update_docs)
    return _status(results)


def write_outputs(results: dict[str, Any], out: Path, update_docs: bool) -> None:
    """The summary and figures in ``out``; the docs page too when asked.

    A run that was stopped early has no cross-check yet: it is made here from
    the outputs its first repetition wrote.
    """
    if "crosscheck" not in results:
        results["crosscheck"] = crosscheck_run(results, out)
        results.setdefault("skipped", []).append("the run was stopped before it finished")
    figures = docs_page.draw_figures(results, out)
    images = [(caption, path.name) for caption, path in figures]
    summary = out / "summary.md"
    summary.write_text("# Peer comparison\n\n" + report.render(results, images))
    if update_docs:
        docs_page.update(results)
        print(f"updated {docs_page.PAGE} and {docs_page.FIGURES}/", file=sys.stderr)
    print(f"results: {out / 'results.json'}\nsummary: {summary}", file=sys.stderr)


def _status(results: dict[str, Any]) -> int:
    """Non-zero when ours failed anywhere or gave different outputs at different thread counts."""
    ours_failed = [m for m in results["measurements"] if m["system"] == OURS and not m.get("ok")]
    for m in ours_failed:
        print(f"ours failed: {m.get('error')}\n{m.get('log_tail', '')}", file=sys.stderr)
    unstable = [
        c
        for c in results["crosscheck"]["threads"]
        if not all(c["same"].values()) and "note" not in c
    ]
    for c in unstable:
        print(f"ours differs across thread counts: {c}", file=sys.stderr)
    return 1 if ours_failed or unstable else 0


def task_list(names: list[str]) -> list[Task]:
    return [TASKS[n] for n in names]
