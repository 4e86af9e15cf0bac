"""`ResultWriter` with real concurrent processes and real signals: outputs are all or nothing.

Each writer process (``writer_script.py``) writes one chunk, says so, and
waits for the test's go-ahead, so several writers, or a killed one, can be
lined up at a known point in the middle of a file.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from tests.batch.conftest import wait_for_file

SCRIPT = Path(__file__).with_name("writer_script.py")
ROWS = 5_000
CHUNKS = 4


class Writer:
    """One writer process, paused after its first chunk until `go` is called."""

    def __init__(self, target: Path, gate: Path, label: int) -> None:
        self.gate = gate
        self.label = label
        self.proc = subprocess.Popen(
            [sys.executable, str(SCRIPT), str(target), str(gate), str(label), str(CHUNKS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_started(self) -> None:
        wait_for_file(self.gate / f"{self.label}.started", timeout=60)

    def go(self) -> None:
        (self.gate / f"{self.label}.go").touch()

    def finish(self) -> None:
        """Let it write the rest; it must succeed."""
        self.go()
        out, err = self.proc.communicate(timeout=60)
        assert self.proc.returncode == 0, err
        assert out.strip() == f"wrote {ROWS * CHUNKS} rows"

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=60)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture
def folders(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """An output folder holding only what writers leave, and a folder for the gates."""
    out, gate = tmp_path / "out", tmp_path / "gate"
    out.mkdir()
    gate.mkdir()
    yield out, gate


def start(target: Path, gate: Path, *labels: int) -> list[Writer]:
    writers = [Writer(target, gate, label) for label in labels]
    for writer in writers:
        writer.wait_started()
    return writers


def stop_all(writers: list[Writer]) -> None:
    for writer in writers:
        writer.stop()


def assert_written_by(target: Path, label: int) -> None:
    """*target* is one complete, valid file, every row from writer *label*."""
    table = pq.read_table(target) if target.suffix == ".parquet" else pacsv.read_csv(target)
    assert table.num_rows == ROWS * CHUNKS
    assert set(table.column("user_id").to_pylist()) == {label}
    assert table.column("item_id").to_pylist() == list(range(ROWS * CHUNKS))


def others(folder: Path, target: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p != target)


@pytest.mark.parametrize("name", ["recs.parquet", "recs.csv"])
def test_concurrent_writers_leave_the_last_complete_file(
    folders: tuple[Path, Path], name: str
) -> None:
    out, gate = folders
    target = out / name
    writers = start(target, gate, 1, 2)
    try:
        writers[0].finish()
        assert_written_by(target, 1)
        writers[1].finish()
        assert_written_by(target, 2)
    finally:
        stop_all(writers)
    assert others(out, target) == []


def test_a_run_keeps_the_temporary_of_a_live_run_to_the_same_target(
    folders: tuple[Path, Path],
) -> None:
    out, gate = folders
    target = out / "recs.parquet"
    [paused] = start(target, gate, 1)
    try:
        [quick] = start(target, gate, 2)
        quick.finish()
        assert_written_by(target, 2)
        assert len(others(out, target)) == 1, "the paused run's temporary must survive"
        paused.finish()
        assert_written_by(target, 1)
    finally:
        paused.stop()
    assert others(out, target) == []


def test_a_killed_runs_temporary_is_recognised_and_removed_by_the_next_run(
    folders: tuple[Path, Path],
) -> None:
    out, gate = folders
    target = out / "recs.parquet"
    target.write_bytes(b"previous output")
    [killed] = start(target, gate, 1)
    killed.kill()
    [left] = others(out, target)
    assert left.startswith(".recs.parquet.") and left.endswith(".partial")
    assert target.read_bytes() == b"previous output"
    [next_run] = start(target, gate, 2)
    try:
        # Removed when the next run starts, before it finishes.
        assert len(others(out, target)) == 1
        next_run.finish()
    finally:
        next_run.stop()
    assert_written_by(target, 2)
    assert others(out, target) == []


def test_a_failed_final_write_removes_the_temporary_and_keeps_the_old_file(
    tmp_path: Path,
) -> None:
    """The footer cannot be written (a real file-size limit): the close fails cleanly."""
    target = tmp_path / "recs.parquet"
    target.write_bytes(b"previous output")
    code = textwrap.dedent(
        f"""
        import resource, signal, sys
        from pathlib import Path
        import pyarrow as pa
        from lenskit.batch import ResultWriter

        target = Path({str(target)!r})
        table = pa.table({{"user_id": list(range(1000)), "item_id": list(range(1000)),
                          "rank": pa.array([1] * 1000, pa.int32()), "score": [0.5] * 1000}})
        try:
            with ResultWriter(target) as out:
                out.write(table)
                [partial] = [p for p in target.parent.iterdir() if p.name.endswith(".partial")]
                # Past the limit writes fail with EFBIG instead of killing the process.
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                size = partial.stat().st_size
                resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.RLIM_INFINITY))
        except OSError as err:
            print("failed:", err.strerror or err)
            sys.exit(1)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "failed:" in proc.stdout and "Traceback" not in proc.stderr
    assert target.read_bytes() == b"previous output"
    assert others(tmp_path, target) == []


def test_no_run_touches_a_file_that_merely_looks_like_a_temporary(
    folders: tuple[Path, Path],
) -> None:
    """Only temporaries a writer made (and whose owner is gone) are removed."""
    out, gate = folders
    target = out / "recs.parquet"
    mine = [out / ".recs.parquet.partial", out / ".recs.parquet.notes.partial", out / "x.partial"]
    for path in mine:
        path.write_text("user file")
    [run] = start(target, gate, 1)
    try:
        run.finish()
    finally:
        run.stop()
    assert all(path.read_text() == "user file" for path in mine)
    assert others(out, target) == sorted(p.name for p in mine)


def test_writer_does_not_leak_its_lock(tmp_path: Path) -> None:
    """Every file the writer opened is closed again, whether it finished or failed."""
    from lenskit.batch import ResultWriter

    open_files = Path("/proc/self/fd")
    before = {p.name for p in open_files.iterdir()}
    target = tmp_path / "recs.csv"
    with ResultWriter(target):
        pass
    with pytest.raises(RuntimeError), ResultWriter(target):
        raise RuntimeError("stop")
    assert {p.name for p in open_files.iterdir()} <= before
