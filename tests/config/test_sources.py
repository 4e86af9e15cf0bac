"""Sources stack in the documented order, and every value remembers where it came from."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from lenskit.config import (
    LenskitSettings,
    ParallelSettings,
    ValueSource,
    configure,
    lenskit_config,
    reconfigure,
)

RunPython = Callable[..., subprocess.CompletedProcess[str]]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def load(folder: Path) -> LenskitSettings:
    """The settings *folder*'s files give, without putting them in force."""
    return configure(folder, _set_global=False)  # type: ignore[call-overload]


def test_unset_values_come_from_defaults(project: Path) -> None:
    settings = ParallelSettings()
    assert settings.num_threads == 0
    assert settings.source_of("num_threads") == ValueSource("default")


def test_library_calls_read_no_file_until_configure(project: Path) -> None:
    write(project / "lenskit.toml", "[parallel]\nnum_threads = 3\n")
    assert lenskit_config().config_files == ()
    assert lenskit_config().parallel.source_of("num_threads").kind == "derived"
    assert ParallelSettings().num_threads == 0


def test_lenskit_toml_overrides_defaults(project: Path) -> None:
    toml = write(project / "lenskit.toml", "[parallel]\nnum_threads = 3\n")
    settings = load(project)
    assert settings.parallel.num_threads == 3
    source = settings.parallel.source_of("num_threads")
    assert source == ValueSource("file", f"{toml}:[parallel].num_threads")
    assert str(source) == f"{toml} [parallel].num_threads"


def test_local_toml_overrides_lenskit_toml(project: Path) -> None:
    write(project / "lenskit.toml", "[parallel]\nnum_threads = 3\nnum_batch_jobs = 2\n")
    local = write(project / "lenskit.local.toml", "[parallel]\nnum_threads = 5\n")
    settings = load(project)
    assert settings.parallel.num_threads == 5
    assert settings.parallel.source_of("num_threads").detail == f"{local}:[parallel].num_threads"
    assert settings.parallel.num_batch_jobs == 2


def test_config_files_are_listed_lowest_priority_first(project: Path) -> None:
    shared = write(project / "lenskit.toml", "[parallel]\n")
    local = write(project / "lenskit.local.toml", "[parallel]\n")
    assert load(project).config_files == (shared, local)


def test_configure_without_a_folder_reads_the_working_folder(project: Path) -> None:
    write(project / "lenskit.toml", "[parallel]\nnum_cpus = 3\n")
    assert configure(_set_global=False).parallel.num_cpus == 3  # type: ignore[call-overload]


def test_lenskits_own_tables_load(project: Path) -> None:
    write(
        project / "lenskit.toml",
        'random.seed = 42\nmachine = "local"\n\n[machines.shared]\ndescription = "shared"\n'
        '[prometheus]\nurl = "http://127.0.0.1:9090"\n[tuning]\njobs = 2\n'
        '[tuning.defaults]\nmethod = "random"\n[myproject]\nanything = [1, 2]\n',
    )
    write(project / "lenskit.local.toml", '[machines.local]\ndescription = "local"\n')
    settings = load(project)
    assert settings.random.seed == 42
    assert set(settings.machines) == {"local", "shared"}
    assert settings.current_machine is not None
    assert settings.current_machine.description == "local"
    assert settings.tuning.jobs == 2
    assert settings.model_extra == {"myproject": {"anything": [1, 2]}}
    assert str(settings.source_of("random.seed")).endswith("lenskit.toml [random].seed")


def test_tune_jobs_is_copied_to_the_tuning_table(project: Path) -> None:
    write(project / "lenskit.toml", "[parallel]\ntune_jobs = 3\n")
    assert load(project).tuning.jobs == 3


def test_configure_installs_and_applies_the_settings(run_python: RunPython) -> None:
    result = run_python(
        """
        import json
        from pathlib import Path
        from lenskit.config import configure, lenskit_config
        from lenskit.parallel import get_parallel_config
        Path("lenskit.toml").write_text("[parallel]\\nnum_threads = 3\\nnum_cpus = 4\\n")
        settings = configure()
        print(json.dumps([lenskit_config() is settings, get_parallel_config().num_threads]))
        """
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [True, 3]


def test_reconfigure_is_in_force_only_inside_its_block(project: Path) -> None:
    outer = lenskit_config()
    chosen = LenskitSettings(parallel=ParallelSettings(num_threads=2))
    with reconfigure(chosen) as inside:
        assert lenskit_config() is inside is chosen
    assert lenskit_config() is outer


def test_environment_overrides_files(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "lenskit.local.toml", "[parallel]\nnum_threads = 5\n")
    monkeypatch.setenv("LK_NUM_THREADS", "6")
    settings = load(project)
    assert settings.parallel.num_threads == 6
    assert str(settings.parallel.source_of("num_threads")) == "environment LK_NUM_THREADS"


def test_arguments_override_environment(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LK_NUM_THREADS", "6")
    settings = ParallelSettings(num_threads=7)
    assert settings.num_threads == 7
    assert settings.source_of("num_threads") == ValueSource("argument", "num_threads")


def test_nested_arguments_name_their_table(project: Path) -> None:
    settings = LenskitSettings.model_validate({"parallel": {"num_batch_jobs": 3}})
    assert settings.parallel.source_of("num_batch_jobs") == ValueSource(
        "argument", "parallel.num_batch_jobs"
    )
    assert settings.source_of("parallel.num_batch_jobs").kind == "argument"


def test_a_settings_object_given_as_argument_keeps_its_origins(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LK_NUM_THREADS", "2")
    inner = ParallelSettings(num_batch_jobs=4)
    monkeypatch.setenv("LK_NUM_THREADS", "3")
    outer = LenskitSettings(parallel=inner)
    assert outer.parallel.num_threads == 2
    assert str(outer.parallel.source_of("num_threads")) == "environment LK_NUM_THREADS"
    assert outer.parallel.source_of("num_batch_jobs").kind == "argument"


def test_nested_table_does_not_reread_the_environment(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LK_NUM_BACKEND_THREADS", "2")
    settings = LenskitSettings.model_validate({"parallel": {"num_threads": 4}})
    # The value arrives once, through the outer object's environment source.
    assert settings.parallel.num_backend_threads == 2
    assert settings.parallel.source_of("num_backend_threads").kind == "environment"


def test_configure_reads_the_given_folder(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write(elsewhere / "lenskit.toml", "[parallel]\nnum_cpus = 3\n")
    loaded = load(elsewhere)
    assert loaded.parallel.num_cpus == 3
    assert loaded.config_root == elsewhere


def test_unknown_field_for_source_of_names_the_nearest(project: Path) -> None:
    with pytest.raises(KeyError, match="did you mean num_threads"):
        ParallelSettings().source_of("num_thread")


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (ValueSource("argument", "num_threads"), "argument num_threads"),
        (ValueSource("environment", "LK_NUM_THREADS"), "environment LK_NUM_THREADS"),
        (
            ValueSource("file", "/x/lenskit.toml:[parallel].num_threads"),
            "/x/lenskit.toml [parallel].num_threads",
        ),
        (ValueSource("derived", "2 CPUs"), "derived from 2 CPUs"),
        (ValueSource("default"), "default"),
        (
            ValueSource("environment", "LK_NUM_THREADS", "-1 = all 8 CPUs"),
            "environment LK_NUM_THREADS (-1 = all 8 CPUs)",
        ),
    ],
)
def test_sources_describe_themselves_in_words(source: ValueSource, text: str) -> None:
    assert str(source) == text


def test_lenskits_nested_variables_are_read(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LK_RANDOM__SEED", "7")
    monkeypatch.setenv("LK_MACHINE", "box")
    monkeypatch.setenv("LK_PARALLEL__NUM_THREADS", "3")
    settings = LenskitSettings()
    assert (settings.random.seed, settings.machine, settings.parallel.num_threads) == (7, "box", 3)
    assert str(settings.source_of("parallel.num_threads")) == "environment LK_PARALLEL__NUM_THREADS"
    assert str(settings.source_of("machine")) == "environment LK_MACHINE"
