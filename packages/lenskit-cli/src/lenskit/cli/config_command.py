"""``lenskit config``: the resolved settings as TOML, each value with a comment naming its source.

The output is valid TOML, so it can be pasted into ``lenskit.toml`` as a
starting point; ``--json`` gives the same for scripts.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from lenskit.config import ConfigError

if TYPE_CHECKING:
    from lenskit.cli._facts import ConfigReport, SettingReport


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the settings as a JSON document.")
def config(as_json: bool) -> None:
    """Print the resolved settings and where each value came from."""
    from lenskit.cli._facts import SCHEMA_VERSION, config_report, settings_report
    from lenskit.config import lenskit_config

    try:
        settings = lenskit_config()
        report = settings_report(settings)
    except ConfigError as err:
        raise click.ClickException(str(err)) from None
    files = config_report(settings)
    if as_json:
        document = {
            "schema_version": SCHEMA_VERSION,
            "config": {"root": files.root, "files": files.files},
            "settings": {
                table: {name: vars(row) for name, row in rows.items()}
                for table, rows in report.items()
            },
        }
        click.echo(json.dumps(document, indent=2))
    else:
        click.echo(as_toml(report, files), nl=False)


def as_toml(report: dict[str, dict[str, SettingReport]], files: ConfigReport) -> str:
    """The settings as a TOML document with aligned ``# source`` comments."""
    lines = ["# lenskit settings in force; each comment says where the value came from."]
    if files.files:
        lines.append("# files read (later ones win): " + ", ".join(files.files))
    else:
        lines.append("# no lenskit.toml found")
    for table, rows in report.items():
        entries = [
            (f"{name} = {value}" if value is not None else f"# {name} is not set", str(row.source))
            for name, row in rows.items()
            for value in [_toml_value(row.value)]
        ]
        width = max(len(text) for text, _ in entries)
        lines.append("")
        if table:
            lines.append(f"[{table}]")
        lines.extend(f"{text.ljust(width)}  # {source}" for text, source in entries)
    return "\n".join(lines) + "\n"


def _toml_value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value))
