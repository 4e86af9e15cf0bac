"""The kinds of setting value, as annotated types that carry their parser and their doc text.

A field declared with one of these types validates with the parsers in
``_values`` and reports ``expected <what is allowed>``; the reference table
in the docs reads the same ``Allowed`` and ``Derivation`` metadata, so the
declaration is the single source of truth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from lenskit.config import _values


@dataclass(frozen=True)
class Allowed:
    """What a setting accepts, as a phrase: ``"a positive integer or -1"``."""

    text: str


@dataclass(frozen=True)
class Derivation:
    """How a setting's default is worked out, and what -1 means where it is allowed."""

    default: str
    minus_one: str = ""


def _checked(parse: Callable[[object], object], *, optional: bool) -> BeforeValidator:
    def check(raw: object) -> object:
        if raw is None and optional:
            return None
        try:
            return parse(raw)
        except ValueError as err:
            raise PydanticCustomError(
                "lenskit_setting", "expected {allowed}", {"allowed": str(err)}
            ) from None

    return BeforeValidator(check)


CpuCount = Annotated[
    int | None,
    _checked(_values.parse_positive_int, optional=True),
    Allowed(_values.POSITIVE_INT),
]
ThreadCount = Annotated[
    int | None,
    _checked(_values.parse_count_or_all, optional=True),
    Allowed(_values.COUNT_OR_ALL),
]
Flag = Annotated[bool, _checked(_values.parse_boolean, optional=False), Allowed(_values.BOOLEAN)]
OptionalText = Annotated[
    str | None,
    _checked(_values.parse_text, optional=True),
    Allowed(_values.NON_EMPTY_TEXT),
]
