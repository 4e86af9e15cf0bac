"""Choosing the runner and job count: arguments first, then the settings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lenskit.batch import default_chunk_size, plan_run
from lenskit.batch.api import CHUNKS_PER_JOB, MAX_CHUNK, MIN_CHUNK
from lenskit.config import ParallelSettings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LK_NUM_BATCH_JOBS", "LK_USE_RAY", "LK_RAY_ADDRESS", "RAY_ADDRESS", "LK_NUM_CPUS"):
        monkeypatch.delenv(var, raising=False)


def test_one_job_runs_sequentially() -> None:
    plan = plan_run(1, settings=ParallelSettings(num_cpus=2))
    assert (plan.runner, plan.jobs) == ("sequential", 1)


def test_several_jobs_run_on_threads() -> None:
    plan = plan_run(2, settings=ParallelSettings(num_cpus=2))
    assert (plan.runner, plan.jobs) == ("threads", 2)


def test_use_ray_argument_selects_ray_even_for_one_job() -> None:
    plan = plan_run(1, use_ray=True, settings=ParallelSettings(num_cpus=2))
    assert (plan.runner, plan.jobs) == ("ray", 1)


def test_job_count_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LK_NUM_BATCH_JOBS", "2")
    plan = plan_run(settings=ParallelSettings(num_cpus=2))
    assert (plan.runner, plan.jobs) == ("threads", 2)
    assert "LK_NUM_BATCH_JOBS" in plan.jobs_source


def test_argument_overrides_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LK_NUM_BATCH_JOBS", "2")
    plan = plan_run(1, settings=ParallelSettings(num_cpus=2))
    assert plan.runner == "sequential"
    assert plan.jobs_source == "argument n_jobs"


def test_use_ray_setting_selects_ray_with_one_job_per_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LK_USE_RAY", "true")
    plan = plan_run(settings=ParallelSettings(num_cpus=2))
    assert (plan.runner, plan.jobs) == ("ray", 2)
    assert "LK_USE_RAY" in plan.runner_source


def test_use_ray_argument_overrides_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LK_USE_RAY", "true")
    plan = plan_run(use_ray=False, settings=ParallelSettings(num_cpus=2, num_batch_jobs=1))
    assert plan.runner == "sequential"


def test_ray_requested_by_argument_gets_one_job_per_thread_by_default() -> None:
    plan = plan_run(use_ray=True, settings=ParallelSettings(num_cpus=2))
    assert plan.jobs == 2
    assert "num_threads" in plan.jobs_source


def test_minus_one_jobs_means_one_per_cpu() -> None:
    plan = plan_run(-1, settings=ParallelSettings(num_cpus=3))
    assert plan.jobs == 3


@pytest.mark.parametrize("jobs", [0, -2])
def test_impossible_job_count_is_rejected(jobs: int) -> None:
    with pytest.raises(ValueError, match=f"n_jobs must be .* not {jobs}"):
        plan_run(jobs, settings=ParallelSettings(num_cpus=2))


def test_ray_address_setting_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LK_RAY_ADDRESS", "10.1.2.3:6379")
    plan = plan_run(use_ray=True, settings=ParallelSettings(num_cpus=2))
    assert plan.ray_address == "10.1.2.3:6379"


def test_ray_address_environment_variable_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAY_ADDRESS", "10.9.9.9:6379")
    plan = plan_run(use_ray=True, settings=ParallelSettings(num_cpus=2))
    assert plan.ray_address == "10.9.9.9:6379"


def test_lenskit_ray_address_wins_over_ray_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAY_ADDRESS", "10.9.9.9:6379")
    monkeypatch.setenv("LK_RAY_ADDRESS", "10.1.2.3:6379")
    plan = plan_run(use_ray=True, settings=ParallelSettings(num_cpus=2))
    assert plan.ray_address == "10.1.2.3:6379"


def test_without_an_address_ray_starts_locally() -> None:
    plan = plan_run(use_ray=True, settings=ParallelSettings(num_cpus=2))
    assert plan.ray_address is None
    assert "127.0.0.1" in plan.describe()


@pytest.mark.parametrize(("cpus", "jobs", "threads"), [(2, 2, "1"), (4, 2, "2"), (8, 3, "2")])
def test_workers_share_the_cpus_between_jobs(cpus: int, jobs: int, threads: str) -> None:
    env = plan_run(jobs, settings=ParallelSettings(num_cpus=cpus)).settings.per_worker_env_vars()
    assert env["LK_NUM_THREADS"] == threads
    assert env["LK_NUM_BATCH_JOBS"] == "1"
    assert env["LK_USE_RAY"] == "false"


def test_one_job_scores_each_chunk_on_the_rayon_pool() -> None:
    plan = plan_run(1, settings=ParallelSettings(num_cpus=2, num_threads=2))
    assert (plan.pool_scoring, plan.pool_threads) == (True, 2)
    assert plan.describe_scoring().startswith("each chunk on the Rayon pool (2 threads): ")
    assert "one batch job" in plan.scoring_source


def test_a_one_thread_pool_leaves_scoring_on_the_calling_thread() -> None:
    plan = plan_run(1, settings=ParallelSettings(num_cpus=2, num_threads=1))
    assert (plan.pool_scoring, plan.pool_threads) == (False, 1)
    assert "num_threads = 1" in plan.describe_scoring()


def test_thread_jobs_share_the_pool_so_only_num_threads_threads_compute() -> None:
    plan = plan_run(4, settings=ParallelSettings(num_cpus=2, num_threads=2))
    assert (plan.runner, plan.pool_scoring, plan.pool_threads) == ("threads", True, 2)
    assert "4 batch jobs share it" in plan.scoring_source


def test_thread_jobs_score_on_their_own_threads_beside_a_one_thread_pool() -> None:
    plan = plan_run(2, settings=ParallelSettings(num_cpus=2, num_threads=1))
    assert (plan.runner, plan.pool_scoring) == ("threads", False)
    assert "each of the 2 jobs scores on its own" in plan.scoring_source


@pytest.mark.parametrize(
    ("cpus", "jobs", "threads", "pool"), [(2, 2, 2, False), (8, 2, 8, True), (8, 2, 2, True)]
)
def test_ray_workers_score_on_pools_sized_like_their_environment(
    cpus: int, jobs: int, threads: int, pool: bool
) -> None:
    plan = plan_run(jobs, True, settings=ParallelSettings(num_cpus=cpus, num_threads=threads))
    assert plan.pool_scoring is pool
    assert plan.pool_threads == int(plan.settings.per_worker_env_vars()["LK_NUM_THREADS"])


@given(total=st.one_of(st.none(), st.integers(0, 10**7)), jobs=st.integers(1, 64))
def test_default_chunks_are_bounded_and_split_work_between_jobs(
    total: int | None, jobs: int
) -> None:
    size = default_chunk_size(total, jobs)
    assert MIN_CHUNK <= size <= MAX_CHUNK
    if total is not None and total >= jobs * CHUNKS_PER_JOB * MAX_CHUNK:
        assert size == MAX_CHUNK
    if total is not None and total >= jobs * MIN_CHUNK and size < MAX_CHUNK:
        assert -(-total // size) >= jobs  # every job gets work


@given(total=st.integers(0, 10**6), jobs=st.integers(1, 8), threads=st.integers(1, 16))
def test_chunks_for_a_pool_grow_with_its_threads(total: int, jobs: int, threads: int) -> None:
    size = default_chunk_size(total, jobs, threads)
    assert MIN_CHUNK * threads <= size <= MAX_CHUNK * threads
    assert size >= default_chunk_size(total, jobs)
