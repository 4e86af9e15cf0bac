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
    assert [spec.name for spec in setting_specs()] == list(ParallelSettings.model_fields)


def test_default_rules_in_the_reference_are_the_ones_the_resolver_evaluates() -> None:
    from lenskit.config._resolve import rule_of

    for spec in setting_specs():
        rule = rule_of(ParallelSettings, spec.name)
        if rule is not None:
            assert spec.default == rule.default
            assert f"`{rule.default}`" in reference_table()


def test_every_setting_has_a_description_a_default_and_what_it_accepts() -> None:
    for spec in setting_specs():
        assert spec.description, spec.name
        assert spec.default, spec.name
        assert spec.allowed, spec.name
