"""What a setting accepts and how its default is derived, written once as plain data.

A `Kind` pairs a parser with the phrase saying what it allows, so the error
for a refused value and the docs' "Accepts" column are the same words.  A
`Rule` is a formula (``"min(N, 8)"``) that the resolver evaluates and the
docs print, so a default rule is never written twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

MAX_COUNT = 1024
"""The largest count accepted: more threads than this in one pool is never useful and a
pool of 100,000 threads cannot even start (each thread reserves stack memory)."""

_INTEGER = re.compile(r"[+-]?[0-9]+")
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


@dataclass(frozen=True)
class Kind:
    """A kind of setting value: the phrase for what is allowed, and its parser.

    The parser raises ``ValueError`` for anything the phrase does not allow.
    """

    allowed: str
    parse: Callable[[object], object]


@dataclass(frozen=True)
class Rule:
    """How a setting is derived when it is 0 (unset), and what -1 means.

    ``default`` and ``minus_one`` are formulas over ``N`` (the CPU count), the
    settings declared before this one, ``use_ray`` and ``free_threaded``.  An
    empty ``minus_one`` keeps -1, whose meaning ``minus_one_text`` states.
    """

    default: str
    minus_one: str = ""
    minus_one_text: str = ""

    @property
    def minus_one_doc(self) -> str:
        """What -1 means, as the docs say it."""
        return self.minus_one_text or (f"{self.minus_one} (all CPUs)" if self.minus_one else "")


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
            raise ValueError(allowed) from None
        if not low <= value <= MAX_COUNT:
            raise ValueError(allowed)
        return value

    return Kind(allowed, parse)


def _parse_boolean(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise ValueError(BOOLEAN.allowed)


def _parse_text(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, str) and raw.strip():
        return raw.strip()
    raise ValueError(TEXT.allowed)


COUNT = _ranged(-1, f"0 (derive), -1 or a whole number from 1 to {MAX_COUNT}")
CPUS = _ranged(0, f"0 (detect) or a whole number from 1 to {MAX_COUNT}")
PROCS = _ranged(0, f"0 or a whole number from 1 to {MAX_COUNT}")
JOBS = _ranged(1, f"a whole number from 1 to {MAX_COUNT}", optional=True)
BOOLEAN = Kind("a boolean (true/false, yes/no or 1/0, any case)", _parse_boolean)
TEXT = Kind("a non-empty string", _parse_text)
