"""The peer benchmark's ``--resume``: a saved run it cannot continue is refused.

The benchmark is a script, not a package, so it is run as users run it. Each
case fails before any measurement, so the tests take a second or two.
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


def _resume(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--resume", str(folder)],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _saved_run(folder: Path, datasets: list[str]) -> None:
    meta = {
        "command": "python benchmarks/compare_peers.py --smoke",
        "datasets": {name: {} for name in datasets},
        "tasks": ["item-explicit"],
        "systems": {"ours": {"available": True, "reason": None}},
        "threads": [1],
        "reps": 1,
        "timeout": 60,
        "repeat_limit": 60,
        "smoke": True,
    }
    folder.mkdir(exist_ok=True)
    (folder / "results.json").write_text(json.dumps({"meta": meta, "measurements": []}))


def test_resume_without_saved_results_names_the_folder(tmp_path: Path) -> None:
    result = _resume(tmp_path)
    assert result.returncode == 2
    assert f"no results.json in {tmp_path}" in result.stderr
    assert "Traceback" not in result.stderr


def test_resume_of_an_unknown_data_set_names_it(tmp_path: Path) -> None:
    _saved_run(tmp_path, ["smoke", "syn-50m"])
    result = _resume(tmp_path)
    assert result.returncode == 2
    assert "does not know: ['syn-50m']" in result.stderr
    assert "Traceback" not in result.stderr
    # nothing was measured or written beside the saved run
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_resume_of_a_damaged_results_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text('{"meta": ')
    result = _resume(tmp_path)
    assert result.returncode == 2
    assert f"--resume {tmp_path}:" in result.stderr
    assert "Traceback" not in result.stderr
