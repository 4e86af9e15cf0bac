"""``lenskit recommend``: defaults, options, the summary, and one-line errors for mistakes."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from lenskit.cli import main

pytest.importorskip("lenskit.knn", reason="lenskit-rs is not built")


@pytest.fixture
def ratings_csv(tmp_path: Path) -> Path:
    """Thirty users rating a few dozen items: small enough to fit in a blink."""
    rng = np.random.default_rng(7)
    pairs = zip(rng.integers(1, 31, 500), rng.integers(1, 41, 500), strict=True)
    rows = {(int(u), int(i)) for u, i in pairs}
    rows |= {(u, 1 + u % 40) for u in range(1, 31)}  # every user rates something
    frame = pd.DataFrame(sorted(rows), columns=["user_id", "item_id"])
    frame["rating"] = rng.integers(1, 6, len(frame)).astype(float)
    path = tmp_path / "ratings.csv"
    frame.to_csv(path, index=False)
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["recommend", *args])


def assert_usage_error(result: Result, *fragments: str) -> None:
    """Exit 2, one line naming the problem, no traceback."""
    assert result.exit_code == 2, result.output
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(error_lines) == 1, result.output
    for fragment in fragments:
        assert fragment in error_lines[0]
    assert "Traceback" not in result.output


def test_writes_n_recommendations_for_every_user(ratings_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "recs.parquet"
    result = run("--ratings", str(ratings_csv), "-n", "3", "-o", str(out), "--jobs", "1")
    assert result.exit_code == 0, result.output
    frame = pq.read_table(out).to_pandas()
    assert list(frame.columns) == ["user_id", "item_id", "rank", "score"]
    assert frame["user_id"].nunique() == 30
    assert frame.groupby("user_id").size().max() == 3


def test_summary_reports_sizes_times_rate_and_setting_sources(
    ratings_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "recs.parquet"
    result = run("--ratings", str(ratings_csv), "-o", str(out), "--jobs", "2")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "ratings by 30 users of 40 items" in text
    assert "fitted in" in text
    assert "users/s" in text
    assert "threads runner, 2 jobs" in text
    assert re.search(r"num_batch_jobs += 2 +\(option --jobs\)", text)
    assert "num_threads" in text and "use_ray" in text


@pytest.mark.parametrize(
    ("threads", "jobs", "says"),
    [
        ("2", "1", "each chunk on the Rayon pool (2 threads): with one batch job"),
        ("2", "2", "each chunk on the Rayon pool (2 threads): the 2 batch jobs share it"),
        ("1", "1", "each chunk on the job's own thread: the Rayon pool has one thread"),
    ],
)
def test_summary_says_where_chunks_were_scored_and_why(
    ratings_csv: Path, tmp_path: Path, threads: str, jobs: str, says: str
) -> None:
    lenskit = Path(sys.executable).with_name("lenskit")
    out = tmp_path / "recs.parquet"
    proc = subprocess.run(
        [str(lenskit), "recommend", "--ratings", str(ratings_csv), "-o", str(out), "--jobs", jobs],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, "LK_NUM_THREADS": threads},
    )
    assert proc.returncode == 0, proc.stderr
    scoring = [line for line in proc.stdout.splitlines() if line.startswith("scoring")]
    assert len(scoring) == 1, proc.stdout
    assert says in scoring[0]


def test_user_knn_model_can_be_chosen(ratings_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "recs.parquet"
    result = run("--ratings", str(ratings_csv), "--model", "user-knn", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "user-knn (k=20, min_sim=1e-06), fitted in" in result.output
    assert pq.read_table(out).num_rows > 0


def test_model_options_reach_the_model(ratings_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "recs.parquet"
    result = run(
        "--ratings",
        str(ratings_csv),
        "-o",
        str(out),
        "-k",
        "3",
        "--save-nbrs",
        "5",
        "--min-sim",
        "0.1",
    )
    assert result.exit_code == 0, result.output
    assert "item-knn (k=3, save_nbrs=5, min_sim=0.1), fitted in" in result.output
    assert pq.read_table(out).num_rows > 0


def test_a_model_too_big_for_the_memory_limit_stops_with_one_line(tmp_path: Path) -> None:
    from lenskit.data import synthetic

    ratings = tmp_path / "ratings.parquet"
    # a full model of 77 million similarities, 1.4 GB at the fit's peak
    synthetic(6000, 12000, 1_500_000, seed=3).to_frame().to_parquet(ratings)
    out = tmp_path / "recs.parquet"
    # the real command, under a real address-space limit 700 MB above what it has mapped
    # once loaded (its pool's threads reserve their allocator arenas in a small fit first)
    code = (
        "import resource, sys\n"
        "from lenskit.cli import main\n"
        "from lenskit.data import synthetic\n"
        "from lenskit.knn import ItemKNNScorer\n"
        "ItemKNNScorer().fit(synthetic(200, 100, 2000, seed=1))\n"
        "size = int(open('/proc/self/status').read().split('VmSize:')[1].split()[0]) * 1024\n"
        "resource.setrlimit(resource.RLIMIT_AS, (size + 700 * 2**20, resource.RLIM_INFINITY))\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "recommend", "--ratings", str(ratings), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("Error: ItemKNNScorer: fitting would need about ")
    assert "(options --save-nbrs and --min-sim)" in proc.stderr
    assert not out.exists()


def test_csv_output_by_extension(ratings_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "recs.csv"
    result = run("--ratings", str(ratings_csv), "-n", "2", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out).columns.tolist() == ["user_id", "item_id", "rank", "score"]


def test_users_file_limits_the_users_and_reports_unknown_ones(
    ratings_csv: Path, tmp_path: Path
) -> None:
    users = tmp_path / "users.txt"
    users.write_text("5\n7\n\n999\n")
    out = tmp_path / "recs.parquet"
    result = CliRunner().invoke(
        main, ["recommend", "--ratings", str(ratings_csv), "--users", str(users), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).to_pandas()["user_id"].unique().tolist() == [5, 7]
    assert "warning: 1 of 3 users are not in the model's training data" in result.output
    assert "(e.g. 999)" in result.output


def test_users_csv_file_uses_its_user_column(ratings_csv: Path, tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("userId,note\n3,a\n4,b\n")
    out = tmp_path / "recs.parquet"
    result = run("--ratings", str(ratings_csv), "--users", str(users), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).to_pandas()["user_id"].unique().tolist() == [3, 4]


def test_missing_ratings_file_is_a_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    result = run("--ratings", str(missing), "-o", str(tmp_path / "r.parquet"))
    assert_usage_error(result, "--ratings", "nope.csv", "no such file")


def test_unreadable_ratings_are_a_usage_error_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("who,what\n1,2\n")
    result = run("--ratings", str(bad), "-o", str(tmp_path / "r.parquet"))
    assert_usage_error(result, "--ratings", "bad.csv")


def test_unsupported_output_extension_is_a_usage_error(ratings_csv: Path, tmp_path: Path) -> None:
    result = run("--ratings", str(ratings_csv), "-o", str(tmp_path / "recs.json"))
    assert_usage_error(result, "--output", "recs.json", ".json", ".parquet or .csv")


def test_output_in_a_missing_folder_is_a_usage_error(ratings_csv: Path, tmp_path: Path) -> None:
    result = run("--ratings", str(ratings_csv), "-o", str(tmp_path / "no" / "recs.parquet"))
    assert_usage_error(result, "--output", "does not exist")


def test_non_integer_user_id_is_reported_with_its_line(ratings_csv: Path, tmp_path: Path) -> None:
    users = tmp_path / "users.txt"
    users.write_text("5\nbob\n")
    result = run(
        "--ratings", str(ratings_csv), "--users", str(users), "-o", str(tmp_path / "r.parquet")
    )
    assert_usage_error(result, "--users", "users.txt, line 2", "'bob' is not an integer user id")


def test_empty_users_file_is_a_usage_error(ratings_csv: Path, tmp_path: Path) -> None:
    users = tmp_path / "users.txt"
    users.write_text("\n")
    result = run(
        "--ratings", str(ratings_csv), "--users", str(users), "-o", str(tmp_path / "r.parquet")
    )
    assert_usage_error(result, "--users", "no user ids")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--jobs", "0"], "--jobs"),
        (["-n", "0"], "-n"),
        (["--model", "svd"], "--model"),
        (["-k", "0"], "-k"),
        (["-k", str(2**64)], "-k"),
        (["--save-nbrs", "0"], "--save-nbrs"),
        (["--min-sim", "-1"], "--min-sim"),
        (["--min-sim", "nan"], "--min-sim"),
        (["--model", "user-knn", "--save-nbrs", "5"], "--save-nbrs"),
    ],
)
def test_bad_option_values_are_usage_errors(
    ratings_csv: Path, tmp_path: Path, args: list[str], fragment: str
) -> None:
    result = run("--ratings", str(ratings_csv), "-o", str(tmp_path / "r.parquet"), *args)
    assert_usage_error(result, fragment)


def test_ray_option_without_ray_says_how_to_install(ratings_csv: Path, tmp_path: Path) -> None:
    # A real process in which importing ray fails, as on an install without the extra.
    code = "import sys; sys.modules['ray'] = None\nfrom lenskit.cli import main\nmain()\n"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "recommend",
            "--ratings",
            str(ratings_csv),
            "--ray",
            "-o",
            str(tmp_path / "r.parquet"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "pip install 'lenskit-batch[ray]'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_default_command_recommends_for_bundled_movielens(tmp_path: Path) -> None:
    """The README's main command, as a user runs it: no options, in a fresh folder."""
    lenskit = Path(sys.executable).with_name("lenskit")
    proc = subprocess.run(
        [str(lenskit), "recommend"], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    frame = pq.read_table(tmp_path / "recommendations.parquet").to_pandas()
    assert frame.groupby("user_id").size().eq(10).all()
    assert frame["user_id"].nunique() == 671
    assert "bundled ml-latest-small" in proc.stdout
    assert proc.stderr == ""


@pytest.mark.ray
@pytest.mark.slow
def test_ray_option_runs_on_a_private_cluster_and_stops_it(
    ratings_csv: Path, tmp_path: Path
) -> None:
    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed")
    out = tmp_path / "recs.parquet"
    lenskit = Path(sys.executable).with_name("lenskit")
    proc = subprocess.Popen(
        [
            str(lenskit),
            "recommend",
            "--ratings",
            str(ratings_csv),
            "--ray",
            "--jobs",
            "2",
            "-o",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        started = _descendants_until_exit(proc, timeout=600)
        stdout, stderr = proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr
    assert "ray runner, 2 jobs on a local cluster (127.0.0.1)" in stdout
    assert re.search(r"use_ray += true +\(option --ray\)", stdout)
    assert pq.read_table(out).to_pandas()["user_id"].nunique() == 30
    names = {name for _, name in started}
    assert {"gcs_server", "raylet"} <= names, f"no Ray cluster seen among {sorted(names)}"
    _, alive = psutil.wait_procs([p for p, _ in started], timeout=30)
    assert alive == [], f"Ray processes outlived the command: {alive}"


def _descendants_until_exit(
    proc: subprocess.Popen[str], timeout: float
) -> list[tuple[psutil.Process, str]]:
    """Every process *proc* and its descendants started, seen while it ran, with its name.

    Only this command's process tree is watched, so Ray clusters others run on
    the machine do not count; a `psutil.Process` also tells a reused pid apart.
    """
    seen: dict[int, tuple[psutil.Process, str]] = {}
    root = psutil.Process(proc.pid)
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if time.monotonic() > deadline:
            raise TimeoutError(f"lenskit recommend --ray still running after {timeout:.0f} s")
        with contextlib.suppress(psutil.Error):
            for child in root.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    seen.setdefault(child.pid, (child, child.name()))
        time.sleep(0.1)
    return list(seen.values())


@pytest.mark.parametrize("model", ["biased-mf", "implicit-mf"])
def test_matrix_factorisation_models_recommend_and_report_their_seed(
    model: str, ratings_csv: Path, tmp_path: Path
) -> None:
    out = tmp_path / "recs.parquet"
    args = ["--ratings", str(ratings_csv), "--model", model, "-n", "4", "-o", str(out)]
    result = run(*args, "--features", "8", "--epochs", "3", "--regularization", "0.5")
    assert result.exit_code == 0, result.output
    seed = re.search(
        rf"{model}, fitted in [0-9.]+ s \(seed (\d+); --seed \1 repeats it\)", result.output
    )
    assert seed, result.output
    frame = pq.read_table(out).to_pandas()
    assert frame["user_id"].nunique() == 30 and frame.groupby("user_id").size().max() == 4
    again = tmp_path / "again.parquet"
    repeat = run(
        *args[:-1],
        str(again),
        "--features",
        "8",
        "--epochs",
        "3",
        "--regularization",
        "0.5",
        "--seed",
        seed.group(1),
    )
    assert repeat.exit_code == 0, repeat.output
    assert pq.read_table(again).equals(pq.read_table(out))


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--model", "biased-mf", "--epochs", "0"], ["--epochs", "0 is not in the range x>=1"]),
        (["--model", "implicit-mf", "--features", "-2"], ["--embedding-size", "-2"]),
        (["--model", "biased-mf", "--regularization", "0"], ["--regularization", "> 0, got 0"]),
        (["--model", "biased-mf", "--regularization", "nan"], ["--regularization", "got nan"]),
        (["--model", "implicit-mf", "--regularization", "inf"], ["--regularization", "got inf"]),
        (["--model", "biased-mf", "--seed", "-1"], ["--seed", "-1 is not in the range x>=0"]),
        (["--epochs", "5"], ["--epochs applies to --model biased-mf or implicit-mf, not item-knn"]),
        (["--model", "biased-mf", "-k", "5"], ["-k applies to --model item-knn or user-knn"]),
        (["--model", "implicit-mf", "--min-sim", "0.1"], ["--min-sim applies to --model item-knn"]),
    ],
)
def test_bad_matrix_factorisation_options_are_one_line_usage_errors(
    ratings_csv: Path, tmp_path: Path, args: list[str], fragments: list[str]
) -> None:
    result = run("--ratings", str(ratings_csv), "-o", str(tmp_path / "r.parquet"), *args)
    assert_usage_error(result, *fragments)
    assert not (tmp_path / "r.parquet").exists()


def test_biased_mf_on_data_without_ratings_says_to_use_implicit_mf(tmp_path: Path) -> None:
    clicks = tmp_path / "clicks.csv"
    pd.DataFrame({"user_id": [1, 1, 2], "item_id": [3, 4, 3]}).to_csv(clicks, index=False)
    result = run("--ratings", str(clicks), "--model", "biased-mf", "-o", str(tmp_path / "r.csv"))
    assert_usage_error(result, "--model biased-mf needs ratings", "use --model implicit-mf")


def test_matrix_factorisation_takes_its_seed_from_lenskit_toml(
    ratings_csv: Path, tmp_path: Path
) -> None:
    (tmp_path / "lenskit.toml").write_text("[random]\nseed = 77\n")
    lenskit = Path(sys.executable).with_name("lenskit")
    args = ["recommend", "--ratings", str(ratings_csv), "--model", "implicit-mf"]
    proc = subprocess.run(
        [str(lenskit), *args, "--features", "4", "--epochs", "1", "-o", "r.parquet"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "(seed 77; --seed 77 repeats it)" in proc.stdout
