"""Parallelism control: sizing every thread pool once, from the resolved settings.

Read like threadpoolctl: a few verbs returning plain data.  The names are
LensKit 2026.4's, plus diagnostics.

- `effective_cpu_count` / `cpu_facts`: CPUs from the affinity mask, cgroup
  quotas and ``PYTHON_CPU_COUNT``.
- `ensure_parallel_init` / `init_threading`: size BLAS, PyTorch and every
  backend registered under ``lenskit.parallel.backends``, once per process.
- `get_parallel_config`: the resolved settings in force.
- `parallel_warnings`: oversubscription and waste, explained.
"""

from lenskit.config._cgroup import CgroupQuota
from lenskit.config._machine import CpuFacts, cpu_facts, effective_cpu_count, is_free_threaded
from lenskit.parallel._backends import (
    BACKEND_GROUP,
    BackendEntry,
    ParallelBackend,
    load_backends,
)
from lenskit.parallel._diagnose import parallel_warnings
from lenskit.parallel._init import (
    ParallelInitWarning,
    ensure_parallel_init,
    get_parallel_config,
    init_threading,
)

__all__ = [
    "BACKEND_GROUP",
    "BackendEntry",
    "CgroupQuota",
    "CpuFacts",
    "ParallelBackend",
    "ParallelInitWarning",
    "cpu_facts",
    "effective_cpu_count",
    "ensure_parallel_init",
    "get_parallel_config",
    "init_threading",
    "is_free_threaded",
    "load_backends",
    "parallel_warnings",
]
