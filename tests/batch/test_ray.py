"""The Ray runner on a real local cluster (127.0.0.1): sizing, errors, retries, ownership.

Ray starts slowly on two cores, so these tests share one session cluster
(`ray_session`) and stay few.  Identical-result tests are in test_identical.py.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from lenskit.batch import RayUnavailableError, UserScoringError, recommend
from lenskit.data import Interactions
from tests.batch.conftest import FailingScorer, GatedScorer, PickleCounter, wait_for_file


def test_asking_for_ray_without_it_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, popular: object, known_users: list[object]
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # what a failed import of ray looks like
    with pytest.raises(RayUnavailableError, match=r"pip install 'lenskit-batch\[ray\]'"):
        recommend(popular, known_users, 2, use_ray=True)


@pytest.mark.ray
def test_local_cluster_listens_only_on_loopback(ray_session: object) -> None:
    addresses = {
        conn.laddr.ip
        for proc in psutil.Process().children(recursive=True)
        for conn in _connections(proc)
        if conn.status == psutil.CONN_LISTEN
    }
    assert addresses, "the Ray cluster's processes should be listening"
    assert [a for a in addresses if not _is_loopback(a)] == []


@pytest.mark.ray
def test_workers_get_their_share_of_the_cpus(ray_session: object) -> None:
    import ray

    @ray.remote
    def worker_env() -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if k.startswith(("LK_", "OMP_"))}

    env = ray.get(worker_env.remote())
    # Two CPUs shared by two jobs: one thread each, and no nested Ray.
    assert env["LK_NUM_THREADS"] == "1"
    assert env["LK_NUM_BATCH_JOBS"] == "1"
    assert env["LK_USE_RAY"] == "false"


@pytest.mark.ray
def test_model_is_shipped_once_not_per_task(
    ray_session: object, small_data: Interactions, known_users: list[object]
) -> None:
    model = PickleCounter(small_data)
    PickleCounter.pickled = 0
    result = recommend(model, known_users, 3, n_jobs=2, use_ray=True, chunk_size=5)
    assert len(known_users) // 5 > 1
    assert PickleCounter.pickled == 1
    assert result.n_users == len(known_users)


@pytest.mark.ray
def test_scoring_error_in_a_worker_names_the_user(
    ray_session: object, small_data: Interactions, known_users: list[object]
) -> None:
    bad = known_users[11]
    with pytest.raises(UserScoringError, match=f"scoring user {bad!r} failed") as err:
        recommend(FailingScorer(small_data, bad), known_users, 3, n_jobs=2, use_ray=True)
    assert err.value.user == bad


@pytest.mark.ray
def test_run_leaves_a_cluster_it_did_not_start_running(
    ray_session: object, popular: object, known_users: list[object]
) -> None:
    import ray

    recommend(popular, known_users[:8], 2, n_jobs=2, use_ray=True)
    assert ray.is_initialized()


@pytest.mark.ray
def test_killed_worker_is_replaced_and_the_result_is_complete(
    ray_session: object,
    item_knn: object,
    item_knn_reference: object,
    ml_small: Interactions,
    tmp_path: Path,
) -> None:
    model = GatedScorer(item_knn, tmp_path)
    killed: list[int] = []

    def kill_one_worker() -> None:
        pid = int(wait_for_file(tmp_path / "pid"))
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)
        (tmp_path / "open").touch()

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    try:
        result = recommend(model, ml_small.users.ids, 10, n_jobs=2, use_ray=True)
    finally:
        (tmp_path / "open").touch()
        killer.join()
    assert killed and _ends(killed[0])
    assert result.to_arrow().equals(item_knn_reference.to_arrow())  # type: ignore[attr-defined]


def _ends(pid: int, timeout: float = 30.0) -> bool:
    """Whether process *pid* is gone (or a zombie its parent has yet to reap) within
    *timeout* seconds: on a busy machine Ray's raylet reaps a killed worker late."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


def _is_loopback(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def _connections(proc: psutil.Process) -> list:
    try:
        return proc.net_connections(kind="inet")
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return []
