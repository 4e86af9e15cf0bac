"""Oversubscription and waste are found and explained in words."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lenskit.config import ParallelSettings
from lenskit.parallel import CgroupQuota, CpuFacts, is_free_threaded, parallel_warnings
from lenskit.parallel._diagnose import far_above_cpus

RunPython = Callable[..., subprocess.CompletedProcess[str]]


def machine(cpus: int, *, affinity: int | None = None, quota: float | None = None) -> CpuFacts:
    """CPU facts of an imagined machine."""
    mask = cpus if affinity is None else affinity
    cgroup = None if quota is None else CgroupQuota(2, quota, Path("/sys/fs/cgroup/cpu.max"))
    return CpuFacts(
        logical=mask,
        affinity=mask,
        cgroup=cgroup,
        python_cpu_count=None,
        effective=cpus,
        limited_by="affinity mask",
    )


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(min_value=1, max_value=256), use_ray=st.booleans())
def test_derived_defaults_raise_no_warning(project: Path, n: int, use_ray: bool) -> None:
    assert parallel_warnings(ParallelSettings(num_cpus=n, use_ray=use_ray), cpus=machine(n)) == []


def test_each_chosen_count_far_above_the_cpus_is_named(project: Path) -> None:
    chosen = ParallelSettings(num_cpus=2, num_threads=200, num_batch_jobs=300)
    found = far_above_cpus(chosen, machine(2))
    assert [w.split(" = ")[0] for w in found] == ["num_threads", "num_batch_jobs"]


def test_a_derived_count_is_not_named_beside_a_chosen_one(project: Path) -> None:
    # Planned for 64 CPUs on a 1-CPU machine, num_threads derives to 8 (far above 1 CPU) while
    # the chosen batch-job count is the mistake to name: one mistake, one line.
    chosen = ParallelSettings(num_cpus=64, num_batch_jobs=300)
    assert chosen.resolve_defaults().source_of("num_threads").kind == "derived"
    found = far_above_cpus(chosen, machine(1))
    assert [w.split(" = ")[0] for w in found] == ["num_batch_jobs"]


def test_a_derived_count_is_named_when_no_chosen_count_is_too_high(project: Path) -> None:
    planned = ParallelSettings(num_cpus=64, use_ray=True)  # Ray jobs are not counted
    found = far_above_cpus(planned, machine(1))
    assert [w.split(" = ")[0] for w in found] == ["num_threads"]
    assert "derived" in found[0]


def test_too_many_threads_for_the_cpus_is_oversubscription(project: Path) -> None:
    chosen = ParallelSettings(num_cpus=4, num_threads=4, num_backend_threads=4, use_ray=True)
    found = parallel_warnings(chosen, cpus=machine(4))
    assert any(w.startswith("oversubscribed: up to 32 threads") for w in found)


def test_several_batch_jobs_with_the_gil_and_without_ray_are_flagged(project: Path) -> None:
    if is_free_threaded(require_active=True):
        pytest.skip("no GIL here")
    chosen = ParallelSettings(num_cpus=8, num_threads=2, num_batch_jobs=4)
    found = parallel_warnings(chosen, cpus=machine(8))
    assert any(w.startswith("num_batch_jobs = 4 (argument num_batch_jobs)") for w in found)


def test_several_batch_jobs_with_ray_are_fine(project: Path) -> None:
    chosen = ParallelSettings(
        num_cpus=8, num_threads=2, num_batch_jobs=4, num_backend_threads=1, use_ray=True
    )
    assert parallel_warnings(chosen, cpus=machine(8)) == []


def test_quota_below_the_affinity_mask_is_explained(project: Path) -> None:
    found = parallel_warnings(
        ParallelSettings(num_cpus=2, num_threads=1), cpus=machine(2, affinity=8, quota=1.5)
    )
    assert any("quota (1.5 CPUs" in w and "affinity mask (8 CPUs)" in w for w in found)


def test_num_cpus_above_what_the_process_may_use_is_flagged(project: Path) -> None:
    found = parallel_warnings(ParallelSettings(num_cpus=16, num_threads=2), cpus=machine(2))
    assert any(
        w.startswith("num_cpus = 16 (argument num_cpus) is more than the 2 CPUs") for w in found
    )


@pytest.mark.skipif(not is_free_threaded(), reason="needs a free-threaded build")
def test_a_free_threaded_build_with_the_gil_back_on_is_flagged(run_python: RunPython) -> None:
    result = run_python(
        """
        import json
        from lenskit.parallel import parallel_warnings
        print(json.dumps(parallel_warnings()))
        """,
        PYTHON_GIL="1",
    )
    assert result.returncode == 0, result.stderr
    assert any("GIL is enabled (PYTHON_GIL=1 is set)" in w for w in json.loads(result.stdout))
