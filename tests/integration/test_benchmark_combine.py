"""The peer benchmark's ``--report-only`` over several runs: one report, every run named.

Two real smoke runs (our system, tiny synthetic data) of different tasks are
combined, as the performance page combines the k-NN and the matrix
factorisation runs.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

# the benchmark draws its figures with matplotlib, a dev dependency of the
# workspace that the free-threaded CI environment does not install
pytest.importorskip("matplotlib", reason="the benchmark's dev dependencies are not installed")

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "compare_peers.py"


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    knn = tmp_path_factory.mktemp("knn")
    mf = tmp_path_factory.mktemp("mf")
    for folder, task in ((knn, "user-explicit"), (mf, "implicit-mf")):
        done = _bench("--smoke", "--reps", "1", "--tasks", task, "--out", str(folder))
        assert done.returncode == 0, done.stderr
    # resuming a finished run measures nothing but is recorded, as a stopped run's would be
    done = _bench("--resume", str(mf))
    assert done.returncode == 0, done.stderr
    return knn / "results.json", mf / "results.json"


def test_runs_of_different_tasks_make_one_report(
    two_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    knn, mf = two_runs
    done = _bench("--report-only", str(knn), str(mf), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr

    runs = [json.loads(path.read_text()) for path in two_runs]
    combined = json.loads((tmp_path / "results.json").read_text())
    assert combined["meta"]["tasks"] == ["user-explicit", "implicit-mf"]
    assert len(combined["measurements"]) == sum(len(r["measurements"]) for r in runs)

    summary = (tmp_path / "summary.md").read_text()
    assert f"`{runs[0]['meta']['command']}` (tasks user-explicit)" in summary
    assert f"Reported together with a run of implicit-mf: `{runs[1]['meta']['command']}`" in summary
    # the second run's own resumption is named under it
    (resumed,) = runs[1]["meta"]["resumed"]
    assert f"  - Stopped, then resumed with `{resumed['command']}`" in summary
    # the second run's cross-check (the factorisation's held-out quality) is reported too
    assert [q["task"] for q in combined["crosscheck"]["quality"]] == ["implicit-mf"]
    assert "No matrix factorisation quality was measured." not in summary
    assert "No matrix factorisation fit was measured." not in summary


def test_a_cell_measured_by_both_runs_is_refused(
    two_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    knn, _ = two_runs
    done = _bench("--report-only", str(knn), str(knn), "--out", str(tmp_path))
    assert done.returncode == 2
    assert "run 2 measured smoke user-explicit ours too" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_several_runs_need_a_folder_for_the_report(two_runs: tuple[Path, Path]) -> None:
    done = _bench("--report-only", *map(str, two_runs))
    assert done.returncode == 2
    assert "needs --out" in done.stderr
