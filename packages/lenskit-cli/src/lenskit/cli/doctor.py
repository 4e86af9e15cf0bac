"""``lenskit doctor``: show the environment, the CPUs and the parallel settings in force.

The facts come from ``_facts`` (which never imports torch or ray); this
module only lays them out, as tables, text or JSON.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from lenskit.config import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from lenskit.cli._facts import DoctorFacts
    from lenskit.cli._report import Section


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as a JSON document.")
@click.option("--packages", is_flag=True, help="Also list every installed distribution.")
@click.option("--paths", is_flag=True, help="Also show sys.path and the configuration search path.")
def doctor(as_json: bool, packages: bool, paths: bool) -> None:
    """Report the environment and resolved parallel settings."""
    from lenskit.cli._facts import gather
    from lenskit.cli._report import emit
    from lenskit.config import lenskit_config

    try:
        facts = gather(lenskit_config(), packages=packages, paths=paths)
    except ConfigError as err:
        raise click.ClickException(str(err)) from None
    if as_json:
        click.echo(json.dumps(facts.to_json(), indent=2, default=str))
    else:
        emit(sections(facts))


def sections(facts: DoctorFacts) -> list[Section]:
    """The report laid out as titled sections, in reading order."""
    from lenskit.cli._report import Section

    py = facts.python
    out = [
        Section(
            "Python",
            [
                ("version", f"{py.version} ({py.implementation})"),
                ("executable", py.executable),
                ("free-threaded", "yes" if py.free_threaded else "no"),
                ("GIL", "enabled" if py.gil_enabled else "disabled"),
            ],
        ),
        Section("LensKit packages", _versions(facts.lenskit_packages)),
        Section("Libraries", _versions(facts.libraries)),
        Section(
            "BLAS and OpenMP",
            [
                (p.implementation, p.version or "", f"{p.num_threads} threads", p.filepath)
                for p in facts.blas + facts.openmp
            ],
            empty="no BLAS or OpenMP library loaded",
        ),
        Section("CPUs", _cpu_rows(facts)),
        Section("Parallel settings", _setting_rows(facts)),
        Section("Configuration files", _config_rows(facts)),
        Section(
            "Environment",
            [(name, value) for name, value in facts.environment.items()],
            empty="no LK_* or thread-count variables set",
        ),
        Section("Parallel backends", _backend_rows(facts), empty="none registered"),
        Section("Warnings", [(w,) for w in facts.warnings], alert=True),
    ]
    if facts.installed_packages is not None:
        out.append(Section("Installed packages", _versions(facts.installed_packages)))
    if facts.paths is not None:
        out.append(Section("sys.path", [(p,) for p in facts.paths.sys_path]))
        out.append(Section("Configuration search path", [(p,) for p in facts.config.search_path]))
    return out


def _versions(versions: Mapping[str, str | None]) -> list[tuple[str, ...]]:
    return [(name, version or "not installed") for name, version in versions.items()]


def _unset(value: object) -> str:
    return "unset" if value is None else str(value)


def _cpu_rows(facts: DoctorFacts) -> list[tuple[str, ...]]:
    cpus = facts.cpus
    quota = "none"
    if cpus.cgroup_quota is not None:
        quota = (
            f"{cpus.cgroup_quota:g} CPUs -> {cpus.cgroup_cpus} "
            f"(cgroup v{cpus.cgroup_version}, {cpus.cgroup_file})"
        )
    return [
        ("logical", _unset(cpus.logical)),
        ("physical", _unset(cpus.physical)),
        ("affinity mask", _unset(cpus.affinity)),
        ("cgroup quota", quota),
        ("PYTHON_CPU_COUNT", _unset(cpus.python_cpu_count)),
        ("LK_NUM_CPUS", _unset(cpus.lk_num_cpus)),
        ("effective", f"{cpus.effective} ({cpus.limited_by})"),
    ]


def _setting_rows(facts: DoctorFacts) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for table, settings in facts.settings.items():
        for name, report in settings.items():
            key = f"{table}.{name}" if table else name
            rows.append((key, _toml_text(report.value), report.source))
    rows.append(("total threads", str(facts.total_threads), "num_batch_jobs x (threads + backend)"))
    return rows


def _config_rows(facts: DoctorFacts) -> list[tuple[str, ...]]:
    if facts.config.files:
        return [(path,) for path in facts.config.files]
    searched = facts.config.search_path
    if len(searched) > 1:
        where = f" (searched {searched[0]} up to {searched[-1]})"
    else:
        where = f" (searched {searched[0]})" if searched else ""
    return [(f"no lenskit.toml found{where}",)]


def _backend_rows(facts: DoctorFacts) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for backend in facts.backends:
        if backend.error:
            rows.append((backend.name, "not available", backend.error))
        else:
            described = ", ".join(f"{k}={v}" for k, v in backend.facts.items())
            rows.append((backend.name, "ok", described or backend.target))
    return rows


def _toml_text(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
