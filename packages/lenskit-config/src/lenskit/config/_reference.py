"""The settings reference, read off the declaration: for the docs, `lenskit config` and doctor."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel

from lenskit.config._errors import suggestion
from lenskit.config._fields import Allowed, Derivation
from lenskit.config._lenskit import LenskitSettings
from lenskit.config._source import ValueSource
from lenskit.config._tree import leaves


@dataclass(frozen=True)
class SettingSpec:
    """One setting as a user meets it: names in each source, what it accepts, its default."""

    path: str
    table: tuple[str, ...]
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


def setting_specs(model: type[BaseModel] = LenskitSettings) -> list[SettingSpec]:
    """Every setting under *model*, in declaration order."""
    specs: list[SettingSpec] = []
    for leaf in leaves(model):
        allowed = next((m.text for m in leaf.field.metadata if isinstance(m, Allowed)), "")
        derivation = next(
            (m for m in leaf.field.metadata if isinstance(m, Derivation)), Derivation("")
        )
        specs.append(
            SettingSpec(
                path=leaf.path,
                table=leaf.table,
                name=leaf.name,
                env_var=leaf.env_var,
                file_key=leaf.file_key(),
                allowed=allowed,
                default=derivation.default,
                minus_one=derivation.minus_one,
                description=leaf.field.description or "",
            )
        )
    return specs


def resolved_settings(settings: LenskitSettings) -> list[ResolvedSetting]:
    """Every setting's resolved value and source, in declaration order."""
    resolved = settings.resolve_defaults()
    rows: list[ResolvedSetting] = []
    for spec in setting_specs(type(resolved)):
        owner: object = resolved
        for part in spec.table:
            owner = getattr(owner, part)
        rows.append(ResolvedSetting(spec, getattr(owner, spec.name), resolved.source_of(spec.path)))
    return rows


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
            spec.default,
            spec.minus_one or "(not allowed)",
            spec.description,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def unknown_env_vars(environ: Mapping[str, str] | None = None) -> list[str]:
    """Warnings for ``LK_*`` variables no setting reads: settings ignore them, so say so."""
    env = os.environ if environ is None else environ
    known = [spec.env_var for spec in setting_specs()]
    return [
        f"{name} is set but is not a lenskit setting ({suggestion(name, known)})"
        for name in sorted(env)
        if name.startswith("LK_") and name not in known
    ]
