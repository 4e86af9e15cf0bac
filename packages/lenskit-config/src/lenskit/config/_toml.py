"""Read one ``lenskit.toml``; anything that stops it being read is one line naming the file."""

from __future__ import annotations

import codecs
import re
import tomllib
from pathlib import Path
from typing import Any

from lenskit.config._errors import ConfigError

_POSITION = re.compile(r"^(?P<what>.*?)\s*\(at line (?P<line>\d+), column (?P<col>\d+)\)$")


def read_toml(path: Path) -> dict[str, Any]:
    """Parse *path*: unreadable, not UTF-8, a byte-order mark, malformed or nested past what
    the parser can follow are each a `ConfigError` naming the file (and the line)."""
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a configuration file") from None
    except OSError as err:
        raise ConfigError(
            f"{path}: cannot read configuration file: {err.strerror or err}"
        ) from None
    if data.startswith(codecs.BOM_UTF8):
        raise ConfigError(
            f"{path}: starts with a UTF-8 byte-order mark, which TOML does not allow; "
            "save the file as UTF-8 without a BOM"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not valid UTF-8 (byte {err.start})") from None
    try:
        return tomllib.loads(text)
    except RecursionError:
        raise ConfigError(
            f"{path}: arrays or tables nested too deeply to read; flatten the file"
        ) from None
    except tomllib.TOMLDecodeError as err:
        message = str(err)
        found = _POSITION.match(message)
        if found:
            what = found["what"][:1].lower() + found["what"][1:]
            message = f"line {found['line']}, column {found['col']}: {what}"
        raise ConfigError(f"{path}: malformed TOML at {message}") from None
