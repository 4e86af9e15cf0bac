"""What the comparison measures: data sets, tasks, systems and thread settings.

One place for these facts, so the runner, the analysis and the report agree.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = BENCH_DIR.parent
PEERS_DIR = BENCH_DIR / "peers"
WORKERS_DIR = Path(__file__).resolve().parent / "workers"

N_PAIRS = 10_000
"""How many fixed (user, item) pairs every system scores."""
TOP_N = 10
HOLDOUT_FRACTION = 0.2
"""Share of each user's ratings (of users with at least ``HOLDOUT_MIN_USER`` ratings) held out
for the quality measures of the matrix factorisation tasks."""
HOLDOUT_MIN_USER = 5


@dataclass(frozen=True)
class DatasetSpec:
    """A rating set every system reads from the same Parquet file."""

    name: str
    label: str
    n_users: int = 0
    n_items: int = 0
    n_ratings: int = 0
    seed: int = 42
    movielens: bool = False
    stages: tuple[str, ...] | None = None
    """Only these stages of each task run on this set (None: all of them)."""
    stages_reason: str = ""
    """Why the other stages do not run here; the report says it."""


DATASETS: dict[str, DatasetSpec] = {
    "ml-small": DatasetSpec("ml-small", "ml-latest-small (100k)", movielens=True),
    # Shaped like ML-1M (6k users, 4k items) and a denser ML-10M slice.
    "syn-1m": DatasetSpec("syn-1m", "synthetic 1M", 6_000, 4_000, 1_000_000),
    # Fit only: top-N for all 30,000 users would take LensKit 2025.8.1 hours per cell.
    "syn-5m": DatasetSpec(
        "syn-5m",
        "synthetic 5M",
        30_000,
        12_000,
        5_000_000,
        stages=("fit",),
        stages_reason="fit only: scoring and top-N for every user would take the "
        "slowest peer hours per cell at this size",
    ),
}
SMOKE_DATASET = DatasetSpec("smoke", "synthetic smoke (5k)", 250, 150, 5_000, seed=7)


def dataset_spec(name: str) -> DatasetSpec | None:
    """The data set a saved run calls ``name`` (the smoke set included), or None."""
    return SMOKE_DATASET if name == SMOKE_DATASET.name else DATASETS.get(name)


@dataclass(frozen=True)
class MFSettings:
    """The settings every system trains a matrix factorisation with."""

    features: int = 64
    epochs: int = 10
    regularization: float = 0.1
    weight: float = 40.0
    """Confidence weight of an interaction (implicit feedback; implicit's ``alpha``)."""
    seed: int = 42


@dataclass(frozen=True)
class Task:
    """One algorithm configuration and the stages measured for it."""

    name: str
    label: str
    k: int
    stages: tuple[str, ...]
    save_nbrs: int | None = None
    """Neighbours kept per item by the fit (None: all, LensKit's default)."""
    mf: MFSettings | None = None
    """Matrix factorisation tasks: fit on the training part of the holdout split, score
    (and rank for) its held-out part, and measure quality there."""


TASKS: dict[str, Task] = {
    "item-explicit": Task(
        "item-explicit", "item-kNN explicit (k=20)", 20, ("fit", "score", "recommend")
    ),
    "user-explicit": Task(
        "user-explicit", "user-kNN explicit (k=30)", 30, ("fit", "score", "recommend")
    ),
    # implicit's CosineRecommender keeps its K best neighbours per item; keeping as
    # many (save_nbrs) makes the two models the same size.
    "item-implicit": Task(
        "item-implicit",
        "item-kNN implicit (k=20, 20 saved per item)",
        20,
        ("fit", "recommend"),
        save_nbrs=20,
    ),
    "biased-mf": Task(
        "biased-mf",
        "BiasedMF ALS (64 features, 10 epochs, reg 0.1)",
        0,
        ("fit", "score", "recommend"),
        mf=MFSettings(),
    ),
    "implicit-mf": Task(
        "implicit-mf",
        "ImplicitMF ALS (64 features, 10 epochs, reg 0.1, weight 40)",
        0,
        ("fit", "recommend"),
        mf=MFSettings(),
    ),
}
MF_TASKS = frozenset(name for name, task in TASKS.items() if task.mf is not None)


@dataclass(frozen=True)
class SystemSpec:
    """A toolkit under test: where its interpreter lives and which worker drives it."""

    name: str
    label: str
    worker: str
    tasks: frozenset[str]
    venv: str | None = None
    """Folder under benchmarks/peers/; None means the workspace interpreter (ours)."""
    notes: tuple[str, ...] = field(default_factory=tuple)

    def python(self) -> Path:
        if self.venv is None:
            return Path(sys.executable)
        return PEERS_DIR / self.venv / "bin" / "python"

    def unavailable_reason(self) -> str | None:
        """Why this system cannot run here, or None when it can."""
        if self.venv is None:
            return None
        status = PEERS_DIR / ".venv-status"
        failed = status / f"{self.name}.failed"
        if failed.exists():
            return f"install failed: {failed.read_text().strip()}"
        if not (status / f"{self.name}.ok").exists() or not self.python().exists():
            return f"not set up: run benchmarks/peers/setup.sh {self.name}"
        return None


SYSTEMS: dict[str, SystemSpec] = {
    "ours": SystemSpec("ours", "lenskit-parallel", "worker_ours.py", frozenset(TASKS)),
    "lenskit-2025.8.1": SystemSpec(
        "lenskit-2025.8.1",
        "LensKit 2025.8.1",
        "worker_lenskit.py",
        frozenset({"item-explicit", "user-explicit"}),
        venv=".venv-lenskit-2025.8.1",
    ),
    "lenskit-2026.4.0": SystemSpec(
        "lenskit-2026.4.0",
        "LensKit 2026.4.0",
        "worker_lenskit.py",
        frozenset({"item-explicit", "user-explicit", "biased-mf", "implicit-mf"}),
        venv=".venv-lenskit-2026.4.0",
    ),
    "implicit": SystemSpec(
        "implicit",
        "implicit 0.7.3",
        "worker_implicit.py",
        frozenset({"item-implicit", "implicit-mf"}),
        venv=".venv-implicit",
    ),
}
OURS = "ours"


def thread_env(threads: int) -> dict[str, str]:
    """Environment that gives every system the same number of threads.

    LensKit (ours and upstream) reads ``LK_NUM_THREADS`` for its own pools and
    ``LK_NUM_BACKEND_THREADS`` for BLAS/PyTorch; the OpenMP and BLAS variables
    cover implicit and any numeric library underneath.
    """
    value = str(threads)
    return {
        "LK_NUM_THREADS": value,
        "LK_NUM_BACKEND_THREADS": value,
        "OMP_NUM_THREADS": value,
        "OPENBLAS_NUM_THREADS": value,
        "MKL_NUM_THREADS": value,
    }
