"""Where a setting's value came from, so `lenskit config` and errors can say so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SourceKind = Literal["argument", "environment", "file", "derived", "default"]


@dataclass(frozen=True)
class ValueSource:
    """The origin of one resolved setting value.

    ``detail`` depends on ``kind``: the argument name, the environment
    variable, ``"<path>:[table].key"`` for a file, what a derived value was
    computed from (``"8 CPUs"``), or empty for a default.  ``note`` adds how a
    special value was read, e.g. ``"-1 = all CPUs"``.
    """

    kind: SourceKind
    detail: str = ""
    note: str = ""

    @property
    def label(self) -> str:
        """The name a user would look for: argument, variable or ``file:[table].key``."""
        return self.detail or self.kind

    def __str__(self) -> str:
        match self.kind:
            case "argument":
                text = f"argument {self.detail}"
            case "environment":
                text = f"environment {self.detail}"
            case "file":
                path, sep, key = self.detail.rpartition(":[")
                text = f"{path} [{key}" if sep else self.detail
            case "derived":
                text = f"derived from {self.detail}"
            case "default":
                text = "default"
        return f"{text} ({self.note})" if self.note else text


DEFAULT_SOURCE = ValueSource("default")
