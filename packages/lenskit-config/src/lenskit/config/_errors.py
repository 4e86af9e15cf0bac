"""The one exception type for user mistakes in settings, so callers can show a line, not a trace."""

from __future__ import annotations


class ConfigError(ValueError):
    """A setting has a value that is not allowed.

    The message is one line naming the value, where it came from and what is
    allowed, e.g. ``LK_NUM_THREADS='abc' (environment): expected 0 (derive), -1
    or a whole number from 1 to 1024``.  Command-line tools print it as is and
    exit with status 1.
    """


def bad_value(label: str, raw: object, kind: str, problem: str) -> str:
    """Phrase a refused value the same way everywhere: ``label=raw (kind): problem``."""
    return f"{label}={raw!r} ({kind}): {problem}"


def suggestion(name: str, choices: list[str], *, wrap: str = "{}") -> str:
    """Say which known name a misspelt *name* probably meant, or list the names allowed."""
    import difflib

    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean {wrap.format(close[0])}?"
    return "allowed: " + ", ".join(wrap.format(c) for c in choices)
