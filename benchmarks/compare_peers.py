"""Benchmark lenskit-parallel's k-NN and ALS against LensKit 2025.8.1, 2026.4.0 and implicit.

Full run (after ``benchmarks/peers/setup.sh``; takes hours, see benchmarks/README.md):

    uv run --no-sync python benchmarks/compare_peers.py

CI smoke run (our system only, a tiny synthetic set, well under a minute):

    uv run --no-sync python benchmarks/compare_peers.py --smoke
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from compare import driver
from compare.combine import CombineError, combine
from compare.plan import BENCH_DIR, DATASETS, OURS, SMOKE_DATASET, SYSTEMS, TASKS


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--smoke",
        action="store_true",
        help="tiny synthetic data, our system only, 2 repetitions; no peer venvs, no docs",
    )
    p.add_argument("--systems", nargs="+", choices=list(SYSTEMS), default=list(SYSTEMS))
    p.add_argument("--datasets", nargs="+", choices=list(DATASETS), default=list(DATASETS))
    p.add_argument("--tasks", nargs="+", choices=list(TASKS), default=list(TASKS))
    p.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    p.add_argument("--reps", type=int, default=5, help="repetitions of each measurement")
    p.add_argument("--out", type=Path, help="output folder (default: benchmarks/results/<time>)")
    p.add_argument(
        "--timeout", type=float, default=3600, help="seconds before a measurement is killed"
    )
    p.add_argument(
        "--repeat-limit",
        type=float,
        default=900,
        help="a cell whose measurement takes longer than this many seconds is not repeated",
    )
    p.add_argument(
        "--no-docs",
        action="store_true",
        help="do not rewrite docs/performance.md and its figures (smoke runs never do)",
    )
    p.add_argument(
        "--resume",
        type=Path,
        metavar="RESULTS_DIR",
        help="continue a stopped run in its folder, with its settings: keep what it "
        "measured, run the rest",
    )
    p.add_argument(
        "--report-only",
        type=Path,
        nargs="+",
        metavar="RESULTS_JSON",
        help="re-render summary, figures (and docs) from a saved results.json; run nothing. "
        "Several runs of different tasks on one machine are reported together, in --out",
    )
    return p


def _check_ours() -> str | None:
    """Why our own packages cannot run here, or None."""
    try:
        import lenskit.als
        import lenskit.batch
        import lenskit.knn
    except ImportError as exc:
        return f"lenskit-parallel is not importable ({exc}); run with `uv run --no-sync`"
    wanted = [
        ("lenskit.knn", lenskit.knn, "ItemKNNScorer"),
        ("lenskit.knn", lenskit.knn, "UserKNNScorer"),
        ("lenskit.als", lenskit.als, "BiasedMFScorer"),
        ("lenskit.als", lenskit.als, "ImplicitMFScorer"),
        ("lenskit.batch", lenskit.batch, "recommend"),
        ("lenskit.batch", lenskit.batch, "predict"),
    ]
    missing = [f"{mod}.{name}" for mod, obj, name in wanted if not hasattr(obj, name)]
    return f"not implemented yet: {', '.join(missing)}" if missing else None


def _report_only(saved: list[Path], out: Path | None, *, update_docs: bool) -> int:
    """Render saved runs; several are combined into one report written to *out*."""
    runs = [json.loads(path.read_text()) for path in saved]
    if len(runs) == 1:
        out, results = out or saved[0].parent, runs[0]
    elif out is None:
        _parser().error("--report-only with several runs needs --out for the combined report")
    else:
        try:
            results = combine(runs)
        except CombineError as exc:
            _parser().error(f"--report-only: {exc}")
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(results, indent=1, default=str))
    driver.write_outputs(results, out, update_docs and not results["meta"].get("smoke"))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    for name, value in (("--reps", args.reps), ("--timeout", args.timeout)):
        if value < 1:
            _parser().error(f"{name} must be at least 1, got {value}")
    if any(t < 1 for t in args.threads):
        _parser().error(f"--threads must be positive, got {args.threads}")
    if args.report_only:
        return _report_only(args.report_only, args.out, update_docs=not args.no_docs)
    problem = _check_ours()
    if problem:
        print(f"compare_peers: {problem}", file=sys.stderr)
        return 2
    if args.resume:
        saved = args.resume / "results.json"
        if not saved.is_file():
            _parser().error(f"--resume: no results.json in {args.resume}")
        used = argv if argv is not None else sys.argv[1:]
        try:
            return driver.resume(json.loads(saved.read_text()), args.resume.resolve(), used)
        except ValueError as exc:
            _parser().error(f"--resume {args.resume}: {exc}")
    if args.smoke:
        systems, datasets, reps = [SYSTEMS[OURS]], [SMOKE_DATASET], min(args.reps, 2)
        out = args.out or BENCH_DIR / "results" / "smoke"
    else:
        systems = [SYSTEMS[n] for n in args.systems]
        datasets = [DATASETS[n] for n in args.datasets]
        reps = args.reps
        out = args.out or BENCH_DIR / "results" / time.strftime("%Y%m%d-%H%M%S")
    skipped = {s.name: r for s in systems if (r := s.unavailable_reason()) is not None}
    for name, reason in skipped.items():
        print(f"compare_peers: skipping {SYSTEMS[name].label}: {reason}", file=sys.stderr)
    config = driver.RunConfig(
        command=shlex.join(["python", "benchmarks/compare_peers.py", *(argv or sys.argv[1:])]),
        datasets=datasets,
        tasks=driver.task_list(args.tasks),
        systems=[s for s in systems if s.name not in skipped],
        threads=sorted(set(args.threads)),
        reps=reps,
        out=out.resolve(),
        timeout=args.timeout,
        repeat_limit=args.repeat_limit,
        smoke=args.smoke,
        update_docs=not args.smoke and not args.no_docs,
        skipped_systems=skipped,
    )
    return driver.run(config)


if __name__ == "__main__":
    sys.exit(main())
