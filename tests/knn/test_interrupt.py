"""Ctrl-C stops a long fit promptly and leaves no pool work running."""

import os
import signal
import subprocess
import sys
import time

import pytest

# Big enough that fitting takes several seconds on two cores.
_CHILD = """
import resource, time
from lenskit.data import synthetic
from lenskit.knn import ItemKNNScorer
from lenskit.parallel import ensure_parallel_init

ensure_parallel_init()
data = synthetic(20000, 4000, 3_000_000, seed=7)
print("fitting", flush=True)
try:
    ItemKNNScorer().fit(data)
    print("finished", flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    time.sleep(0.5)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_utime
    print(f"idle-cpu {after - before:.3f}", flush=True)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals")
def test_sigint_interrupts_fit_within_a_second_or_so(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LK_")}
    env["LK_NUM_THREADS"] = "2"
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "fitting"
        time.sleep(0.5)
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        reply = child.stdout.readline().strip()
        latency = time.monotonic() - sent
        idle = child.stdout.readline().split()
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert reply == "interrupted", "the fit finished before the signal; make the data bigger"
    assert latency < 2.0
    # threads left spinning would burn CPU while the main thread sleeps
    assert idle[0] == "idle-cpu" and float(idle[1]) < 0.15
