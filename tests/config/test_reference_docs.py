"""The configuration reference in the docs is the table generated from the declaration."""

from __future__ import annotations

from pathlib import Path

from lenskit.config import ParallelSettings, reference_table, setting_specs

DOCS = Path(__file__).parents[2] / "docs" / "configuration.md"
START = "<!-- settings-table:start -->"
END = "<!-- settings-table:end -->"


def embedded_table() -> str:
    text = DOCS.read_text()
    return text.split(START, 1)[1].split(END, 1)[0].strip() + "\n"


def test_docs_embed_the_generated_reference_table() -> None:
    assert embedded_table() == reference_table(), (
        "docs/configuration.md is out of date: paste the output of "
        "`python -c 'from lenskit.config import reference_table; print(reference_table())'`"
    )


def test_reference_lists_every_declared_field() -> None:
    declared = {f"parallel.{name}" for name in ParallelSettings.model_fields}
    assert {spec.path for spec in setting_specs()} == declared


def test_every_setting_has_a_description_and_a_default_rule() -> None:
    for spec in setting_specs():
        assert spec.description, spec.path
        assert spec.default, spec.path
        assert spec.allowed, spec.path
