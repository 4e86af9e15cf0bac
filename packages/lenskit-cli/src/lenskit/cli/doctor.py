"""``lenskit doctor``: show the environment, the CPUs and the parallel settings in force.

The facts come from ``_facts`` (which never imports ray, and torch only for
``--full``); this module only lays them out, as tables, text or JSON, and
writes the versions to a GitHub Actions output file when asked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from lenskit.config import ConfigError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from lenskit.cli._facts import DoctorFacts, TorchReport
    from lenskit.cli._report import Section


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as a JSON document.")
@click.option("--packages", is_flag=True, help="Also list every installed distribution.")
@click.option("--paths", is_flag=True, help="Also show sys.path and the configuration search path.")
@click.option(
    "--full", is_flag=True, help="Everything: packages, paths, and PyTorch backends and devices."
)
@click.option(
    "--github-output",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="GITHUB_OUTPUT",
    help="Append name=version lines to this GitHub Actions output file [default: $GITHUB_OUTPUT].",
)
def doctor(
    as_json: bool, packages: bool, paths: bool, full: bool, github_output: Path | None
) -> None:
    """Report the environment and the parallel settings in force."""
    from lenskit.cli._facts import gather
    from lenskit.cli._report import emit
    from lenskit.config import lenskit_config

    try:
        facts = gather(lenskit_config(), packages=packages, paths=paths, full=full)
    except ConfigError as err:
        raise click.ClickException(str(err)) from None
    if github_output is not None:
        _write_github_output(github_output, facts)
    if as_json:
        click.echo(json.dumps(facts.to_json(), indent=2, default=str))
    else:
        emit(sections(facts))


def _write_github_output(path: Path, facts: DoctorFacts) -> None:
    """``lenskit_version=...`` and each package's version, as GitHub Actions reads outputs."""
    versions = {"lenskit": facts.lenskit_packages.get("lenskit-cli")}
    versions |= {name: version for name, version in facts.lenskit_packages.items()}
    versions |= {"numpy": facts.libraries.get("numpy"), "pytorch": facts.libraries.get("torch")}
    versions["python"] = facts.python.version
    lines = [f"{name.replace('-', '_')}_version={v}\n" for name, v in versions.items() if v]
    try:
        with path.open("a") as out:
            out.writelines(lines)
    except OSError as err:
        raise click.BadParameter(
            f"{path}: {err.strerror or err}", param_hint="'--github-output'"
        ) from None


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
        Section("System", _system_rows(facts)),
        Section("CPUs", _cpu_rows(facts)),
        Section("Parallel settings", _setting_rows(facts)),
        Section("Configuration files", _config_rows(facts)),
        Section(
            "Environment",
            [(name, value) for name, value in facts.environment.items()],
            empty="no LK_* or thread-count variables set",
        ),
        Section("Parallel backends", _backend_rows(facts), empty="none registered"),
        Section("Ray", _ray_rows(facts)),
        Section("Warnings", [(w,) for w in facts.warnings], alert=True),
    ]
    if facts.torch is not None:
        out.append(Section("PyTorch", _torch_rows(facts.torch)))
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
        ("effective", f"{cpus.effective} ({cpus.limited_by})"),
    ]


def _system_rows(facts: DoctorFacts) -> list[tuple[str, ...]]:
    system = facts.system
    mhz = system.cpu_frequency_mhz
    total, available = system.memory_total, system.memory_available
    memory = "unknown"
    if total is not None and available is not None:
        memory = f"{_gib(total)} total, {_gib(available)} available"
    return [
        ("processor", _unset(system.processor)),
        ("CPU frequency", "unknown" if mhz is None else f"{mhz / 1000:.2f} GHz"),
        ("memory", memory),
    ]


def _gib(size: int) -> str:
    return f"{size / 2**30:.1f} GiB"


def _ray_rows(facts: DoctorFacts) -> list[tuple[str, ...]]:
    ray = facts.ray
    if not ray.installed:
        return [("installed", "no (pip install 'lenskit-batch[ray]')")]
    return [
        ("installed", "yes"),
        ("active", "yes, connected in this process" if ray.active else "no"),
        ("address", ray.address or "unset (a run starts a private cluster on 127.0.0.1)"),
    ]


def _torch_rows(torch: TorchReport) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [("version", torch.version)]
    rows += [(name, state) for name, state in torch.backends.items()]
    rows += [
        (
            str(d["device"]),
            f"{d['name']} (capability {d['capability']}, {_gib(int(str(d['memory'])))})",
        )
        for d in torch.devices
    ]
    return rows


def _setting_rows(facts: DoctorFacts) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for table, settings in facts.settings.items():
        for name, report in settings.items():
            key = f"{table}.{name}" if table else name
            rows.append((key, _toml_text(report.value), report.source))
    rows.append(("peak threads", str(facts.peak_threads), "num_batch_jobs x (threads + backend)"))
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
