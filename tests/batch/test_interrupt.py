"""Ctrl-C stops every runner: a real SIGINT to a process running a long batch."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.batch.conftest import wait_for_file

SCRIPT = Path(__file__).with_name("interrupt_script.py")


def interrupt_run(runner: str, tmp_path: Path, timeout: float) -> tuple[str, list[psutil.Process]]:
    """Start a long run, press Ctrl-C once scoring has begun; its output and its children."""
    marker = tmp_path / "started"
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), runner, str(marker)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for_file(marker, timeout=timeout)
        children = psutil.Process(proc.pid).children(recursive=True)
        # A terminal's Ctrl-C signals the whole foreground process group.
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, f"exit {proc.returncode}\n{out}\n{err}"
    return out, children


def still_running(processes: list[psutil.Process]) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(processes, timeout=20)
    return alive


@pytest.mark.parametrize("runner", ["sequential", "threads"])
def test_ctrl_c_stops_the_run_and_leaves_no_threads(runner: str, tmp_path: Path) -> None:
    out, children = interrupt_run(runner, tmp_path, timeout=60)
    assert "other threads: []" in out
    assert children == []


@pytest.mark.ray
@pytest.mark.slow
def test_ctrl_c_stops_a_ray_run_and_its_cluster(tmp_path: Path) -> None:
    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed")
    out, children = interrupt_run("ray", tmp_path, timeout=180)
    assert "interrupted after" in out
    assert children, "the run should have started a local Ray cluster"
    assert still_running(children) == []
