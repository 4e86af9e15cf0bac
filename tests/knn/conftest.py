"""Shared fixtures for the k-NN tests: MovieLens, fitted scorers, subprocess runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from lenskit.data import Interactions, movielens_small
from lenskit.knn import ItemKNNScorer, UserKNNScorer


@pytest.fixture(scope="session")
def ml() -> Interactions:
    """ml-latest-small, as bundled with lenskit-data."""
    return movielens_small()


@pytest.fixture(scope="session")
def item_knn(ml: Interactions) -> ItemKNNScorer:
    """Item-kNN fitted on ml-latest-small as the Java reference was (k=20)."""
    return ItemKNNScorer(k=20, min_sim=1e-6).fit(ml)


@pytest.fixture(scope="session")
def user_knn(ml: Interactions) -> UserKNNScorer:
    """User-kNN fitted on ml-latest-small as the Java reference was (k=30)."""
    return UserKNNScorer(k=30, min_sim=1e-6).fit(ml)


@pytest.fixture(scope="session", params=["item", "user"])
def scorer(request: pytest.FixtureRequest) -> ItemKNNScorer | UserKNNScorer:
    """Each fitted scorer in turn, for behaviour both share."""
    return request.getfixturevalue(f"{request.param}_knn")


@pytest.fixture(scope="session")
def reference(fixtures_dir: Path):
    """Load one of the Java LensKit reference prediction files."""

    def load(name: str) -> pd.DataFrame:
        return pd.read_csv(fixtures_dir / "reference" / f"{name}-preds.csv")

    return load


def run_python(
    code: str, cwd: Path, threads: int | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (its own Rayon pool), checking it succeeds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LK_")}
    if threads is not None:
        env["LK_NUM_THREADS"] = str(threads)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, f"subprocess failed:\n{proc.stderr}"
    return proc
