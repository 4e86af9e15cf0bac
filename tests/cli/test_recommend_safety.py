"""``lenskit recommend`` never loses or damages output: concurrent runs, signals, bad folders.

These run the real command in real processes (signals need them) on
ml-latest-small, recommending for every user a few times over so that a run
is still writing when the test acts on it.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner, Result

from lenskit.cli import main
from tests.cli.conftest import tmpfs

pytest.importorskip("lenskit.knn", reason="lenskit-rs is not built")

LENSKIT = Path(sys.executable).with_name("lenskit")
PREVIOUS = b"previous output, not to be touched"


def users_listed(folder: Path, times: int) -> Path:
    """A users file naming every ml-latest-small user *times* times over."""
    from lenskit.data import movielens_small

    path = folder / f"users-{times}.txt"
    ids = movielens_small().users.ids.tolist()
    path.write_text("\n".join(map(str, ids * times)) + "\n")
    return path


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every user three times: a run that writes for several seconds."""
    return users_listed(tmp_path_factory.mktemp("users"), 3)


def start(output: Path, users: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(LENSKIT), "recommend", "--users", str(users), "-o", str(output), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def temporaries(folder: Path, output: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(f".{output.name}."))


def wait_until_writing(proc: subprocess.Popen[str], folder: Path, output: Path) -> None:
    """Return once the run has written rows to its temporary file."""
    deadline = time.monotonic() + 300
    while not any(p.stat().st_size > 0 for p in _existing(temporaries(folder, output))):
        if proc.poll() is not None:
            pytest.fail(f"the run ended before writing: {proc.communicate()}")
        if time.monotonic() > deadline:
            pytest.fail("the run did not start writing within 300 s")
        time.sleep(0.01)


def _existing(paths: list[Path]) -> list[Path]:
    return [p for p in paths if p.exists()]


def finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["recs.parquet", "recs.csv"])
def test_concurrent_runs_to_one_output_leave_one_complete_file(tmp_path: Path, name: str) -> None:
    """Two runs with different list lengths: the file holds one run's lists, whole."""
    output = tmp_path / name
    users_file = users_listed(tmp_path, 1)
    runs = [start(output, users_file, "-n", n) for n in ("4", "7")]
    for proc in runs:
        _, err = finish(proc)
        assert proc.returncode == 0, err
    frame = pd.read_parquet(output) if name.endswith(".parquet") else pd.read_csv(output)
    n_users = len(users_file.read_text().split())
    lengths = set(frame.groupby("user_id", sort=False).size())
    assert len(lengths) == 1 and lengths <= {4, 7}
    assert len(frame) == n_users * lengths.pop()
    assert temporaries(tmp_path, output) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "status", "name"),
    [(signal.SIGTERM, 143, "SIGTERM"), (signal.SIGINT, 130, "SIGINT")],
)
def test_a_signal_mid_write_keeps_the_previous_output(
    tmp_path: Path, users_file: Path, sig: signal.Signals, status: int, name: str
) -> None:
    output = tmp_path / "recs.parquet"
    output.write_bytes(PREVIOUS)
    proc = start(output, users_file, "--jobs", "1")
    try:
        wait_until_writing(proc, tmp_path, output)
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)  # a terminal's Ctrl-C reaches the whole process group
        else:
            proc.send_signal(sig)  # what kill, timeout and job schedulers send
    finally:
        _, err = finish(proc)
    assert proc.returncode == status, err
    line = one_error_line(err)
    assert f"interrupted by {name}" in line and str(output) in line
    assert output.read_bytes() == PREVIOUS
    assert temporaries(tmp_path, output) == []


@pytest.mark.slow
def test_a_killed_runs_temporary_is_removed_by_the_next_run(
    tmp_path: Path, users_file: Path, ml_small: object
) -> None:
    output = tmp_path / "recs.parquet"
    output.write_bytes(PREVIOUS)
    proc = start(output, users_file, "--jobs", "1")
    try:
        wait_until_writing(proc, tmp_path, output)
        proc.send_signal(signal.SIGKILL)
    finally:
        finish(proc)
    assert len(temporaries(tmp_path, output)) == 1
    assert output.read_bytes() == PREVIOUS
    few = tmp_path / "few.txt"
    few.write_text("1\n2\n")
    again = subprocess.run(
        [str(LENSKIT), "recommend", "--users", str(few), "-o", str(output)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert again.returncode == 0, again.stderr
    assert pq.read_table(output).num_rows == 20
    assert temporaries(tmp_path, output) == []


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["recommend", *args])


def assert_one_line_error(result: Result, status: int, *fragments: str) -> None:
    assert result.exit_code == status, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, result.output
    for fragment in fragments:
        assert fragment in errors[0], result.output
    assert "Traceback" not in result.output


def bad_ratings(tmp_path: Path) -> Path:
    """A ratings file that fails to load: an error about it means the output was checked later."""
    path = tmp_path / "ratings.csv"
    path.write_text("who,what\n1,2\n")
    return path


def test_output_beside_a_file_is_refused_before_any_work(tmp_path: Path) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("not a folder")
    result = run("--ratings", str(bad_ratings(tmp_path)), "-o", str(afile / "recs.parquet"))
    assert_one_line_error(result, 2, "--output", "notes.txt is not a folder")


def test_output_on_a_read_only_filesystem_is_refused_before_any_work(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", size="64k", read_only=True) as folder:
        result = run("--ratings", str(bad_ratings(tmp_path)), "-o", str(folder / "recs.parquet"))
        assert_one_line_error(result, 2, "--output", "recs.parquet", "Read-only file system")
        assert list(folder.iterdir()) == []


@pytest.fixture(scope="module")
def ratings_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200 users rating 100 items: fits at once, and its recommendations fill several pages."""
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(
        {"user_id": rng.integers(1, 201, 4000), "item_id": rng.integers(1, 101, 4000)}
    )
    frame = frame.drop_duplicates()
    frame["rating"] = rng.integers(1, 6, len(frame)).astype(float)
    path = tmp_path_factory.mktemp("ratings") / "ratings.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("name", ["recs.parquet", "recs.csv"])
def test_a_full_disk_is_one_line_and_keeps_the_previous_output(
    tmp_path: Path, ratings_csv: Path, name: str
) -> None:
    # One page for the previous file, one left: far less than the results need.
    with tmpfs(tmp_path / "small", size="8k") as folder:
        output = folder / name
        output.write_bytes(PREVIOUS)
        result = run("--ratings", str(ratings_csv), "-o", str(output))
        assert_one_line_error(result, 1, str(output), "No space left on device")
        assert output.read_bytes() == PREVIOUS
        assert sorted(folder.iterdir()) == [output]
        # Nothing stays open there: a removed file held open would keep the disk full.
        assert open_files_under(folder) == []


def open_files_under(folder: Path) -> list[str]:
    """Files this process has open inside *folder*."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:  # closed meanwhile, e.g. the one listing the folder
            continue
        if target.startswith(f"{folder}/"):
            found.append(target)
    return found


@pytest.mark.parametrize(
    ("text", "line"),
    [("1\n18446744073709551616\n", 2), ("9223372036854775808\n", 1), ("-9223372036854775809", 1)],
)
def test_a_user_id_beyond_64_bits_is_a_usage_error(tmp_path: Path, text: str, line: int) -> None:
    users = tmp_path / "users.txt"
    users.write_text(text)
    result = run("--users", str(users), "-o", str(tmp_path / "recs.parquet"))
    assert_one_line_error(result, 2, "--users", f"users.txt, line {line}", "64-bit")


@pytest.mark.ray
@pytest.mark.slow
def test_sigterm_mid_write_on_ray_keeps_the_previous_output(
    tmp_path: Path, users_file: Path
) -> None:
    """Ray installs its own SIGTERM handler when it starts; ours must still decide the exit."""
    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed")
    output = tmp_path / "recs.parquet"
    output.write_bytes(PREVIOUS)
    proc = start(output, users_file, "--ray", "--jobs", "2")
    try:
        wait_until_writing(proc, tmp_path, output)
        proc.send_signal(signal.SIGTERM)
    finally:
        _, err = finish(proc)
    assert proc.returncode == 143, err
    assert "interrupted by SIGTERM" in one_error_line(err)
    assert output.read_bytes() == PREVIOUS
    assert temporaries(tmp_path, output) == []
