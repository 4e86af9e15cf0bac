"""Settings sources that remember, for every value they supply, where it came from.

pydantic-settings merges the dictionaries its sources return and forgets
their origin.  Our sources also report each leaf value with a `ValueSource`
to the `SourceLog` of the settings object being built (held in a context
variable, so concurrent builds in other threads keep separate logs).  The
log answers "which source won for this key", which is what ``source_of()``
and the error messages need.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from lenskit.config._errors import ConfigError
from lenskit.config._locate import CONFIG_FILE, LOCAL_CONFIG_FILE, locate_configuration_root
from lenskit.config._source import ValueSource
from lenskit.config._toml import check_document, read_toml, section
from lenskit.config._tree import leaves, tables

Contribution = dict[str, tuple[ValueSource, object]]


@dataclass
class SourceLog:
    """What each source supplied while one settings object was built, highest priority first."""

    root: Path | None
    layers: list[Contribution] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def winner(self, path: str) -> tuple[ValueSource, object] | None:
        """The source (and raw value) that supplied *path*, if any did."""
        for layer in self.layers:
            if path in layer:
                return layer[path]
        return None

    def provenance(self) -> dict[str, ValueSource]:
        """The winning source of every supplied leaf, by dotted path."""
        result: dict[str, ValueSource] = {}
        for layer in self.layers:
            for path, (source, _raw) in layer.items():
                result.setdefault(path, source)
        return result


class _Locate:
    """Marker: find the configuration folder from the working directory."""


LOCATE = _Locate()
_CONFIG_DIR: ContextVar[Path | _Locate | None] = ContextVar("lenskit_config_dir", default=LOCATE)
_LOG: ContextVar[SourceLog | None] = ContextVar("lenskit_config_log", default=None)
_NESTED: ContextVar[bool] = ContextVar("lenskit_config_nested", default=False)


@contextmanager
def config_directory(folder: Path | _Locate | None) -> Iterator[None]:
    """Build settings in this block from the files in *folder* (``None``: no files)."""
    token = _CONFIG_DIR.set(folder)
    try:
        yield
    finally:
        _CONFIG_DIR.reset(token)


def configuration_root() -> Path | None:
    """The folder whose files the settings being built read."""
    chosen = _CONFIG_DIR.get()
    if isinstance(chosen, _Locate):
        return locate_configuration_root()
    if chosen is not None and not chosen.is_dir():
        raise ConfigError(f"{chosen}: configuration folder does not exist")
    return chosen


@contextmanager
def recording(log: SourceLog) -> Iterator[None]:
    """Sources called in this block report to *log*; tables validated inside are nested."""
    log_token = _LOG.set(log)
    nested_token = _NESTED.set(True)
    try:
        yield
    finally:
        _NESTED.reset(nested_token)
        _LOG.reset(log_token)


def in_nested_validation() -> bool:
    """Whether a table is being validated as part of an enclosing settings object."""
    return _NESTED.get()


def _table_of(settings_cls: type[BaseModel]) -> tuple[str, ...]:
    return tuple(getattr(settings_cls, "toml_table", ()))


def _empty_tables(model: type[BaseModel]) -> dict[str, Any]:
    """``{"parallel": {}}`` for every table, so no table falls back to a default factory."""
    return {name: _empty_tables(sub) for name, sub in tables(model).items()}


def _put(data: dict[str, Any], table: tuple[str, ...], name: str, value: object) -> None:
    for part in table:
        data = data.setdefault(part, {})
    data[name] = value


class TrackedSource(PydanticBaseSettingsSource):
    """A source that returns its values and reports their origin to the active log."""

    def collect(self) -> tuple[dict[str, Any], Contribution]:
        """The values to merge and, for each leaf path, its source and raw value."""
        raise NotImplementedError

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        # Values are produced whole by collect(); pydantic-settings' per-field hook is unused.
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        data, contribution = self.collect()
        log = _LOG.get()
        if log is not None:
            log.layers.append(contribution)
        return data


class ArgumentSource(TrackedSource):
    """Keyword arguments given to the constructor.

    A table given as a settings object keeps the origins that object recorded.
    """

    def __init__(self, settings_cls: type[BaseSettings], arguments: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self.arguments = arguments

    def collect(self) -> tuple[dict[str, Any], Contribution]:
        data: dict[str, Any] = {}
        contribution: Contribution = {}
        _flatten_arguments(self.arguments, self.settings_cls, (), data, contribution)
        return data, contribution


def _flatten_arguments(
    values: dict[str, Any],
    model: type[BaseModel],
    prefix: tuple[str, ...],
    data: dict[str, Any],
    contribution: Contribution,
) -> None:
    nested = tables(model)
    for key, value in values.items():
        where = (*prefix, key)
        if key in nested and isinstance(value, BaseModel):
            data[key] = {}
            _adopt_model(value, where, data[key], contribution)
        elif key in nested and isinstance(value, dict):
            data[key] = {}
            _flatten_arguments(value, nested[key], where, data[key], contribution)
        else:
            data[key] = value
            contribution[".".join(where)] = (ValueSource("argument", ".".join(where)), value)


def _adopt_model(
    model: BaseModel, where: tuple[str, ...], data: dict[str, Any], contribution: Contribution
) -> None:
    """Take a settings object's values with the origins it recorded; its defaults stay open."""
    source_of = getattr(model, "source_of", None)
    for name in type(model).model_fields:
        path = ".".join((*where, name))
        if callable(source_of):
            origin = source_of(name)
            if not isinstance(origin, ValueSource) or origin.kind == "default":
                continue
        elif name in model.model_fields_set:
            origin = ValueSource("argument", path)
        else:
            continue
        value = getattr(model, name)
        data[name] = value
        contribution[path] = (origin, value)


class EnvironmentSource(TrackedSource):
    """``LK_*`` variables: each setting's own variable, named from its table's env prefix."""

    def collect(self) -> tuple[dict[str, Any], Contribution]:
        data = _empty_tables(self.settings_cls)
        contribution: Contribution = {}
        for leaf in leaves(self.settings_cls):
            raw = os.environ.get(leaf.env_var)
            if raw is not None:
                _put(data, leaf.table, leaf.name, raw)
                contribution[leaf.path] = (ValueSource("environment", leaf.env_var), raw)
        return data, contribution


class TomlFileSource(TrackedSource):
    """One of ``lenskit.toml`` / ``lenskit.local.toml`` in the configuration folder."""

    def __init__(self, settings_cls: type[BaseSettings], filename: str) -> None:
        super().__init__(settings_cls)
        self.filename = filename

    def collect(self) -> tuple[dict[str, Any], Contribution]:
        log = _LOG.get()
        root = log.root if log is not None else configuration_root()
        if root is None or not (root / self.filename).exists():
            return {}, {}
        path = root / self.filename
        document = read_toml(path)
        check_document(path, document, document_model())
        own_table = _table_of(self.settings_cls)
        data = section(document, own_table)
        contribution: Contribution = {}
        for leaf in leaves(self.settings_cls):
            part = section(data, leaf.table)
            if leaf.name in part:
                raw = part[leaf.name]
                where = ValueSource("file", f"{path}:{leaf.file_key((*own_table, *leaf.table))}")
                contribution[leaf.path] = (where, raw)
        if log is not None:
            log.files.append(path)
        return data, contribution


def file_sources(settings_cls: type[BaseSettings]) -> tuple[TomlFileSource, TomlFileSource]:
    """The two files, local first because it overrides the shared one."""
    return TomlFileSource(settings_cls, LOCAL_CONFIG_FILE), TomlFileSource(
        settings_cls, CONFIG_FILE
    )


def document_model() -> type[BaseModel]:
    """The model a whole ``lenskit.toml`` is checked against."""
    from lenskit.config._lenskit import LenskitSettings

    return LenskitSettings
