"""LensKit settings: one declaration, read from defaults, files, the environment and arguments.

Sources, highest priority first: explicit arguments, ``LK_*`` environment
variables, ``lenskit.local.toml``, ``lenskit.toml``, defaults.  Every value
remembers its source (`ValueSource`); bad values raise `ConfigError` with a
one-line message.

Importing this package is cheap: the pydantic-based settings classes load on
first use of their names, so ``lenskit --help`` or ``import lenskit.knn`` do
not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from lenskit.config._errors import ConfigError
from lenskit.config._locate import (
    CONFIG_FILE,
    LOCAL_CONFIG_FILE,
    configuration_search_path,
    locate_configuration_root,
)
from lenskit.config._source import ValueSource

if TYPE_CHECKING:
    from lenskit.config._global import configure, lenskit_config, load_settings
    from lenskit.config._lenskit import LenskitSettings
    from lenskit.config._parallel import BLAS_THREAD_VARS, ParallelSettings
    from lenskit.config._reference import (
        ResolvedSetting,
        SettingSpec,
        reference_table,
        resolved_settings,
        setting_specs,
        unknown_env_vars,
    )

_LAZY = {
    "ParallelSettings": "lenskit.config._parallel",
    "BLAS_THREAD_VARS": "lenskit.config._parallel",
    "LenskitSettings": "lenskit.config._lenskit",
    "configure": "lenskit.config._global",
    "lenskit_config": "lenskit.config._global",
    "load_settings": "lenskit.config._global",
    "SettingSpec": "lenskit.config._reference",
    "ResolvedSetting": "lenskit.config._reference",
    "setting_specs": "lenskit.config._reference",
    "resolved_settings": "lenskit.config._reference",
    "reference_table": "lenskit.config._reference",
    "unknown_env_vars": "lenskit.config._reference",
}

__all__ = [
    "BLAS_THREAD_VARS",
    "CONFIG_FILE",
    "LOCAL_CONFIG_FILE",
    "ConfigError",
    "LenskitSettings",
    "ParallelSettings",
    "ResolvedSetting",
    "SettingSpec",
    "ValueSource",
    "configuration_search_path",
    "configure",
    "lenskit_config",
    "load_settings",
    "locate_configuration_root",
    "reference_table",
    "resolved_settings",
    "setting_specs",
    "unknown_env_vars",
]


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lenskit.config' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
