"""Parsers for setting values: each accepts what a file, an env var or an argument may hold.

They are plain functions (no pydantic) so they can be tested on their own and
reused by ``effective_cpu_count`` for ``LK_NUM_CPUS``.  Each raises
``ValueError`` whose message is the phrase of what is allowed.
"""

from __future__ import annotations

import re

POSITIVE_INT = "a positive integer"
COUNT_OR_ALL = "a positive integer or -1"
BOOLEAN = "a boolean (true/false, yes/no or 1/0, any case)"
NON_EMPTY_TEXT = "a non-empty string"

_INTEGER = re.compile(r"[+-]?[0-9]+")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


def parse_integer(raw: object) -> int:
    """An integer from an int or decimal text; refuses booleans, floats and other digits."""
    if isinstance(raw, bool):
        raise ValueError("not an integer")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and _INTEGER.fullmatch(raw.strip()):
        return int(raw.strip())
    raise ValueError("not an integer")


def parse_positive_int(raw: object) -> int:
    """A count that must be at least 1."""
    try:
        value = parse_integer(raw)
    except ValueError:
        raise ValueError(POSITIVE_INT) from None
    if value < 1:
        raise ValueError(POSITIVE_INT)
    return value


def parse_count_or_all(raw: object) -> int:
    """A count that is at least 1, or -1 for "all" (whose meaning depends on the setting)."""
    try:
        value = parse_integer(raw)
    except ValueError:
        raise ValueError(COUNT_OR_ALL) from None
    if value < 1 and value != -1:
        raise ValueError(COUNT_OR_ALL)
    return value


def parse_boolean(raw: object) -> bool:
    """A flag: a TOML boolean, 0/1, or true/false/yes/no/1/0 text in any case."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(BOOLEAN)


def parse_text(raw: object) -> str:
    """Non-empty text, kept as written apart from surrounding blanks."""
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    raise ValueError(NON_EMPTY_TEXT)
