"""The settings declaration: every table of ``lenskit.toml``, as LensKit 2026.4 names them.

This module is data: each field's kind of value (`lenskit.config._values`),
its default rule and its description.  Loading lives in ``_load`` and
defaults are worked out by ``_resolve``; the methods here only call them.
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr
from pydantic_core import PydanticCustomError
from pydantic_settings import SettingsConfigDict

if sys.version_info >= (3, 12):
    from typing import TypedDict
else:  # pydantic needs typing_extensions' TypedDict before 3.12 (and depends on it)
    from typing_extensions import TypedDict

from lenskit.config._errors import ConfigError, bad_value
from lenskit.config._load import _FOLDER, TrackedSettings, kind_of
from lenskit.config._resolve import lenskit_env, peak_threads, resolve, worker_env
from lenskit.config._source import ValueSource
from lenskit.config._values import BOOLEAN, COUNT, CPUS, JOBS, PROCS, TEXT, Kind, Rule


def _checked(kind: Kind) -> BeforeValidator:
    def check(raw: object) -> object:
        try:
            return kind.parse(raw)
        except ValueError as err:
            allowed = {"allowed": str(err)}
            raise PydanticCustomError("lenskit_setting", "expected {allowed}", allowed) from None

    return BeforeValidator(check)


Count = Annotated[int, _checked(COUNT), COUNT]
Procs = Annotated[int, _checked(PROCS), PROCS]
Flag = Annotated[bool, _checked(BOOLEAN), BOOLEAN]
Text = Annotated[str | None, _checked(TEXT), TEXT]


class ParallelSettings(TrackedSettings):
    """How many CPUs, threads, batch jobs and backend threads LensKit uses.

    The ``[parallel]`` table of ``lenskit.toml``, or ``LK_*`` variables.  Counts
    left at 0 are derived by `resolve_defaults`, which works in place.
    """

    model_config = SettingsConfigDict(env_prefix="LK_", extra="forbid")

    num_cpus: Annotated[
        int,
        _checked(CPUS),
        CPUS,
        Rule("the CPUs this process may use (affinity mask, cgroup quota, PYTHON_CPU_COUNT)"),
    ] = Field(
        default=0, description="CPUs to plan for; the other defaults are derived from it (N)."
    )
    num_threads: Annotated[Count, Rule("min(N, 8)", minus_one="N")] = Field(
        default=0, description="Threads for LensKit's own parallel work (the Rayon pool)."
    )
    num_backend_threads: Annotated[
        Count,
        Rule(
            "max(min(N // num_threads, 4), 1)",
            minus_one_text="leave BLAS, PyTorch and other backend pools untouched",
        ),
    ] = Field(default=0, description="Threads for compute backends: BLAS, PyTorch.")
    num_batch_jobs: Annotated[
        Count, Rule("num_threads if free_threaded or use_ray else 1", minus_one="N")
    ] = Field(default=0, description="Batch inference jobs run at once (threads or Ray tasks).")
    num_procs: Procs = Field(default=0, description="Accepted for LensKit compatibility; not used.")
    use_ray: Flag = Field(
        default=False, description="Run batch jobs as Ray tasks instead of threads."
    )
    tune_jobs: Annotated[int | None, _checked(JOBS), JOBS] = Field(
        default=None, description="LensKit's alias for tuning.jobs (hyperparameter tuning jobs)."
    )
    ray_address: Text = Field(
        default=None, description="Address of an existing Ray cluster to use when use_ray is on."
    )

    def resolve_defaults(self) -> Self:
        """Replace every 0 (and -1 where it means "all CPUs") with a number, in place.

        Each derived value records the rule and the numbers it came from
        (`source_of`).  Resolving again changes nothing.
        """
        resolve(self)
        return self

    @property
    def total_threads(self) -> int:
        """LensKit's figure: threads x backend threads (threads alone when backend is -1)."""
        if self.num_backend_threads > 0:
            return self.num_threads * self.num_backend_threads
        return self.num_threads

    @property
    def peak_threads(self) -> int:
        """The most threads every layer may run at once: jobs x (threads + backend threads)."""
        return peak_threads(self)

    def env_vars(self) -> dict[str, str]:
        """LensKit's child-process environment: the three counts and the BLAS/OpenMP variables."""
        return lenskit_env(self)

    def per_worker_env_vars(self) -> dict[str, str]:
        """Every ``LK_*`` setting for one of ``num_batch_jobs`` workers sharing the CPUs."""
        return worker_env(self)

    def overridden(self, names: dict[str, str] | None = None, **values: object) -> Self:
        """A resolved copy with *values* given as arguments (named as in *names*).

        Values this object derived are derived again, so ``use_ray=True`` also
        brings the batch-job count that goes with Ray.
        """
        copy = self.model_copy()
        sources = dict(copy._sources)
        for name, source in self._sources.items():
            if source.kind == "derived" and name != "num_cpus":
                setattr(copy, name, 0)
                del sources[name]
        for name, value in values.items():
            label = (names or {}).get(name, name)
            kind = kind_of(type(self), (name,))
            try:
                setattr(copy, name, kind.parse(value) if kind else value)
            except ValueError as err:
                raise ConfigError(bad_value(label, value, "argument", f"expected {err}")) from None
            sources[name] = ValueSource("argument", label)
        copy._sources = sources
        return copy.resolve_defaults()


class RandomSettings(BaseModel):
    """The ``[random]`` table: the root seed for components that draw random numbers."""

    seed: int | None = None


class PowerQueries(TypedDict, total=False):
    """Prometheus queries (format strings over ``elapsed``) for a machine's energy use."""

    system: str
    cpu: str
    gpu: str


class MachineSettings(BaseModel):
    """One entry of ``[machines]``: a computer used for experiments."""

    model_config = ConfigDict(extra="allow")

    description: str | None = None
    power_queries: PowerQueries = Field(default_factory=PowerQueries)


class PrometheusSettings(BaseModel):
    """The ``[prometheus]`` table: where LensKit's task logging queries metrics."""

    url: str | None = None


class TuneSettings(BaseModel):
    """The ``[tuning]`` table of LensKit's hyperparameter search (kept, not used here)."""

    jobs: int | None = None
    gpu_mult: float = Field(default=1.0, gt=0, le=1.0)
    defaults: dict[str, Any] | None = None


class LenskitSettings(TrackedSettings):
    """Everything in ``lenskit.toml``: LensKit's tables, and any other table left as is."""

    model_config = SettingsConfigDict(env_prefix="LK_", env_nested_delimiter="__", extra="allow")
    reads_files: ClassVar[bool] = True

    random: RandomSettings = Field(default_factory=RandomSettings)
    parallel: ParallelSettings = Field(default_factory=ParallelSettings)
    machine: str | None = None
    prometheus: PrometheusSettings = Field(default_factory=PrometheusSettings)
    machines: dict[str, MachineSettings] = Field(default_factory=dict)
    tuning: TuneSettings = Field(default_factory=TuneSettings)

    _root: Path | None = PrivateAttr(default=None)
    _files: tuple[Path, ...] = PrivateAttr(default=())

    def _loaded(self, files: list[Path]) -> None:
        self._root = _FOLDER.get()
        # Sources are read highest priority first; report files in reading order.
        self._files = tuple(reversed(files))

    @property
    def config_root(self) -> Path | None:
        """The folder whose ``lenskit.toml`` / ``lenskit.local.toml`` were looked for."""
        return self._root

    @property
    def config_files(self) -> tuple[Path, ...]:
        """The configuration files actually read, lowest priority first."""
        return self._files

    @property
    def current_machine(self) -> MachineSettings | None:
        """The ``[machines]`` entry named by ``machine``, if there is one."""
        return self.machines.get(self.machine) if self.machine else None

    def finish_setup(self) -> None:
        """Copy ``parallel.tune_jobs`` to ``tuning.jobs`` and resolve the parallel defaults."""
        if self.parallel.tune_jobs is not None:
            if self.tuning.jobs is not None:
                warnings.warn(
                    "parallel.tune_jobs and tuning.jobs both set, using parallel.tune_jobs",
                    stacklevel=2,
                )
            self.tuning.jobs = self.parallel.tune_jobs
        self.parallel.resolve_defaults()
