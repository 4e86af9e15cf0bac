"""Print titled sections of rows: rich tables on a terminal, aligned plain text otherwise."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO

import click


@dataclass
class Section:
    """A titled block of rows; ``empty`` is printed when there are no rows."""

    title: str
    rows: list[tuple[str, ...]] = field(default_factory=list)
    empty: str = "none"
    alert: bool = False


def render_plain(sections: list[Section]) -> str:
    """Sections as text: title, then rows indented with columns aligned."""
    lines: list[str] = []
    for section in sections:
        if lines:
            lines.append("")
        lines.append(section.title)
        if not section.rows:
            lines.append(f"  {section.empty}")
            continue
        widths = [0] * max(len(row) for row in section.rows)
        for row in section.rows:
            for i, cell in enumerate(row[:-1]):
                widths[i] = max(widths[i], len(cell))
        for row in section.rows:
            cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
            lines.append(("  " + "  ".join(cells)).rstrip())
    return "\n".join(lines) + "\n"


def render_rich(sections: list[Section], stream: TextIO) -> None:
    """Sections as rich tables; colour only marks warnings and missing things."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream)
    for index, section in enumerate(sections):
        style = "bold yellow" if section.alert and section.rows else "bold"
        table = Table(
            title=section.title,
            title_style=style,
            title_justify="left",
            box=None,
            show_header=False,
            padding=(0, 1),
            min_width=len(section.title),
        )
        columns = max((len(row) for row in section.rows), default=1)
        for i in range(columns):
            last = i == columns - 1
            table.add_column(
                style="cyan" if i == 0 and columns > 1 else None,
                overflow="fold" if last else "ellipsis",
            )
        if index:
            console.print()
        if not section.rows:
            table.add_row(f"[dim]{section.empty}[/dim]")
        for row in section.rows:
            table.add_row(*[_mark(cell, section.alert) for cell in row])
        console.print(table)


def _mark(cell: str, alert: bool) -> str:
    from rich.markup import escape

    text = escape(cell)
    if alert:
        return f"[yellow]{text}[/yellow]"
    if cell in ("not installed", "unset", "none"):
        return f"[dim]{text}[/dim]"
    return text


def emit(sections: list[Section]) -> None:
    """Print to stdout in the form that suits it."""
    if sys.stdout.isatty():
        render_rich(sections, sys.stdout)
    else:
        click.echo(render_plain(sections), nl=False)
