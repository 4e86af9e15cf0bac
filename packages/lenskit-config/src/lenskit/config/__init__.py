"""LensKit settings: one declaration, read from defaults, the environment, files and arguments.

The names are LensKit 2026.4's.  Sources, highest priority first: explicit
arguments, ``LK_*`` environment variables, ``lenskit.local.toml``,
``lenskit.toml`` (files only when `configure` reads them), defaults.  Every
value remembers its source (`ValueSource`); bad values raise `ConfigError`
with a one-line message.  The pydantic-based names load on first use, so
``lenskit --help`` or ``import lenskit.knn`` do not pay for pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from lenskit.config._errors import ConfigError
from lenskit.config._global import lenskit_config
from lenskit.config._locate import (
    CONFIG_FILE,
    LOCAL_CONFIG_FILE,
    configuration_search_path,
    locate_configuration_root,
)
from lenskit.config._source import ValueSource

if TYPE_CHECKING:
    from lenskit.config._configure import configure, reconfigure
    from lenskit.config._reference import (
        SettingSpec,
        reference_table,
        setting_specs,
    )
    from lenskit.config._resolve import BLAS_THREAD_VARS
    from lenskit.config._settings import (
        LenskitSettings,
        MachineSettings,
        ParallelSettings,
        PowerQueries,
        PrometheusSettings,
        RandomSettings,
        TuneSettings,
    )

_LAZY = {
    "_configure": "configure reconfigure",
    "_resolve": "BLAS_THREAD_VARS",
    "_settings": "LenskitSettings MachineSettings ParallelSettings PowerQueries "
    "PrometheusSettings RandomSettings TuneSettings",
    "_reference": "SettingSpec reference_table setting_specs",
}
_HOME = {name: module for module, names in _LAZY.items() for name in names.split()}

__all__ = [
    "BLAS_THREAD_VARS",
    "CONFIG_FILE",
    "LOCAL_CONFIG_FILE",
    "ConfigError",
    "LenskitSettings",
    "MachineSettings",
    "ParallelSettings",
    "PowerQueries",
    "PrometheusSettings",
    "RandomSettings",
    "SettingSpec",
    "TuneSettings",
    "ValueSource",
    "configuration_search_path",
    "configure",
    "lenskit_config",
    "locate_configuration_root",
    "reconfigure",
    "reference_table",
    "setting_specs",
]


def __getattr__(name: str) -> object:
    if name not in _HOME:
        raise AttributeError(f"module 'lenskit.config' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"lenskit.config.{_HOME[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
