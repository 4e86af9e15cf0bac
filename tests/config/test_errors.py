"""Bad settings fail with one line naming the value, where it came from and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from lenskit.config import ConfigError, LenskitSettings, ParallelSettings, lenskit_config


def load_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, toml: str | None = None, **env: str
) -> str:
    if toml is not None:
        (project / "lenskit.toml").write_text(toml)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        lenskit_config()
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_non_numeric_thread_count_in_environment(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = load_error(project, monkeypatch, LK_NUM_THREADS="abc")
    assert message == "LK_NUM_THREADS='abc' (environment): expected a positive integer or -1"


@pytest.mark.parametrize("raw", ["0", "-2", "2.5", "", "four"])
def test_refused_counts_in_environment(
    project: Path, monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    message = load_error(project, monkeypatch, LK_NUM_BATCH_JOBS=raw)
    assert message == f"LK_NUM_BATCH_JOBS={raw!r} (environment): expected a positive integer or -1"


def test_minus_one_is_refused_for_cpu_count(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = load_error(project, monkeypatch, LK_NUM_CPUS="-1")
    assert message == "LK_NUM_CPUS='-1' (environment): expected a positive integer"


def test_maybe_is_not_a_boolean(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = load_error(project, monkeypatch, LK_USE_RAY="maybe")
    assert message.startswith("LK_USE_RAY='maybe' (environment): expected a boolean")


@pytest.mark.parametrize(
    ("raw", "value"), [("YES", True), ("No", False), ("1", True), ("FALSE", False)]
)
def test_boolean_words_are_accepted_in_any_case(
    project: Path, monkeypatch: pytest.MonkeyPatch, raw: str, value: bool
) -> None:
    monkeypatch.setenv("LK_USE_RAY", raw)
    assert ParallelSettings().use_ray is value


@pytest.mark.parametrize("value", ["0", "2.5", "true", '"abc"'])
def test_refused_counts_in_a_file_name_file_and_key(
    project: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    message = load_error(project, monkeypatch, f"[parallel]\nnum_threads = {value}\n")
    assert message.startswith(f"{project / 'lenskit.toml'}:[parallel].num_threads=")
    assert message.endswith("(file): expected a positive integer or -1")


def test_unknown_key_suggests_the_nearest(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = load_error(project, monkeypatch, "[parallel]\nnum_thread = 4\n")
    assert message == (
        f"{project / 'lenskit.toml'}:[parallel].num_thread: unknown key (did you mean num_threads?)"
    )


def test_unknown_key_without_a_near_name_lists_the_allowed(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = load_error(project, monkeypatch, "[parallel]\ncolour = 'red'\n")
    assert "[parallel].colour: unknown key (allowed: num_cpus, num_threads," in message


def test_unknown_table_suggests_the_nearest(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = load_error(project, monkeypatch, "[paralel]\nnum_threads = 4\n")
    assert message.endswith("lenskit.toml:[paralel]: unknown table (did you mean [parallel]?)")


def test_every_unknown_key_in_a_file_is_reported_at_once(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = load_error(project, monkeypatch, "[parallel]\nnum_thread = 4\nnum_job = 2\n")
    assert "num_thread: unknown key" in message
    assert "num_job: unknown key" in message


def test_a_table_given_a_plain_value_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = load_error(project, monkeypatch, "parallel = 3\n")
    assert message.endswith("lenskit.toml:parallel=3 (file): expected a table [parallel]")


def test_malformed_toml_names_file_and_line(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = load_error(project, monkeypatch, "[parallel]\n\nnum_threads = = 4\n")
    assert message.startswith(f"{project / 'lenskit.toml'}: malformed TOML at line 3, column")


def test_a_file_that_is_not_utf8_is_named(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "lenskit.toml").write_bytes(b"[parallel]\nray_address = '\xff'\n")
    message = load_error(project, monkeypatch)
    assert message.startswith(f"{project / 'lenskit.toml'}: not valid UTF-8")


def test_an_unreadable_local_file_is_named(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "lenskit.toml").write_text("[parallel]\n")
    (project / "lenskit.local.toml").mkdir()
    message = load_error(project, monkeypatch)
    assert message.startswith(f"{project / 'lenskit.local.toml'}: cannot read configuration file")


def test_a_bad_file_value_hidden_by_the_environment_is_still_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = load_error(project, monkeypatch, "[parallel]\nnum_threads = 0\n", LK_NUM_THREADS="4")
    assert message.endswith(
        "lenskit.toml:[parallel].num_threads=0 (file): expected a positive integer or -1"
    )


def test_all_bad_values_are_reported_in_one_line(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = load_error(project, monkeypatch, LK_NUM_THREADS="x", LK_USE_RAY="maybe")
    assert "LK_NUM_THREADS='x'" in message
    assert "LK_USE_RAY='maybe'" in message


def test_bad_argument_names_the_argument(project: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"^num_threads=0 \(argument\): expected a positive integer or -1$"
    ):
        ParallelSettings(num_threads=0)


def test_unknown_argument_suggests_the_nearest(project: Path) -> None:
    with pytest.raises(
        ConfigError,
        match=r"^num_thread \(argument\): unknown setting \(did you mean num_threads\?\)$",
    ):
        ParallelSettings(num_thread=2)  # type: ignore[call-arg]


def test_a_table_argument_must_be_a_table(project: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"^parallel=3 \(argument\): expected a table of settings$"
    ):
        LenskitSettings(parallel=3)  # type: ignore[arg-type]


def test_empty_ray_address_is_refused(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = load_error(project, monkeypatch, LK_RAY_ADDRESS="  ")
    assert message == "LK_RAY_ADDRESS='  ' (environment): expected a non-empty string"


def test_missing_configuration_folder_is_named(project: Path) -> None:
    from lenskit.config import configure

    with pytest.raises(ConfigError, match="configuration folder does not exist"):
        configure(project / "nowhere")
