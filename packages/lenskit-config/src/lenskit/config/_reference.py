"""The settings reference, read off the declaration: for the docs, `lenskit config` and doctor."""

from __future__ import annotations

from dataclasses import dataclass

from lenskit.config._load import kind_of
from lenskit.config._resolve import rule_of
from lenskit.config._settings import ParallelSettings
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
