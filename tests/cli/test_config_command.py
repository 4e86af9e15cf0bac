"""``lenskit config`` prints the resolved settings as TOML with each value's source."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from lenskit.cli import main
from lenskit.config import LenskitSettings, _global, configure, lenskit_config

LENSKIT = Path(sys.executable).parent / "lenskit"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder as working directory, no lenskit variables, no settings loaded."""
    root = tmp_path / "project"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    for name in list(os.environ):
        if name.startswith("LK_") or name == "PYTHON_CPU_COUNT":
            monkeypatch.delenv(name)
    monkeypatch.setattr(_global._installed, "settings", None)
    return root


def load_settings(folder: Path | None = None) -> LenskitSettings:
    return configure(folder, _set_global=False)  # type: ignore[call-overload]


def config_output(*args: str) -> str:
    result = CliRunner().invoke(main, ["config", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def line_for(output: str, key: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(f"{key} ="))


def test_output_is_toml_holding_the_resolved_values(project: Path) -> None:
    (project / "lenskit.toml").write_text("[parallel]\nnum_cpus = 6\nnum_threads = 4\n")
    parsed = tomllib.loads(config_output())
    assert parsed == {
        "parallel": {
            "num_cpus": 6,
            "num_threads": 4,
            "num_batch_jobs": load_settings().parallel.resolve_defaults().num_batch_jobs,
            "num_backend_threads": 1,
            "num_procs": 0,
            "use_ray": False,
        }
    }


def test_comments_name_the_file_and_key_a_value_came_from(project: Path) -> None:
    (project / "lenskit.toml").write_text("[parallel]\nnum_threads = 4\n")
    line = line_for(config_output(), "num_threads")
    assert line.endswith(f"# {project / 'lenskit.toml'} [parallel].num_threads")


def test_comments_name_the_environment_variable(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LK_NUM_BATCH_JOBS", "2")
    assert line_for(config_output(), "num_batch_jobs").endswith("# environment LK_NUM_BATCH_JOBS")


def test_comments_say_how_defaults_were_derived(project: Path) -> None:
    (project / "lenskit.toml").write_text("[parallel]\nnum_cpus = 8\n")
    assert line_for(config_output(), "num_threads").endswith("# derived from min(N, 8) (N=8)")


def test_unset_values_appear_as_comments(project: Path) -> None:
    assert any(line.startswith("# ray_address is not set") for line in config_output().splitlines())


def test_output_read_back_as_lenskit_toml_gives_the_same_settings(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LK_NUM_THREADS", "3")
    monkeypatch.setenv("LK_RAY_ADDRESS", "auto")
    output = config_output()
    shown = lenskit_config().parallel.resolve_defaults()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "lenskit.toml").write_text(output)
    monkeypatch.delenv("LK_NUM_THREADS")
    monkeypatch.delenv("LK_RAY_ADDRESS")
    copy = load_settings(elsewhere).parallel.resolve_defaults()
    assert copy.model_dump() == shown.model_dump()


def test_json_gives_each_value_with_its_source(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LK_USE_RAY", "yes")
    document = json.loads(config_output("--json"))
    assert document["config"] == {"root": str(project), "files": []}
    assert document["settings"]["parallel"]["use_ray"] == {
        "value": True,
        "source": "environment LK_USE_RAY",
        "kind": "environment",
        "env_var": "LK_USE_RAY",
        "file_key": "[parallel].use_ray",
    }


def test_bad_file_exits_1_naming_file_and_key_without_traceback(
    project: Path, tmp_path: Path
) -> None:
    (project / "lenskit.toml").write_text("[parallel]\nnum_thread = 4\n")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LK_")}
    result = subprocess.run(
        [str(LENSKIT), "config"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: {project / 'lenskit.toml'}:[parallel].num_thread: unknown key "
        "(did you mean num_threads?)\n"
    )
    assert "Traceback" not in result.stderr


def test_project_root_option_names_the_folder_to_read(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "lenskit.toml").write_text("[parallel]\nnum_cpus = 5\n")
    result = CliRunner().invoke(main, ["-R", str(elsewhere), "config"])
    assert result.exit_code == 0, result.output
    assert line_for(result.stdout, "num_cpus").startswith("num_cpus = 5 ")


def test_project_root_comes_from_lk_project_root_as_in_lenskit(
    project: Path, tmp_path: Path
) -> None:
    (tmp_path / "lenskit.toml").write_text("[parallel]\nnum_cpus = 7\n")
    result = CliRunner().invoke(main, ["config"], env={"LK_PROJECT_ROOT": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert line_for(result.stdout, "num_cpus").startswith("num_cpus = 7 ")


def test_a_missing_project_root_is_one_line(project: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["-R", str(tmp_path / "nowhere"), "config"])
    assert result.exit_code == 1
    assert result.output.strip().endswith("configuration folder does not exist")


def test_a_thread_count_far_above_the_cpus_is_a_one_line_warning(project: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LK_")}
    result = subprocess.run(
        [str(LENSKIT), "config"],
        cwd=project,
        env=environment | {"LK_NUM_THREADS": "200", "PYTHON_CPU_COUNT": "2"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(
        "warning: num_threads = 200 (environment LK_NUM_THREADS) is far above the 2 CPUs"
    )
    assert len(result.stderr.splitlines()) == 1
