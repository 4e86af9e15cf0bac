"""Bad settings fail with one line naming the value, where it came from and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from lenskit.config import (
    ConfigError,
    LenskitSettings,
    ParallelSettings,
    configure,
)

COUNT = "0 (derive), -1 or a whole number from 1 to 1024"


def load_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, toml: str | None = None, **env: str
) -> str:
    if toml is not None:
        (project / "lenskit.toml").write_text(toml)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        configure(project, _set_global=False)  # type: ignore[call-overload]
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_non_numeric_thread_count_in_environment(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = load_error(project, monkeypatch, LK_NUM_THREADS="abc")
    assert message == f"LK_NUM_THREADS='abc' (environment): expected {COUNT}"


@pytest.mark.parametrize("raw", ["-2", "2.5", "", "four", "1025", "100000"])
def test_refused_counts_in_environment(
    project: Path, monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    message = load_error(project, monkeypatch, LK_NUM_BATCH_JOBS=raw)
    assert message == f"LK_NUM_BATCH_JOBS={raw!r} (environment): expected {COUNT}"


def test_minus_one_is_refused_for_cpu_count(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = load_error(project, monkeypatch, LK_NUM_CPUS="-1")
    assert message == (
        "LK_NUM_CPUS='-1' (environment): expected 0 (detect) or a whole number from 1 to 1024"
    )


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


@pytest.mark.parametrize("value", ["-3", "2.5", "true", '"abc"', "5000"])
def test_refused_counts_in_a_file_name_file_and_key(
    project: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    message = load_error(project, monkeypatch, f"[parallel]\nnum_threads = {value}\n")
    assert message.startswith(f"{project / 'lenskit.toml'}:[parallel].num_threads=")
    assert message.endswith(f"(file): expected {COUNT}")


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


def test_other_tables_load(project: Path) -> None:
    (project / "lenskit.toml").write_text("[paralel]\nnum_threads = 4\n[myproject]\nx = 1\n")
    settings = configure(project, _set_global=False)  # type: ignore[call-overload]
    assert set(settings.model_extra or {}) == {"paralel", "myproject"}


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
    assert message.endswith("lenskit.toml:parallel=3 (file): expected a table")


def test_malformed_toml_names_file_and_line(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = load_error(project, monkeypatch, "[parallel]\n\nnum_threads = = 4\n")
    assert message.startswith(f"{project / 'lenskit.toml'}: malformed TOML at line 3, column")


def test_a_file_that_is_not_utf8_is_named(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "lenskit.toml").write_bytes(b"[parallel]\nray_address = '\xff'\n")
    message = load_error(project, monkeypatch)
    assert message.startswith(f"{project / 'lenskit.toml'}: not valid UTF-8")


def test_a_local_file_that_is_a_folder_is_named(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "lenskit.toml").write_text("[parallel]\n")
    (project / "lenskit.local.toml").mkdir()
    message = load_error(project, monkeypatch)
    assert message == f"{project / 'lenskit.local.toml'}: is a folder, not a configuration file"


def test_a_bad_file_value_hidden_by_the_environment_is_still_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = load_error(project, monkeypatch, "[parallel]\nnum_threads = -5\n", LK_NUM_THREADS="4")
    assert message.endswith(f"lenskit.toml:[parallel].num_threads=-5 (file): expected {COUNT}")


def test_all_bad_values_are_reported_in_one_line(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = load_error(project, monkeypatch, LK_NUM_THREADS="x", LK_USE_RAY="maybe")
    assert "LK_NUM_THREADS='x'" in message
    assert "LK_USE_RAY='maybe'" in message


def test_bad_argument_names_the_argument(project: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"^num_threads=-4 \(argument\): expected 0 \(derive\), -1 or a"
    ):
        ParallelSettings(num_threads=-4)


def test_unknown_argument_suggests_the_nearest(project: Path) -> None:
    with pytest.raises(
        ConfigError,
        match=r"^num_thread \(argument\): unknown setting \(did you mean num_threads\?\)$",
    ):
        ParallelSettings(num_thread=2)  # type: ignore[call-arg]


def test_a_table_argument_must_be_a_table(project: Path) -> None:
    with pytest.raises(ConfigError, match=r"^parallel=3 \(argument\): expected a table$"):
        LenskitSettings(parallel=3)  # type: ignore[arg-type]


def test_empty_ray_address_is_refused(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    message = load_error(project, monkeypatch, LK_RAY_ADDRESS="  ")
    assert message == "LK_RAY_ADDRESS='  ' (environment): expected a non-empty string"


def test_missing_configuration_folder_is_named(project: Path) -> None:
    with pytest.raises(ConfigError, match="configuration folder does not exist"):
        configure(project / "nowhere")


def test_a_byte_order_mark_is_named_as_such(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "lenskit.toml").write_bytes(b"\xef\xbb\xbf[parallel]\nnum_threads = 2\n")
    message = load_error(project, monkeypatch)
    assert message.startswith(f"{project / 'lenskit.toml'}: starts with a UTF-8 byte-order mark")


def test_a_lenskit_toml_that_is_a_folder_is_named(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "lenskit.toml").mkdir()
    message = load_error(project, monkeypatch)
    assert message == f"{project / 'lenskit.toml'}: is a folder, not a configuration file"


def test_nesting_too_deep_to_parse_is_named(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    depth = 5000
    message = load_error(project, monkeypatch, "a = " + "[" * depth + "]" * depth + "\n")
    assert message.startswith(f"{project / 'lenskit.toml'}: arrays or tables nested too deeply")


def test_a_table_variable_that_is_not_json_is_named(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = load_error(project, monkeypatch, LK_PARALLEL="garbage")
    assert message == "LK_PARALLEL (environment): expected a JSON object for the table parallel"
