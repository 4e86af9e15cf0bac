"""What a setting accepts and how its default is derived, written once as plain data.

A `Kind` pairs a parser with the phrase for what it allows, so the error for
a refused value and the docs' "Accepts" column are the same words.  A `Rule`
is a formula (``"min(N, 8)"``) that the resolver evaluates and the docs print.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_COUNT = 1024
"""The largest count accepted: more threads than this in one pool is never useful, and a
pool of 100,000 threads cannot even start (each thread reserves stack memory)."""

_INTEGER = re.compile(r"[+-]?[0-9]+")
_TRUE, _FALSE = frozenset({"true", "yes", "1"}), frozenset({"false", "no", "0"})


@dataclass(frozen=True)
class Kind:
    """A kind of value: the phrase for what is allowed, and a parser raising ``ValueError``."""

    allowed: str
    parse: Callable[[object], object]


@dataclass(frozen=True)
class Rule:
    """How a count is derived when 0, and what -1 means: formulas over ``N`` (the CPUs),
    the settings declared above, ``use_ray`` and ``free_threaded``.  Without a
    ``minus_one`` formula, -1 stays and ``minus_one_text`` says what it means."""

    default: str
    minus_one: str = ""
    minus_one_text: str = ""


def parse_integer(raw: object) -> int:
    """An integer from an int or decimal text; refuses booleans, floats and other digits."""
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and _INTEGER.fullmatch(raw.strip()):
        return int(raw.strip())
    raise ValueError("not an integer")


def _ranged(low: int, allowed: str, *, optional: bool = False) -> Kind:
    def parse(raw: object) -> int | None:
        if raw is None and optional:
            return None
        try:
            value = parse_integer(raw)
        except ValueError:
            value = low - 1
        if not low <= value <= MAX_COUNT:
            raise ValueError(allowed)
        return value

    return Kind(allowed, parse)


def _parse_boolean(raw: object) -> bool:
    if isinstance(raw, bool) or (isinstance(raw, int) and raw in (0, 1)):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise ValueError(BOOLEAN.allowed)


def _parse_text(raw: object) -> str | None:
    if raw is None or (isinstance(raw, str) and raw.strip()):
        return raw.strip() if raw else None
    raise ValueError(TEXT.allowed)


COUNT = _ranged(-1, f"0 (derive), -1 or a whole number from 1 to {MAX_COUNT}")
CPUS = _ranged(0, f"0 (detect) or a whole number from 1 to {MAX_COUNT}")
PROCS = _ranged(0, f"0 or a whole number from 1 to {MAX_COUNT}")
JOBS = _ranged(1, f"a whole number from 1 to {MAX_COUNT}", optional=True)
BOOLEAN = Kind("a boolean (true/false, yes/no or 1/0, any case)", _parse_boolean)
TEXT = Kind("a non-empty string", _parse_text)
