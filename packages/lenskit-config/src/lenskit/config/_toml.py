"""Read ``lenskit.toml`` files and refuse what they may not contain, naming file, line and key."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from lenskit.config._errors import ConfigError, bad_value, suggestion
from lenskit.config._tree import tables

_POSITION = re.compile(r"^(?P<what>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse *path*; a malformed or unreadable file is a `ConfigError` naming it (and the line)."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ConfigError(
            f"{path}: cannot read configuration file: {err.strerror or err}"
        ) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not valid UTF-8 (byte {err.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        found = _POSITION.match(message)
        if found:
            what = found["what"][:1].lower() + found["what"][1:]
            message = f"line {found['line']}, column {found['col']}: {what}"
        raise ConfigError(f"{path}: malformed TOML at {message}") from None


def check_document(path: Path, document: dict[str, Any], model: type[BaseModel]) -> None:
    """Refuse keys and tables the declaration does not know, suggesting the nearest name.

    All problems in the file are reported together, so a user fixes them in
    one pass.
    """
    problems = list(_problems(path, document, model, ()))
    if problems:
        raise ConfigError("; ".join(problems))


def _problems(
    path: Path, document: dict[str, Any], model: type[BaseModel], table: tuple[str, ...]
) -> list[str]:
    nested = tables(model)
    leaves = [name for name in model.model_fields if name not in nested]
    found: list[str] = []
    for key, value in document.items():
        where = (*table, key)
        if key in nested:
            if isinstance(value, dict):
                found.extend(_problems(path, value, nested[key], where))
            else:
                label = f"{path}:{'.'.join(where)}"
                found.append(
                    bad_value(label, value, "file", f"expected a table [{'.'.join(where)}]")
                )
        elif key in leaves:
            continue
        elif table:
            hint = suggestion(key, leaves)
            found.append(f"{path}:[{'.'.join(table)}].{key}: unknown key ({hint})")
        else:
            hint = suggestion(key, list(nested), wrap="[{}]")
            found.append(f"{path}:[{key}]: unknown table ({hint})")
    return found


def section(document: dict[str, Any], table: tuple[str, ...]) -> dict[str, Any]:
    """The part of a checked document that belongs to *table* (empty if absent)."""
    for name in table:
        document = document.get(name, {})
    return document
