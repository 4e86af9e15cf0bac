"""Settings mistakes that load without error but deserve a word from ``lenskit doctor``."""

from __future__ import annotations

import os
from collections.abc import Mapping

from lenskit.config import LenskitSettings, setting_specs
from lenskit.config._errors import suggestion


def unknown_env_vars(environ: Mapping[str, str] | None = None) -> list[str]:
    """``LK_*`` variables no setting reads (settings ignore them, usually a typo)."""
    env = os.environ if environ is None else environ
    known = [spec.env_var for spec in setting_specs()] + ["LK_PROJECT_ROOT"]
    tables = [f"LK_{name.upper()}" for name in LenskitSettings.model_fields]
    return [
        f"{name} is set but is not a lenskit setting ({suggestion(name, known)})"
        for name in sorted(env)
        if name.startswith("LK_")
        and name not in known
        and not any(name == t or name.startswith(t + "__") for t in tables)
    ]


def misspelt_tables(settings: LenskitSettings) -> list[str]:
    """Top-level keys of ``lenskit.toml`` that look like a misspelt table name.

    Other keys are allowed (projects keep their own tables there), so only near
    misses are reported.
    """
    known = list(LenskitSettings.model_fields)
    found: list[str] = []
    for key in settings.model_extra or {}:
        if (hint := suggestion(key, known, wrap="[{}]")).startswith("did you mean"):
            found.append(f"lenskit.toml: [{key}] is not a table lenskit reads ({hint})")
    return found
