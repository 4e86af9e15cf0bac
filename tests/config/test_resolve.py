"""Defaults are worked out, in place, from the CPU count as upstream LensKit does, and say so."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lenskit.config import ParallelSettings, ValueSource
from lenskit.parallel import is_free_threaded

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
gil_only = pytest.mark.skipif(
    is_free_threaded(require_active=True), reason="defaults differ without the GIL"
)
cpus = st.integers(min_value=1, max_value=512)


def test_backend_threads_share_the_cpus_left_by_threads(project: Path) -> None:
    resolved = ParallelSettings(num_cpus=8, num_threads=4).resolve_defaults()
    assert resolved.num_backend_threads == 2


def test_minus_one_threads_uses_every_cpu_and_one_backend_thread(project: Path) -> None:
    resolved = ParallelSettings(num_cpus=8, num_threads=-1).resolve_defaults()
    assert (resolved.num_threads, resolved.num_backend_threads) == (8, 1)


def test_minus_one_batch_jobs_uses_every_cpu(project: Path) -> None:
    resolved = ParallelSettings(num_cpus=16, num_batch_jobs=-1).resolve_defaults()
    assert resolved.num_batch_jobs == 16


@fixture_ok
@given(n=cpus)
def test_default_threads_are_the_cpus_capped_at_eight(project: Path, n: int) -> None:
    resolved = ParallelSettings(num_cpus=n).resolve_defaults()
    assert resolved.num_threads == min(n, 8)
    assert resolved.source_of("num_threads") == ValueSource("derived", "min(N, 8)", f"N={n}")


@fixture_ok
@given(n=cpus, threads=st.integers(min_value=1, max_value=64))
def test_default_backend_threads_are_between_one_and_four(
    project: Path, n: int, threads: int
) -> None:
    resolved = ParallelSettings(num_cpus=n, num_threads=threads).resolve_defaults()
    assert resolved.num_backend_threads == max(min(n // threads, 4), 1)


@fixture_ok
@given(n=cpus)
def test_default_total_stays_near_32_threads_per_job(project: Path, n: int) -> None:
    resolved = ParallelSettings(num_cpus=n).resolve_defaults()
    assert resolved.num_threads * resolved.num_backend_threads <= 32


@gil_only
def test_one_batch_job_with_the_gil_and_without_ray(project: Path) -> None:
    resolved = ParallelSettings(num_cpus=8).resolve_defaults()
    assert resolved.num_batch_jobs == 1
    assert str(resolved.source_of("num_batch_jobs")) == (
        "derived from num_threads if free_threaded or use_ray else 1 "
        "(free_threaded=false, use_ray=false, num_threads=8)"
    )


def test_batch_jobs_follow_threads_with_ray(project: Path) -> None:
    resolved = ParallelSettings(num_cpus=8, num_threads=3, use_ray=True).resolve_defaults()
    assert resolved.num_batch_jobs == 3


@pytest.mark.skipif(not is_free_threaded(require_active=True), reason="needs the GIL disabled")
def test_batch_jobs_follow_threads_without_the_gil(project: Path) -> None:
    resolved = ParallelSettings(num_cpus=8, num_threads=3).resolve_defaults()
    assert resolved.num_batch_jobs == 3


def test_minus_one_backend_threads_stays_and_is_explained(project: Path) -> None:
    resolved = ParallelSettings(num_cpus=4, num_backend_threads=-1).resolve_defaults()
    assert resolved.num_backend_threads == -1
    assert "-1 = leave BLAS, PyTorch" in str(resolved.source_of("num_backend_threads"))


def test_minus_one_keeps_its_source_and_notes_the_meaning(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LK_NUM_THREADS", "-1")
    resolved = ParallelSettings(num_cpus=6).resolve_defaults()
    assert str(resolved.source_of("num_threads")) == "environment LK_NUM_THREADS (-1 = N = 6)"


def test_explicit_values_keep_their_source(project: Path) -> None:
    resolved = ParallelSettings(num_cpus=8, num_threads=4).resolve_defaults()
    assert resolved.source_of("num_threads") == ValueSource("argument", "num_threads")


def test_cpu_count_is_detected_when_unset(project: Path) -> None:
    from lenskit.parallel import cpu_facts

    resolved = ParallelSettings().resolve_defaults()
    facts = cpu_facts()
    assert resolved.num_cpus == facts.effective
    assert resolved.source_of("num_cpus") == ValueSource("derived", facts.limited_by)


def test_resolving_works_in_place_as_in_lenskit(project: Path) -> None:
    settings = ParallelSettings(num_cpus=8, num_threads=4)
    assert settings.num_backend_threads == 0
    assert settings.resolve_defaults() is settings
    assert (settings.num_backend_threads, settings.num_batch_jobs) != (0, 0)


def test_resolving_twice_changes_nothing(project: Path) -> None:
    once = ParallelSettings(num_cpus=8, num_threads=-1).resolve_defaults()
    before = (once.model_dump(), {n: once.source_of(n) for n in ParallelSettings.model_fields})
    once.resolve_defaults()
    assert (
        once.model_dump(),
        {n: once.source_of(n) for n in ParallelSettings.model_fields},
    ) == before


def test_counts_default_to_zero_meaning_derive(project: Path) -> None:
    settings = ParallelSettings()
    assert (settings.num_cpus, settings.num_threads, settings.num_batch_jobs) == (0, 0, 0)
    assert (settings.num_backend_threads, settings.num_procs) == (0, 0)


def test_zero_from_the_environment_derives(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LK_NUM_THREADS", "0")
    assert ParallelSettings(num_cpus=3).resolve_defaults().num_threads == 3


@fixture_ok
@given(
    jobs=st.integers(min_value=1, max_value=16),
    threads=st.integers(min_value=1, max_value=16),
    backend=st.integers(min_value=1, max_value=8),
)
def test_peak_threads_is_jobs_times_threads_plus_backend(
    project: Path, jobs: int, threads: int, backend: int
) -> None:
    settings = ParallelSettings(
        num_cpus=16, num_batch_jobs=jobs, num_threads=threads, num_backend_threads=backend
    )
    assert settings.peak_threads == jobs * (threads + backend)
    assert settings.total_threads == threads * backend


def test_peak_threads_counts_untouched_backend_pools_as_one_per_cpu(project: Path) -> None:
    settings = ParallelSettings(num_cpus=4, num_threads=2, num_backend_threads=-1, num_batch_jobs=1)
    assert settings.peak_threads == 1 * (2 + 4)
    assert settings.total_threads == 2


def test_env_vars_are_lenskits_three_counts_and_blas_counts(project: Path) -> None:
    env = ParallelSettings(num_cpus=8, num_threads=4, num_batch_jobs=2).env_vars()
    assert env == {
        "LK_NUM_THREADS": "4",
        "LK_NUM_BATCH_JOBS": "2",
        "LK_NUM_BACKEND_THREADS": "2",
        "OMP_NUM_THREADS": "2",
        "OPENBLAS_NUM_THREADS": "2",
        "MKL_NUM_THREADS": "2",
    }


def test_env_vars_leave_an_unresolved_object_as_it_is(project: Path) -> None:
    settings = ParallelSettings(num_cpus=8)
    assert settings.env_vars()["LK_NUM_THREADS"] == "8"
    assert settings.num_threads == 0


def test_per_worker_env_vars_read_back_give_the_worker_settings(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = ParallelSettings(num_cpus=12, num_threads=5, num_batch_jobs=2, use_ray=True)
    for name, value in original.per_worker_env_vars().items():
        monkeypatch.setenv(name, value)
    child = ParallelSettings().resolve_defaults()
    assert (child.num_cpus, child.num_threads, child.num_batch_jobs) == (6, 5, 1)
    assert (child.use_ray, child.ray_address) == (False, None)


def test_env_vars_pass_through_a_blas_count_the_user_set(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    env = ParallelSettings(num_cpus=8, num_threads=4).env_vars()
    assert env["OPENBLAS_NUM_THREADS"] == "3"
    assert env["MKL_NUM_THREADS"] == "2"


def test_env_vars_leave_blas_alone_for_minus_one(project: Path) -> None:
    env = ParallelSettings(num_cpus=8, num_backend_threads=-1).env_vars()
    assert env["LK_NUM_BACKEND_THREADS"] == "-1"
    assert "OMP_NUM_THREADS" not in env


@fixture_ok
@given(n=cpus, jobs=st.integers(min_value=1, max_value=64))
def test_per_worker_env_vars_split_the_cpus_between_workers(
    project: Path, n: int, jobs: int
) -> None:
    env = ParallelSettings(num_cpus=n, num_batch_jobs=jobs).per_worker_env_vars()
    workers_threads = jobs * int(env["LK_NUM_THREADS"])
    assert env["LK_NUM_BATCH_JOBS"] == "1"
    assert env["LK_USE_RAY"] == "false"
    assert workers_threads <= max(n, jobs)
    assert int(env["OMP_NUM_THREADS"]) <= max(1, n // jobs)


def test_overriding_derives_again_what_followed_from_the_old_values(project: Path) -> None:
    settings = ParallelSettings(num_cpus=4, num_threads=3, num_batch_jobs=0).resolve_defaults()
    with_ray = settings.overridden(use_ray=True)
    assert with_ray.num_batch_jobs == 3
    assert with_ray.source_of("use_ray") == ValueSource("argument", "use_ray")
    assert (settings.use_ray, settings.source_of("use_ray").kind) == (False, "default")


def test_overriding_refuses_a_bad_value_by_its_argument_name(project: Path) -> None:
    from lenskit.config import ConfigError

    settings = ParallelSettings(num_cpus=4).resolve_defaults()
    with pytest.raises(ConfigError, match=r"^n_jobs=5000 \(argument\): expected 0 \(derive\)"):
        settings.overridden({"num_batch_jobs": "n_jobs"}, num_batch_jobs=5000)


def test_settings_survive_pickling_with_their_sources(project: Path) -> None:
    import pickle

    resolved = ParallelSettings(num_cpus=8).resolve_defaults()
    copy = pickle.loads(pickle.dumps(resolved))
    assert copy.model_dump() == resolved.model_dump()
    assert copy.source_of("num_threads") == resolved.source_of("num_threads")
