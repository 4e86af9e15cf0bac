"""Fixtures shared by every package's tests."""

import importlib.util
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def pytest_configure(config: pytest.Config) -> None:
    """Let the programs the tests start receive Ctrl-C even when pytest was started in the
    background (``cmd &`` in a script), where the shell ignores SIGINT for it.

    An ignored SIGINT is inherited across ``exec``, so every signal test would see its child
    finish instead of stop. The programs rightly leave an ignored SIGINT ignored (``nohup``
    semantics); the tests need a child that was started the way a terminal starts it.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """The folder of test data files committed with the tests."""
    return FIXTURES


@pytest.fixture(scope="session")
def ml_small():
    """MovieLens ml-latest-small as bundled in lenskit-data (shared, immutable)."""
    from lenskit.data import movielens_small

    return movielens_small()


@pytest.fixture(scope="session")
def ray_cluster_session() -> Iterator[object]:
    """One local Ray cluster (127.0.0.1, 2 batch jobs, small object store) for every Ray test.

    Ray takes tens of seconds to start on two busy cores, so the cluster is
    started once, with `lenskit.batch.ray_cluster` (itself built on
    `lenskit.parallel.ray.init_cluster`), and shared.
    """
    # Only look for ray here: importing it is lenskit's job, which sets up
    # loopback binding first.
    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed")
    from lenskit.batch import ray_cluster

    with ray_cluster(n_jobs=2, object_store_memory=200 * 1024 * 1024) as cluster:
        yield cluster
