"""Renders a results document as Markdown: ratios, medians, memory, targets, checks.

The same text goes into the run folder (``summary.md``) and, for a full run,
into the generated section of ``docs/performance.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import analysis
from .analysis import Stat
from .plan import SYSTEMS, TASKS, dataset_spec


def _seconds(value: float) -> str:
    if value >= 100:
        return f"{value:.0f} s"
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 0.01:
        return f"{value * 1000:.0f} ms"
    return f"{value * 1000:.1f} ms"


def _stat(stat: Stat) -> str:
    return f"{_seconds(stat.median)} ({_seconds(stat.low)}-{_seconds(stat.high)}, n={stat.n})"


def _label(name: str, kind: str) -> str:
    if kind == "system":
        return SYSTEMS[name].label if name in SYSTEMS else name
    if kind == "task":
        return TASKS[name].label if name in TASKS else name
    spec = dataset_spec(name)
    return spec.label if spec else name


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _order(results: dict[str, Any]) -> tuple[list[str], list[str]]:
    datasets = list(results["meta"]["datasets"])
    systems = [s for s in results["meta"]["systems"] if results["meta"]["systems"][s]["available"]]
    return datasets, systems


def _systems_section(results: dict[str, Any]) -> list[str]:
    versions: dict[str, dict[str, Any]] = {}
    for m in results["measurements"]:
        if m.get("ok") and m["system"] not in versions:
            versions[m["system"]] = {
                "python": m.get("python"),
                "gil": "GIL" if m.get("gil_enabled") else "free-threaded",
                **m.get("details", {}).get("versions", {}),
            }
    rows = []
    for name, info in results["meta"]["systems"].items():
        if info["available"]:
            v = versions.get(name, {})
            detail = ", ".join(f"{k} {val}" for k, val in v.items() if k not in {"python", "gil"})
            where = f"Python {v.get('python', '?')} ({v.get('gil', '?')})"
            rows.append([_label(name, "system"), where, detail or "-"])
        else:
            rows.append([_label(name, "system"), "not run", info["reason"]])
    return _table(["system", "interpreter", "packages"], rows)


def _ratio_section(results: dict[str, Any]) -> list[str]:
    ratios = analysis.ratios(results)
    costs = analysis.candidate_costs(results)
    peers = sorted({r.peer for r in ratios}, key=list(SYSTEMS).index)
    cells: dict[tuple[str, str, str, int], dict[str, str]] = {}
    for r in ratios:
        faster = 1 / r.value
        text = (
            f"{r.value:.3f} ({faster:.1f}x faster)"
            if faster >= 1
            else f"{r.value:.2f} ({r.value:.1f}x slower)"
        )
        cells.setdefault((r.dataset, r.task, r.stage, r.threads), {})[r.peer] = text

    def cost(d: str, t: str, stage: str, th: int) -> str:
        ns = costs.get((d, t, th)) if stage == "recommend" else None
        return "" if ns is None else f"{ns:.1f}"

    rows = [
        [
            _label(d, "dataset"),
            _label(t, "task"),
            stage,
            str(th),
            *(c.get(p, "") for p in peers),
            cost(d, t, stage, th),
        ]
        for (d, t, stage, th), c in cells.items()
    ]
    header = [
        "data",
        "task",
        "stage",
        "threads",
        *(_label(p, "system") for p in peers),
        "ours: ns per candidate per core",
    ]
    lines = _table(header, rows) if rows else ["No peer ran, so there are no ratios."]
    if costs:
        lines += [
            "",
            "Our item-kNN top-10 cost per candidate, on every data set and thread count "
            "measured: "
            + "; ".join(
                f"{_label(d, 'dataset')} {t} at {th} thread{'s' if th > 1 else ''}: {ns:.1f} ns"
                for (d, t, th), ns in sorted(costs.items())
            )
            + " (a candidate is one neighbour of one item a user rated).",
        ]
    return lines


def _times_section(results: dict[str, Any]) -> list[str]:
    times = analysis.stage_times(results)
    datasets, systems = _order(results)
    rows = []
    for d in datasets:
        for task in TASKS:
            for stage in analysis.STAGES:
                for th in sorted({k[2] for k in times}):
                    cells = [times.get((d, task, th, s, stage)) for s in systems]
                    if any(cells):
                        row = [_label(d, "dataset"), task, stage, str(th)]
                        rows.append(row + [_stat(c) if c else "" for c in cells])
    header = ["data", "task", "stage", "threads", *(_label(s, "system") for s in systems)]
    return _table(header, rows)


def _memory_section(results: dict[str, Any]) -> list[str]:
    memory = analysis.fit_memory(results)
    process = analysis.process_peak(results)
    datasets, systems = _order(results)
    rows = []
    for d in datasets:
        for task in TASKS:
            for th in sorted({k[2] for k in memory}):
                cells = []
                for s in systems:
                    fit = memory.get((d, task, th, s))
                    whole = process.get((d, task, th, s))
                    cells.append(
                        f"{fit[0].median:.0f} (+{fit[1].median:.0f}) / {whole.median:.0f}"
                        if fit and whole
                        else ""
                    )
                if any(cells):
                    rows.append([_label(d, "dataset"), task, str(th), *cells])
    header = ["data", "task", "threads", *(_label(s, "system") for s in systems)]
    return _table(header, rows)


def _targets_section(results: dict[str, Any]) -> list[str]:
    verdicts = analysis.targets(results)
    if not verdicts:
        return ["No target could be checked: the peers did not run."]
    rows = [
        [
            v.target,
            _label(v.dataset, "dataset"),
            v.threads,
            v.measured,
            v.required,
            "met" if v.met else "**missed**",
        ]
        for v in verdicts
    ]
    return _table(["target", "data", "threads", "measured", "required", "verdict"], rows)


def _yardstick_section(results: dict[str, Any]) -> list[str]:
    sticks = analysis.yardsticks(results)
    bandwidth = results["meta"]["machine"].get("copy_bandwidth")
    if not sticks or not bandwidth:
        return ["No item-kNN fit was measured."]
    lines = [
        f"Single-core copy bandwidth: **{bandwidth['gb_per_s']:.1f} GB/s** (read + write, "
        f"`np.copyto` of {bandwidth['bytes'] / 2**20:.0f} MiB). At "
        f"{analysis.BYTES_PER_MULTIPLY_ADD} bytes streamed per co-occurrence multiply-add, one "
        f"core could do at most **{sticks[0].bandwidth_bound / 1e9:.2f} G multiply-adds/s**.",
        "",
    ]
    rows = [
        [
            _label(y.dataset, "dataset"),
            y.task,
            _label(y.system, "system"),
            str(y.threads),
            f"{y.multiply_adds / 1e9:.3g} G",
            _seconds(y.fit_seconds),
            f"{y.per_core_rate / 1e9:.3f} G/s",
            f"{100 * y.fraction:.1f}%",
        ]
        for y in sticks
    ]
    header = ["data", "task", "system", "threads", "multiply-adds", "fit", "per core", "of bound"]
    return lines + _table(header, rows)


def _compute_yardstick_section(results: dict[str, Any]) -> list[str]:
    sticks = analysis.compute_yardsticks(results)
    peak = results["meta"]["machine"].get("single_core")
    if not sticks or not peak:
        return ["No matrix factorisation fit was measured."]
    lines = [
        f"Single-core arithmetic rate: **{peak['gflops']:.1f} GFLOP/s** (float32 matrix product "
        f"of {peak['size']:.0f} x {peak['size']:.0f} with numpy's BLAS on one thread). Flops per "
        "epoch count what each system's solver needs (2 per multiply-add of the Gram products, "
        "factorisations, solves and conjugate-gradient steps; see `mf_multiply_adds` in "
        "`benchmarks/compare/analysis.py`), not what it happens to execute.",
        "",
    ]
    rows = [
        [
            _label(y.dataset, "dataset"),
            y.task,
            _label(y.system, "system"),
            y.solver,
            str(y.threads),
            f"{y.flops_per_epoch / 1e9:.3g} G",
            _seconds(y.fit_seconds),
            f"{y.per_core_gflops:.2f}",
            f"{100 * y.fraction:.1f}%",
        ]
        for y in sticks
    ]
    header = [
        "data",
        "task",
        "system",
        "solver",
        "threads",
        "flops/epoch",
        "fit",
        "GFLOP/s per core",
        "of sgemm",
    ]
    return lines + _table(header, rows)


def _quality_section(results: dict[str, Any]) -> list[str]:
    rows = [
        [
            _label(q["dataset"], "dataset"),
            q["task"],
            _label(q["system"], "system"),
            q["metric"],
            f"{q['value']:.4f} ({q['low']:.4f}-{q['high']:.4f}, n={q['runs']})",
            f"{100 * q['coverage']:.1f}%",
        ]
        for q in results.get("crosscheck", {}).get("quality", [])
    ]
    if not rows:
        return ["No matrix factorisation quality was measured."]
    header = ["data", "task", "system", "metric", "mean (min-max, seeds)", "coverage"]
    return [
        "Every system fits on the same training part of a fixed per-user holdout split and is "
        "measured on the held-out part: RMSE of the predicted ratings (lower is better; coverage: "
        "held-out pairs predicted) and nDCG@10 of the top-10 lists (higher is better; coverage: "
        "test users with a list). Each repetition starts from other random embeddings (seed "
        "42, 43, ...); the mean over them is compared, at 1 thread.",
        "",
        *_table(header, rows),
    ]


def _crosscheck_section(results: dict[str, Any]) -> list[str]:
    checks = results.get("crosscheck", {})
    lines: list[str] = []
    score_rows = [
        [
            _label(c["dataset"], "dataset"),
            c["task"],
            _label(c["peer"], "system"),
            str(c["pairs"]),
            str(c["both_scored"]),
            str(c["differ_over_tolerance"]),
            f"{c['max_abs_diff']:.2g}",
            str(c["scored_only_by_ours"]),
            str(c["scored_only_by_peer"]),
        ]
        for c in checks.get("scores", [])
    ]
    if score_rows:
        header = [
            "data",
            "task",
            "peer",
            "pairs",
            "both scored",
            "differ > 0.01",
            "max diff",
            "only ours",
            "only peer",
        ]
        lines += [
            "Predictions on the fixed pairs, ours against the peer:",
            "",
            *_table(header, score_rows),
            "",
        ]
    list_rows = [
        [
            _label(c["dataset"], "dataset"),
            c["task"],
            _label(c["peer"], "system"),
            str(c["users"]),
            f"{100 * c['mean_overlap']:.1f}%",
            str(c["identical_lists"]),
        ]
        for c in checks.get("lists", [])
    ]
    if list_rows:
        header = ["data", "task", "peer", "users", "mean top-10 overlap", "identical lists"]
        lines += ["Top-10 lists, ours against the peer:", "", *_table(header, list_rows), ""]
    det_rows = [
        [
            _label(c["dataset"], "dataset"),
            c["task"],
            ", ".join(
                f"{k.replace('_', ' ')}: {'yes' if v else '**NO**'}" for k, v in c["same"].items()
            )
            + (f" ({c['note']})" if "note" in c else ""),
        ]
        for c in checks.get("threads", [])
    ]
    if det_rows:
        lines += ["Ours at 1 and 2 threads:", "", *_table(["data", "task", "identical"], det_rows)]
    return lines or ["No cross-check outputs were written."]


def _failures_section(results: dict[str, Any]) -> list[str]:
    measurements = results["measurements"]
    lines = [
        f"- {_label(m['system'], 'system')}, {m['dataset']} {m['task']} t={m['threads']} "
        f"rep {m['rep'] + 1}: {m.get('error', '?')}"
        for m in measurements
        if not m.get("ok")
    ]
    counts: dict[tuple[str, str, int, str], list[float]] = {}
    for m in measurements:
        if m.get("ok"):
            key = (m["dataset"], m["task"], m["threads"], m["system"])
            counts.setdefault(key, []).append(m["wall_seconds"])
    reps = results["meta"]["reps"]
    lines += [
        f"- {_label(system, 'system')}, {dataset} {task} t={threads}: {len(walls)} of {reps} "
        f"repetitions (slowest run {max(walls):.0f} s)"
        for (dataset, task, threads, system), walls in counts.items()
        if len(walls) < reps
    ]
    lines += [f"- {s}" for s in results.get("skipped", [])]
    return lines or ["None."]


def _revision(commit: object, dirty: object) -> str:
    return f"{commit}" + (" (with local changes)" if dirty else "")


def _resumed_lines(resumed: list[dict[str, Any]], indent: str = "") -> list[str]:
    """One line per time a run was stopped and resumed (`driver.resume`)."""
    return [
        f"{indent}- Stopped, then resumed with `{r['command']}` on {r['date']} at revision "
        f"{_revision(r.get('git_commit'), r.get('git_dirty'))}: the measurements made before "
        "the stop are kept."
        for r in resumed
    ]


def _combined_lines(meta: dict[str, Any]) -> list[str]:
    """For each further run reported here (`compare.combine`): its tasks, command, date and
    revision, and its own resumptions."""
    lines: list[str] = []
    for r in meta.get("combined_with", []):
        lines.append(
            f"- Reported together with a run of {', '.join(r['tasks'])}: `{r['command']}`, "
            f"{r['date']}, source revision {_revision(r.get('git_commit'), r.get('git_dirty'))}, "
            f"load average at start {r.get('load_average_at_start')}. Each cell's measurements "
            "come from one run, its systems interleaved."
        )
        lines += _resumed_lines(r.get("resumed", []), indent="  ")
    return lines


def render(results: dict[str, Any], images: Sequence[tuple[str, str]] = ()) -> str:
    """The whole report; ``images`` are (caption, relative path) pairs to embed."""
    meta = results["meta"]
    machine = meta["machine"]
    out = [
        "## Run",
        "",
        f"- Command: `{meta['command']}`"
        + (f" (tasks {', '.join(meta['first_run_tasks'])})" if "first_run_tasks" in meta else ""),
        f"- Date: {machine['date']}; source revision "
        f"{_revision(machine.get('git_commit'), machine.get('git_dirty'))}",
        f"- Machine: {machine['cpu']}, {machine['usable_cpus']} usable of "
        f"{machine['logical_cpus']} logical CPUs, {machine['memory_gib']} GiB RAM, "
        f"{machine['os']}, Linux {machine['kernel']}; load average at start "
        f"{machine.get('load_average_at_start')}",
        f"- Measurements: {len(results['measurements'])}, each in its own process; "
        f"{meta['reps']} repetitions per cell, systems interleaved; threads {meta['threads']}; "
        f"a cell whose measurement takes longer than {meta['repeat_limit']:.0f} s is not repeated.",
        *_resumed_lines(meta.get("resumed", [])),
        *_combined_lines(meta),
        *(
            f"- {_label(name, 'dataset')}: {info.get('stages_reason') or 'some stages only'} "
            f"(stages run: {', '.join(info['stages'])})."
            for name, info in meta["datasets"].items()
            if info.get("stages") is not None
        ),
        "",
        *_systems_section(results),
        "",
        "## Ratios: our time / peer time at equal threads",
        "",
        "Below 1 means ours is faster. Medians of the repetitions.",
        "",
        *_ratio_section(results),
        "",
        "## Targets",
        "",
        *_targets_section(results),
        "",
        "## Times",
        "",
        "Median (min-max, repetitions) of each stage's wall-clock time inside the worker:"
        " `fit` trains, `score` predicts the 10,000 fixed pairs (matrix factorisation: the "
        "held-out ratings), `recommend` makes top-10 lists for every user with the toolkit's "
        "batch entry point.",
        "",
        *_times_section(results),
        "",
        "## Memory",
        "",
        "Peak resident set during the fit in MiB (growth during the fit in brackets) / peak of "
        "the whole worker process, medians.",
        "",
        *_memory_section(results),
        "",
        "## Yardstick: item-kNN fit against memory bandwidth",
        "",
        *_yardstick_section(results),
        "",
        "## Yardstick: matrix factorisation fit against arithmetic throughput",
        "",
        *_compute_yardstick_section(results),
        "",
        "## Quality of the matrix factorisations",
        "",
        *_quality_section(results),
        "",
        "## Cross-check",
        "",
        *_crosscheck_section(results),
        "",
        "## Failures and skipped measurements",
        "",
        *_failures_section(results),
    ]
    for caption, path in images:
        out += ["", f"![{caption}]({path})"]
    return "\n".join(out) + "\n"
