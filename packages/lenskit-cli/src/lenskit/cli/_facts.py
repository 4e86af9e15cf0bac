"""Gather what ``lenskit doctor`` reports, as plain data with stable keys.

Gathering is kept apart from rendering so the same facts print as tables,
as text or as the JSON document scripts and bug reports rely on.  Library
versions come from installed metadata; ray is never imported, and torch only
for ``--full``.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import platform
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

from lenskit.cli._checks import misspelt_tables, unknown_env_vars
from lenskit.config import (
    BLAS_THREAD_VARS,
    LenskitSettings,
    configuration_search_path,
    setting_specs,
)
from lenskit.parallel import CpuFacts

SCHEMA_VERSION = 2

LENSKIT_DISTRIBUTIONS = (
    "lenskit-config",
    "lenskit-data",
    "lenskit-rs",
    "lenskit-batch",
    "lenskit-cli",
    "lenskit-parallel",
)
LIBRARIES = (
    "numpy",
    "threadpoolctl",
    "pydantic",
    "pydantic-settings",
    "torch",
    "ray",
    "click",
    "rich",
    "psutil",
)
# Variables outside lenskit's own that change how many threads something starts.
THREAD_ENV_VARS = (
    *BLAS_THREAD_VARS,
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "MKL_THREADING_LAYER",
    "RAYON_NUM_THREADS",
    "PYTHON_CPU_COUNT",
    "PYTHON_GIL",
    "RAY_ADDRESS",
)


@dataclass
class PythonFacts:
    version: str
    implementation: str
    executable: str
    free_threaded: bool
    gil_enabled: bool


@dataclass
class ThreadPool:
    user_api: str
    implementation: str
    version: str | None
    num_threads: int
    threading_layer: str | None
    filepath: str


@dataclass
class CpuReport:
    logical: int | None
    physical: int | None
    affinity: int | None
    cgroup_version: int | None
    cgroup_quota: float | None
    cgroup_cpus: int | None
    cgroup_file: str | None
    python_cpu_count: int | None
    effective: int
    limited_by: str
    notes: list[str]


@dataclass
class SystemReport:
    processor: str | None
    cpu_frequency_mhz: float | None
    memory_total: int | None
    memory_available: int | None


@dataclass
class RayReport:
    installed: bool
    active: bool
    address: str | None


@dataclass
class TorchReport:
    version: str
    backends: dict[str, str]
    devices: list[dict[str, object]]


@dataclass
class SettingReport:
    value: object
    source: str
    kind: str
    env_var: str
    file_key: str


@dataclass
class ConfigReport:
    root: str | None
    files: list[str]
    search_path: list[str]


@dataclass
class BackendReport:
    name: str
    target: str
    distribution: str | None
    loaded: bool
    facts: dict[str, object]
    error: str | None


@dataclass
class PathsReport:
    sys_path: list[str]


@dataclass
class DoctorFacts:
    """Everything doctor shows; ``to_json()`` is the documented ``--json`` document."""

    python: PythonFacts
    lenskit_packages: dict[str, str | None]
    libraries: dict[str, str | None]
    blas: list[ThreadPool]
    openmp: list[ThreadPool]
    system: SystemReport
    cpus: CpuReport
    settings: dict[str, dict[str, SettingReport]]
    peak_threads: int
    config: ConfigReport
    environment: dict[str, str]
    backends: list[BackendReport]
    ray: RayReport
    warnings: list[str]
    torch: TorchReport | None = None
    installed_packages: dict[str, str] | None = None
    paths: PathsReport | None = None

    def to_json(self) -> dict[str, object]:
        """The ``--json`` document: ``schema_version`` then every field, all keys always present."""
        data: dict[str, object] = {"schema_version": SCHEMA_VERSION}
        data.update(asdict(self))
        return data


def distribution_version(name: str) -> str | None:
    """The installed version of a distribution, read from metadata (nothing is imported)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def python_facts() -> PythonFacts:
    from lenskit.parallel import is_free_threaded

    gil_check = getattr(sys, "_is_gil_enabled", None)
    return PythonFacts(
        version=platform.python_version(),
        implementation=platform.python_implementation(),
        executable=sys.executable,
        free_threaded=is_free_threaded(),
        gil_enabled=True if gil_check is None else bool(gil_check()),
    )


def load_numpy_blas() -> None:
    """Load the BLAS library numpy links, so threadpoolctl can see it.

    Loading numpy's compiled core as a plain shared library brings in its BLAS
    without numpy's Python start-up (most of what ``import numpy`` costs);
    where that core cannot be found or loaded, numpy is imported.
    """
    spec = find_spec("numpy")
    if "numpy" in sys.modules or spec is None or spec.origin is None:
        return
    folder = Path(spec.origin).parent
    for core in sorted(folder.glob("*core/_multiarray_umath.*")):
        try:
            ctypes.CDLL(str(core))
        except OSError:
            continue
        return
    import numpy  # noqa: F401


def thread_pools() -> list[ThreadPool]:
    """Native thread pools loaded in this process, numpy's BLAS included."""
    load_numpy_blas()
    from threadpoolctl import threadpool_info

    pools: list[ThreadPool] = []
    for info in threadpool_info():
        pools.append(
            ThreadPool(
                user_api=str(info.get("user_api", "")),
                implementation=str(info.get("internal_api", "")),
                version=None if info.get("version") is None else str(info.get("version")),
                num_threads=int(info.get("num_threads", 0)),
                threading_layer=None
                if info.get("threading_layer") is None
                else str(info.get("threading_layer")),
                filepath=str(info.get("filepath", "")),
            )
        )
    return pools


def cpu_report(facts: CpuFacts) -> CpuReport:
    cores = {(c.get("physical id"), c.get("core id")) for c in _cpuinfo()}
    if cores and all(core != (None, None) for core in cores):
        physical: int | None = len(cores)
    else:
        import psutil

        physical = psutil.cpu_count(logical=False)
    return CpuReport(
        logical=facts.logical,
        physical=physical,
        affinity=facts.affinity,
        cgroup_version=None if facts.cgroup is None else facts.cgroup.version,
        cgroup_quota=None if facts.cgroup is None else facts.cgroup.cpus,
        cgroup_cpus=facts.cgroup_cpus,
        cgroup_file=None if facts.cgroup is None else str(facts.cgroup.file),
        python_cpu_count=facts.python_cpu_count,
        effective=facts.effective,
        limited_by=facts.limited_by,
        notes=list(facts.notes),
    )


def settings_report(settings: LenskitSettings) -> dict[str, dict[str, SettingReport]]:
    """Resolved value and source of every setting, by table then name."""
    report: dict[str, dict[str, SettingReport]] = {}
    parallel = settings.parallel.resolve_defaults()
    for spec in setting_specs():
        source = parallel.source_of(spec.name)
        report.setdefault("parallel", {})[spec.name] = SettingReport(
            value=getattr(parallel, spec.name),
            source=str(source),
            kind=source.kind,
            env_var=spec.env_var,
            file_key=spec.file_key,
        )
    return report


def config_report(settings: LenskitSettings) -> ConfigReport:
    return ConfigReport(
        root=None if settings.config_root is None else str(settings.config_root),
        files=[str(path) for path in settings.config_files],
        search_path=[str(path) for path in configuration_search_path()],
    )


def environment_report() -> dict[str, str]:
    """``LK_*`` and thread-count variables the user set (not those lenskit exported)."""
    from lenskit.config._resolve import BLAS_THREAD_VARS as EXPORTED
    from lenskit.config._resolve import user_blas_env

    user = user_blas_env()
    names = [
        name
        for name in os.environ
        if (name.startswith("LK_") or name in THREAD_ENV_VARS)
        and (name not in EXPORTED or name in user)
    ]
    return {name: os.environ[name] for name in sorted(names)}


def backend_reports() -> list[BackendReport]:
    """Every registered parallel backend, described as the settings in force left it."""
    from lenskit.parallel import load_backends

    reports: list[BackendReport] = []
    for entry in load_backends():
        facts: dict[str, object] = {}
        error = entry.error
        if entry.backend is not None:
            try:
                facts = dict(entry.backend.describe())
            except Exception as err:
                error = f"describe() failed: {type(err).__name__}: {err}"
        reports.append(
            BackendReport(
                name=entry.name,
                target=entry.target,
                distribution=entry.distribution,
                loaded=entry.backend is not None and error is None,
                facts=facts,
                error=error,
            )
        )
    return reports


def installed_packages() -> dict[str, str]:
    """Every installed distribution and its version, by name."""
    found = {dist.metadata["Name"]: dist.version for dist in metadata.distributions()}
    return dict(sorted(found.items(), key=lambda item: item[0].lower()))


def system_report() -> SystemReport:
    """Processor model, clock and memory: from ``/proc`` on Linux, else from psutil."""
    first = next(iter(_cpuinfo()), {})
    processor = first.get("model name") or platform.processor() or None
    mhz = first.get("cpu MHz")
    memory = _meminfo()
    if mhz is None or not memory:
        import psutil

        freq = psutil.cpu_freq()
        mhz = mhz or (str(freq.max or freq.current) if freq is not None else None)
        virtual = psutil.virtual_memory()
        memory = memory or {"MemTotal": int(virtual.total), "MemAvailable": int(virtual.available)}
    return SystemReport(
        processor,
        float(mhz) if mhz else None,
        memory.get("MemTotal"),
        memory.get("MemAvailable"),
    )


def _cpuinfo() -> list[dict[str, str]]:
    """One dict per processor in ``/proc/cpuinfo`` (empty where there is no such file)."""
    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return []
    return [
        {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in block)}
        for block in (b.splitlines() for b in text.split("\n\n"))
        if block
    ]


def _meminfo() -> dict[str, int]:
    """``/proc/meminfo`` in bytes (empty where there is no such file)."""
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return {}
    found: dict[str, int] = {}
    for line in lines:
        key, _, value = line.partition(":")
        amount, _, unit = value.strip().partition(" ")
        if amount.isdigit():
            found[key] = int(amount) * (1024 if unit == "kB" else 1)
    return found


def ray_report(settings: LenskitSettings) -> RayReport:
    """Whether Ray is installed and connected here, found without importing it."""
    ray = sys.modules.get("ray")
    active = bool(ray is not None and getattr(ray, "is_initialized", lambda: False)())
    address = settings.parallel.ray_address or os.environ.get("RAY_ADDRESS") or None
    return RayReport(find_spec("ray") is not None, active, address)


def torch_report() -> TorchReport | None:
    """PyTorch's compute backends and devices, importing torch (only for ``--full``)."""
    if find_spec("torch") is None:
        return None
    torch = importlib.import_module("torch")

    backends = {"cpu": str(torch.backends.cpu.get_cpu_capability())}
    for name, module in (
        ("cuda", torch.cuda),
        ("mkl", torch.backends.mkl),
        ("mps", torch.backends.mps),
    ):
        if module.is_available():
            backends[name] = "available"
        else:
            built = getattr(module, "is_built", lambda: False)()
            backends[name] = "unavailable" if built else "absent"
    devices: list[dict[str, object]] = []
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            devices.append(
                {
                    "device": f"cuda:{index}",
                    "name": props.name,
                    "capability": f"{props.major}.{props.minor}",
                    "memory": int(props.total_memory),
                }
            )
    return TorchReport(str(torch.__version__), backends, devices)


def gather(
    settings: LenskitSettings, *, packages: bool = False, paths: bool = False, full: bool = False
) -> DoctorFacts:
    """Collect the whole report for *settings*, whose parallel settings are in force."""
    from lenskit.parallel import cpu_facts, parallel_warnings

    parallel = settings.parallel
    backends = backend_reports()
    facts = cpu_facts()
    cpus = cpu_report(facts)
    warnings = parallel_warnings(parallel, cpus=facts)
    warnings += unknown_env_vars() + misspelt_tables(settings)
    warnings += [
        f"parallel backend {b.name!r} ({b.target}): {b.error}" for b in backends if b.error
    ]
    warnings += cpus.notes
    pools = thread_pools()
    return DoctorFacts(
        python=python_facts(),
        lenskit_packages={name: distribution_version(name) for name in LENSKIT_DISTRIBUTIONS},
        libraries={name: distribution_version(name) for name in LIBRARIES},
        blas=[pool for pool in pools if pool.user_api == "blas"],
        openmp=[pool for pool in pools if pool.user_api == "openmp"],
        system=system_report(),
        cpus=cpus,
        settings=settings_report(settings),
        peak_threads=parallel.peak_threads,
        config=config_report(settings),
        environment=environment_report(),
        backends=backends,
        ray=ray_report(settings),
        warnings=warnings,
        torch=torch_report() if full else None,
        installed_packages=installed_packages() if packages or full else None,
        paths=PathsReport(sys_path=list(sys.path)) if paths or full else None,
    )
