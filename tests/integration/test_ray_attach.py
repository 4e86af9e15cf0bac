"""Attaching to Ray clusters a user started: real ``ray start`` processes on loopback.

What a user does: start a head node (and maybe a second node) with
``ray start``, then ``LK_USE_RAY=1 LK_RAY_ADDRESS=127.0.0.1:PORT lenskit
recommend``.  Ray's defaults apply, token authentication included (see
`ray_nodes`).  Every test runs ``lenskit`` as a real process and checks
what the user sees: the rows, or one line saying what went wrong.  The
nodes are killed, whatever happens, at the end of the module.

The cheap failures (nothing listening, a server that never answers, a
signal while connecting) need no Ray node at all.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

from lenskit.data import Interactions
from lenskit.parallel.ray import ray_available
from tests.integration.ray_nodes import (
    RayNode,
    clean_env,
    free_port,
    is_loopback,
    ray_home,
    start_head,
    start_worker_node,
    task_processes,
)

# Every test here starts Ray nodes of its own: slow, and the same on every Python.
pytestmark = [pytest.mark.ray, pytest.mark.slow]
CLUSTER_TEST_TIMEOUT = 900
"""pytest-timeout bound for tests on a real cluster: a node takes 20-40 s to start
on two busy cores, and the fixture starts it inside the first test that needs it."""

LENSKIT = Path(sys.executable).with_name("lenskit")
RUN_TIMEOUT = 600.0
"""A bound on any one ``lenskit`` run here; a run that hangs fails the test."""


@pytest.fixture(scope="module", autouse=True)
def needs_ray() -> None:
    # Looked up, not imported: importing ray is lenskit's job (it configures it first).
    if not ray_available():
        pytest.skip("Ray is not installed")


@dataclass
class Cluster:
    """A private HOME with a Ray token, and the head node started in it."""

    home: Path
    port: int
    head: RayNode | None = None
    others: list[RayNode] = field(default_factory=list)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def running_head(self) -> RayNode:
        """The head node, started again if an earlier test killed it."""
        if self.head is None or not self.head.running():
            if self.head is not None:
                self.head.stop()
            self.head = start_head(self.home, self.port)
        return self.head

    def add_node(self) -> RayNode:
        node = start_worker_node(self.home, self.port)
        self.others.append(node)
        return node

    def stop(self) -> None:
        for node in [*self.others, self.head]:
            if node is not None:
                node.stop()


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with ray_home() as home:
        started = Cluster(home, free_port())
        try:
            yield started
        finally:
            started.stop()


def lenskit_env(home: Path, address: str, **extra: str) -> dict[str, str]:
    """The environment of a user attaching to *address*: no Ray variables of ours."""
    return clean_env(home, LK_USE_RAY="1", LK_RAY_ADDRESS=address, **extra)


def recommend(
    env: dict[str, str], out: Path, *args: str, timeout: float = RUN_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LENSKIT), "recommend", "-o", str(out), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_recommend(env: dict[str, str], out: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(LENSKIT), "recommend", "-o", str(out), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """The run failed with exit 1 and ended with one ``Error:`` line holding *fragments*."""
    assert proc.returncode == 1, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: "), proc.stderr
    for fragment in fragments:
        assert fragment in last, proc.stderr
    return last


def while_running(proc: subprocess.Popen[str], condition: Callable[[], bool]) -> bool:
    """Poll *condition* while *proc* runs (at most `RUN_TIMEOUT`); whether it came true."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while proc.poll() is None and time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def small_ratings(tmp_path: Path) -> Path:
    """A small ratings file, so a run reaches the Ray step in a few seconds."""
    path = tmp_path / "ratings.csv"
    rows = [f"{u},{i},{(u * i) % 5 + 1}" for u in range(1, 31) for i in range(1, 41) if (u + i) % 3]
    path.write_text("user_id,item_id,rating\n" + "\n".join(rows) + "\n")
    return path


@contextlib.contextmanager
def silent_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """A loopback port that accepts connections and never says a word (a hung head)."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                accepted.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], accepted
    finally:
        server.close()
        for conn in accepted:
            conn.close()


def test_nothing_listening_is_one_line_at_once(small_ratings: Path, tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "recs.parquet"
    proc = recommend(
        lenskit_env(tmp_path, f"127.0.0.1:{port}"), out, "--ratings", str(small_ratings)
    )
    assert_one_line_error(proc, f"127.0.0.1:{port}", "connection refused")
    assert not out.exists()


def test_a_head_that_never_answers_is_given_up_on(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from lenskit.parallel.ray import RayClusterError, init_cluster\n"
        "try:\n"
        "    init_cluster(address=sys.argv[1], timeout=3)\n"
        "except RayClusterError as err:\n"
        "    print(err)\n"
        "    sys.exit(1)\n"
    )
    with silent_server() as (port, _):
        proc = subprocess.run(
            [sys.executable, "-c", code, f"127.0.0.1:{port}"],
            env=clean_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
    assert proc.returncode == 1, proc.stderr
    message = proc.stdout.strip()
    assert message.startswith(f"cannot attach to the Ray cluster at 127.0.0.1:{port}: ")
    assert message.endswith("(gave up after 3 s)")
    assert "\n" not in message
    # What Ray printed while it retried was held back.
    assert proc.stderr == ""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_connecting_ends_the_run(
    signum: signal.Signals, small_ratings: Path, tmp_path: Path
) -> None:
    out = tmp_path / "recs.parquet"
    with silent_server() as (port, accepted):
        env = lenskit_env(tmp_path, f"127.0.0.1:{port}")
        proc = start_recommend(env, out, "--ratings", str(small_ratings))
        try:
            # Our reachability check, then Ray's own connection: Ray is now retrying.
            deadline = time.monotonic() + RUN_TIMEOUT
            while len(accepted) < 2 and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert proc.poll() is None, proc.communicate()
            proc.send_signal(signum)
            # Well before Ray would give up on its own (it retries for ever).
            _, stderr = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    # The command's own clean stop: one line, 128 + the signal's number.
    assert proc.returncode == 128 + signum, stderr
    assert stderr.strip().splitlines()[-1].startswith(f"Error: interrupted by {signum.name}")
    assert "Traceback" not in stderr
    assert not out.exists()


@pytest.mark.timeout(CLUSTER_TEST_TIMEOUT)
def test_a_refused_token_is_one_line(cluster: Cluster, small_ratings: Path, tmp_path: Path) -> None:
    cluster.running_head()
    out = tmp_path / "recs.parquet"
    env = lenskit_env(cluster.home, cluster.address, RAY_AUTH_TOKEN="not-the-cluster-token")
    proc = recommend(env, out, "--ratings", str(small_ratings))
    assert_one_line_error(
        proc,
        f"cannot attach to the Ray cluster at {cluster.address}",
        "refused our Ray authentication token",
    )
    assert not out.exists()


@pytest.mark.timeout(CLUSTER_TEST_TIMEOUT)
def test_two_nodes_share_the_work_and_losing_one_loses_nothing(
    cluster: Cluster, ml_small: Interactions, tmp_path: Path
) -> None:
    """Head and a second node on loopback; the second is killed mid-run."""
    from lenskit.batch import recommend as batch_recommend
    from lenskit.knn import ItemKNNScorer

    head = cluster.running_head()
    second = cluster.add_node()
    assert all(is_loopback(a) for a in head.listening_addresses() | second.listening_addresses())

    users = tmp_path / "users.txt"
    ids = [*ml_small.users.ids, *ml_small.users.ids]
    users.write_text("\n".join(str(u) for u in ids) + "\n")
    out = tmp_path / "recs.parquet"
    env = lenskit_env(cluster.home, cluster.address)
    proc = start_recommend(env, out, "--jobs", "2", "--users", str(users))
    ran_on: set[str] = set()

    def seen_on_both() -> bool:
        for name, node in (("head", head), ("second", second)):
            if task_processes(node, "score_chunk"):
                ran_on.add(name)
        return len(ran_on) == 2

    try:
        while_running(proc, seen_on_both)
        if "second" in ran_on:
            second.kill()
        stdout, stderr = proc.communicate(timeout=RUN_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert ran_on == {"head", "second"}, "the work did not reach both nodes"
    assert proc.returncode == 0, stderr
    assert f"ray runner, 2 jobs on {cluster.address}" in stdout
    assert head.running(), "a cluster the user started must outlive the run"

    reference = batch_recommend(ItemKNNScorer().fit(ml_small), ids, 10, n_jobs=1)
    pd.testing.assert_frame_equal(
        pd.read_parquet(out), reference.to_pandas(), check_exact=True, check_dtype=False
    )


@pytest.mark.timeout(CLUSTER_TEST_TIMEOUT)
def test_losing_the_head_mid_run_is_one_line_and_no_output(
    cluster: Cluster, tmp_path: Path
) -> None:
    head = cluster.running_head()
    out = tmp_path / "recs.parquet"
    proc = start_recommend(lenskit_env(cluster.home, cluster.address), out, "--jobs", "2")
    try:
        scoring = while_running(proc, lambda: bool(task_processes(head, "score_chunk")))
        assert scoring, "no task was seen running before the run ended"
        head.kill()
        stdout, stderr = proc.communicate(timeout=RUN_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    done = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    assert_one_line_error(
        done, f"lost the Ray cluster at {cluster.address}", f"{out} was not written"
    )
    assert list(tmp_path.iterdir()) == [], "the run left files behind"
