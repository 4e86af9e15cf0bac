"""``lenskit doctor`` reports the environment and settings, as text or as documented JSON."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from importlib import metadata
from importlib.util import find_spec
from pathlib import Path

import pytest
from click.testing import CliRunner

from lenskit.cli import main
from lenskit.config import _global
from lenskit.parallel import effective_cpu_count

LENSKIT = Path(sys.executable).parent / "lenskit"
DOCS = Path(__file__).parents[2] / "docs" / "doctor.md"
JSON_KEYS = {
    "schema_version",
    "python",
    "lenskit_packages",
    "libraries",
    "blas",
    "openmp",
    "cpus",
    "system",
    "settings",
    "peak_threads",
    "config",
    "environment",
    "backends",
    "ray",
    "warnings",
    "torch",
    "installed_packages",
    "paths",
}
SECTIONS = [
    "Python",
    "LensKit packages",
    "Libraries",
    "BLAS and OpenMP",
    "System",
    "CPUs",
    "Parallel settings",
    "Configuration files",
    "Environment",
    "Parallel backends",
    "Ray",
    "Warnings",
]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder as working directory, no lenskit variables, no settings loaded."""
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    for name in list(os.environ):
        if name.startswith("LK_") or name in ("OMP_NUM_THREADS", "PYTHON_CPU_COUNT"):
            monkeypatch.delenv(name)
    monkeypatch.setattr(_global._installed, "settings", None)
    return root


@pytest.fixture(scope="session")
def bytecode_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pycache")


def doctor_json(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(main, ["doctor", "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def run_process(
    args: list[str], project: Path, cache: Path, pythonpath: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run a real process in *project* with a clean lenskit environment plus *env*."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LK_")}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    environment |= {"PYTHONPYCACHEPREFIX": str(cache), **env}
    if pythonpath is not None:
        environment["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        args, cwd=project, env=environment, capture_output=True, text=True, timeout=120, check=False
    )


def install_backend(folder: Path, name: str, code: str) -> Path:
    """A real ``lenskit.parallel.backends`` entry point in *folder* (for ``PYTHONPATH``)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}_backend.py").write_text(textwrap.dedent(code))
    dist = folder / f"{name}_backend-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}-backend\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        f"[lenskit.parallel.backends]\n{name} = {name}_backend:BACKEND\n"
    )
    return folder


def test_plain_report_shows_every_section(project: Path) -> None:
    result = CliRunner().invoke(main, ["doctor"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line for line in lines if line in SECTIONS] == SECTIONS


def test_plain_report_has_no_terminal_colours(project: Path) -> None:
    result = CliRunner().invoke(main, ["doctor"])
    assert "\x1b[" not in result.stdout


def test_json_document_has_every_documented_key(project: Path) -> None:
    assert set(doctor_json()) == JSON_KEYS


def test_doctor_page_documents_every_json_key() -> None:
    text = DOCS.read_text()
    assert [key for key in sorted(JSON_KEYS) if f"`{key}`" not in text] == []


def test_settings_show_their_value_and_source(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LK_NUM_THREADS", "3")
    settings = doctor_json()["settings"]
    assert settings["parallel"]["num_threads"] == {  # type: ignore[index]
        "value": 3,
        "source": "environment LK_NUM_THREADS",
        "kind": "environment",
        "env_var": "LK_NUM_THREADS",
        "file_key": "[parallel].num_threads",
    }


def test_configuration_files_found_are_listed(project: Path) -> None:
    (project / "lenskit.toml").write_text("[parallel]\nnum_threads = 2\n")
    config = doctor_json()["config"]
    assert config["files"] == [str(project / "lenskit.toml")]  # type: ignore[index]
    assert config["root"] == str(project)  # type: ignore[index]


def test_package_versions_come_from_metadata(project: Path) -> None:
    report = doctor_json()
    assert report["lenskit_packages"]["lenskit-config"] == metadata.version("lenskit-config")  # type: ignore[index]


@pytest.mark.skipif(find_spec("torch") is not None, reason="torch is installed here")
def test_missing_libraries_are_reported_as_absent(project: Path) -> None:
    assert doctor_json()["libraries"]["torch"] is None  # type: ignore[index]


def test_cpu_facts_match_the_effective_count(project: Path) -> None:
    cpus = doctor_json()["cpus"]
    assert cpus["effective"] == effective_cpu_count()  # type: ignore[index]


def test_lk_and_thread_variables_are_listed(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LK_NUM_THREADS", "3")
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    monkeypatch.setenv("UNRELATED_VARIABLE", "x")
    environment = doctor_json()["environment"]
    assert environment == {"LK_NUM_THREADS": "3", "OMP_NUM_THREADS": "2"}


def test_misspelt_lk_variable_is_warned_about(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LK_NUM_THRAEDS", "3")
    warnings = doctor_json()["warnings"]
    assert any("LK_NUM_THRAEDS" in w and "LK_NUM_THREADS" in w for w in warnings)  # type: ignore[attr-defined]


def test_a_misspelt_table_is_warned_about(project: Path) -> None:
    (project / "lenskit.toml").write_text("[paralel]\nnum_threads = 4\n[myproject]\nx = 1\n")
    assert doctor_json()["warnings"] == [
        "lenskit.toml: [paralel] is not a table lenskit reads (did you mean [parallel]?)"
    ]


def test_oversubscription_is_warned_about(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LK_NUM_CPUS", "2")
    monkeypatch.setenv("LK_NUM_THREADS", "8")
    monkeypatch.setenv("LK_NUM_BACKEND_THREADS", "4")
    monkeypatch.setenv("LK_NUM_BATCH_JOBS", "1")
    warnings = doctor_json()["warnings"]
    assert any(w.startswith("oversubscribed: up to 12 threads") for w in warnings)  # type: ignore[attr-defined]


def test_installed_packages_only_on_request(project: Path) -> None:
    assert doctor_json()["installed_packages"] is None
    listed = doctor_json("--packages")["installed_packages"]
    assert listed["click"] == metadata.version("click")  # type: ignore[index]


def test_paths_only_on_request(project: Path) -> None:
    assert doctor_json()["paths"] is None
    paths = doctor_json("--paths")["paths"]
    assert set(paths["sys_path"]) >= {p for p in sys.path if p}  # type: ignore[index]


def test_plain_paths_section_shows_the_configuration_search(project: Path) -> None:
    result = CliRunner().invoke(main, ["doctor", "--paths"])
    section = result.stdout.split("Configuration search path\n", 1)[1]
    assert section.splitlines()[0].strip() == str(project)


def test_rich_tables_render_every_section(project: Path) -> None:
    from lenskit.cli._facts import gather
    from lenskit.cli._report import render_rich
    from lenskit.cli.doctor import sections
    from lenskit.config import lenskit_config

    out = io.StringIO()
    render_rich(sections(gather(lenskit_config())), out)
    assert [title for title in SECTIONS if title not in out.getvalue()] == []


def test_configuration_error_exits_1_with_one_line(project: Path, bytecode_cache: Path) -> None:
    result = run_process([str(LENSKIT), "doctor"], project, bytecode_cache, LK_NUM_THREADS="abc")
    assert result.returncode == 1
    assert result.stderr == (
        "Error: LK_NUM_THREADS='abc' (environment): "
        "expected 0 (derive), -1 or a whole number from 1 to 1024\n"
    )
    assert result.stdout == ""


def test_backend_that_resolves_to_none_is_a_warning(
    project: Path, bytecode_cache: Path, tmp_path: Path
) -> None:
    plugins = install_backend(tmp_path / "plugins", "ghost", "BACKEND = None\n")
    result = run_process(
        [str(LENSKIT), "doctor", "--json"], project, bytecode_cache, pythonpath=plugins
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    ghost = next(b for b in report["backends"] if b["name"] == "ghost")
    assert ghost["loaded"] is False
    assert any(w.startswith("parallel backend 'ghost'") for w in report["warnings"])


def test_backends_are_described_after_the_settings_sized_them(
    project: Path, bytecode_cache: Path, tmp_path: Path
) -> None:
    plugins = install_backend(
        tmp_path / "plugins",
        "probe",
        """
        class Probe:
            name = "probe"
            threads = 0
            def configure(self, settings):
                self.threads = settings.num_threads
            def describe(self):
                return {"threads": self.threads, "initialized": self.threads > 0}
        BACKEND = Probe()
        """,
    )
    result = run_process(
        [str(LENSKIT), "doctor", "--json"],
        project,
        bytecode_cache,
        pythonpath=plugins,
        LK_NUM_THREADS="3",
    )
    assert result.returncode == 0, result.stderr
    backends = {b["name"]: b for b in json.loads(result.stdout)["backends"]}
    assert backends["probe"]["facts"] == {"threads": 3, "initialized": True}
    assert backends["probe"]["loaded"] is True
    assert backends["rayon"]["facts"] == {"threads": 3, "initialized": True}


def test_python_dash_m_lenskit_runs_the_command(project: Path, bytecode_cache: Path) -> None:
    result = run_process(
        [sys.executable, "-m", "lenskit", "doctor", "--json"], project, bytecode_cache
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["schema_version"] == 2


def test_lenskits_name_for_the_group_is_the_same_command() -> None:
    from lenskit.cli import lenskit

    assert lenskit is main


def test_system_facts_are_reported(project: Path) -> None:
    system = doctor_json()["system"]
    assert system["processor"]  # type: ignore[index]
    assert 0 < system["memory_available"] <= system["memory_total"]  # type: ignore[index,operator]


def test_ray_state_is_reported_without_connecting(project: Path, bytecode_cache: Path) -> None:
    result = run_process(
        [str(LENSKIT), "doctor", "--json"],
        project,
        bytecode_cache,
        LK_RAY_ADDRESS="127.0.0.1:6379",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ray"] == {
        "installed": find_spec("ray") is not None,
        "active": False,
        "address": "127.0.0.1:6379",
    }


def test_github_output_gets_the_versions(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "github-output"
    out.write_text("earlier=1\n")
    result = CliRunner().invoke(main, ["doctor", "--github-output", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    assert lines[0] == "earlier=1"
    assert f"lenskit_config_version={metadata.version('lenskit-config')}" in lines
    assert f"numpy_version={metadata.version('numpy')}" in lines


def test_github_output_file_comes_from_the_environment_as_in_actions(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "github-output"
    result = CliRunner().invoke(main, ["doctor"], env={"GITHUB_OUTPUT": str(out)})
    assert result.exit_code == 0, result.output
    assert "lenskit_version=" in out.read_text()


def test_full_report_adds_packages_paths_and_pytorch(project: Path) -> None:
    report = doctor_json("--full")
    assert report["installed_packages"] is not None
    assert report["paths"] is not None
    if find_spec("torch") is None:
        assert report["torch"] is None
    else:
        assert "cpu" in report["torch"]["backends"]  # type: ignore[index]


@pytest.mark.skipif(not Path("/proc/meminfo").exists(), reason="reads /proc where there is one")
def test_doctor_imports_no_heavy_module(project: Path, bytecode_cache: Path) -> None:
    code = (
        "import json, sys\n"
        "from lenskit.cli import main\n"
        "main(['doctor', '--json'], standalone_mode=False)\n"
        "heavy = ('torch', 'ray', 'numpy', 'psutil')\n"
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    result = run_process([sys.executable, "-c", code], project, bytecode_cache)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_numpy_blas_is_reported_without_importing_numpy(
    project: Path, bytecode_cache: Path
) -> None:
    code = (
        "import json, sys\n"
        "from lenskit.cli._facts import thread_pools\n"
        "pools = thread_pools()\n"
        "print(json.dumps([[p.user_api for p in pools], 'numpy' in sys.modules]))\n"
    )
    result = run_process([sys.executable, "-c", code], project, bytecode_cache)
    assert result.returncode == 0, result.stderr
    apis, numpy_imported = json.loads(result.stdout.splitlines()[-1])
    assert "blas" in apis
    assert numpy_imported is False


def test_every_workspace_distribution_is_reported_with_its_installed_version(
    project: Path,
) -> None:
    workspace = Path(__file__).parents[2] / "packages"
    names = {p.parent.name for p in workspace.glob("*/pyproject.toml")}
    reported = doctor_json()["lenskit_packages"]
    assert set(reported) == names  # type: ignore[arg-type]
    assert reported == {name: metadata.version(name) for name in names}
