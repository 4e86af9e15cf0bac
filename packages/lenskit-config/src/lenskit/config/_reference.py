"""The settings reference, read off the declaration: for the docs, `lenskit config` and doctor."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lenskit.config._errors import suggestion
from lenskit.config._load import kind_of
from lenskit.config._resolve import resolved_copy, rule_of
from lenskit.config._settings import LenskitSettings, ParallelSettings
from lenskit.config._source import ValueSource
from lenskit.config._values import Rule

TABLE = "parallel"
"""The table of settings this toolkit acts on; LensKit's other tables are kept as read."""


@dataclass(frozen=True)
class SettingSpec:
    """One setting as a user meets it: names in each source, what it accepts, its default."""

    name: str
    env_var: str
    file_key: str
    allowed: str
    default: str
    minus_one: str
    description: str


@dataclass(frozen=True)
class ResolvedSetting:
    """A setting's value in force and where it came from."""

    spec: SettingSpec
    value: object
    source: ValueSource


def setting_specs() -> list[SettingSpec]:
    """Every ``[parallel]`` setting, in declaration order."""
    prefix = str(ParallelSettings.model_config.get("env_prefix", ""))
    specs: list[SettingSpec] = []
    for name, info in ParallelSettings.model_fields.items():
        kind = kind_of(ParallelSettings, (name,))
        rule = rule_of(ParallelSettings, name)
        specs.append(
            SettingSpec(
                name=name,
                env_var=prefix + name.upper(),
                file_key=f"[{TABLE}].{name}",
                allowed=kind.allowed if kind else "",
                default=rule.default if rule else _toml_text(info.default),
                minus_one=_minus_one(rule),
                description=info.description or "",
            )
        )
    return specs


def resolved_settings(settings: LenskitSettings) -> list[ResolvedSetting]:
    """Every ``[parallel]`` setting's resolved value and source, in declaration order."""
    parallel = resolved_copy(settings.parallel)
    return [
        ResolvedSetting(spec, getattr(parallel, spec.name), parallel.source_of(spec.name))
        for spec in setting_specs()
    ]


def reference_table() -> str:
    """The Markdown table of every setting that ``docs/configuration.md`` embeds."""
    lines = [
        "| Setting | Environment | Accepts | Default | -1 means | Purpose |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for spec in setting_specs():
        cells = [
            f"`{spec.file_key}`",
            f"`{spec.env_var}`",
            spec.allowed,
            f"`{spec.default}`" if spec.minus_one or spec.name == "num_cpus" else spec.default,
            spec.minus_one or "(not allowed)",
            spec.description,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def unknown_env_vars(environ: Mapping[str, str] | None = None) -> list[str]:
    """Warnings for ``LK_*`` variables no setting reads: settings ignore them, so say so."""
    env = os.environ if environ is None else environ
    known = [spec.env_var for spec in setting_specs()] + ["LK_PROJECT_ROOT"]
    tables = [f"LK_{name.upper()}" for name in LenskitSettings.model_fields]
    return [
        f"{name} is set but is not a lenskit setting ({suggestion(name, known)})"
        for name in sorted(env)
        if name.startswith("LK_")
        and name not in known
        and not any(name == t or name.startswith(t + "__") for t in tables)
    ]


def misspelt_tables(settings: LenskitSettings) -> list[str]:
    """Warnings for top-level keys of ``lenskit.toml`` that look like a misspelt table name.

    Other keys are allowed (projects keep their own tables there), so only near
    misses are reported.
    """
    known = list(LenskitSettings.model_fields)
    found: list[str] = []
    for key in settings.model_extra or {}:
        hint = suggestion(key, known, wrap="[{}]")
        if hint.startswith("did you mean"):
            found.append(f"lenskit.toml: [{key}] is not a table lenskit reads ({hint})")
    return found


def _minus_one(rule: Rule | None) -> str:
    if rule is None or not (rule.minus_one or rule.minus_one_text):
        return ""
    return rule.minus_one_text or f"{rule.minus_one} (all CPUs)"


def _toml_text(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
