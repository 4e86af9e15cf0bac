"""Building settings from pydantic-settings' own sources, remembering where each value came from.

Sources, highest priority first: constructor arguments, ``LK_*`` environment
variables, then (only inside `lenskit.config.configure`) ``lenskit.local.toml``
and ``lenskit.toml``.  Each source is pydantic-settings' own
(``InitSettingsSource``, ``EnvSettingsSource``, ``TomlConfigSettingsSource``),
wrapped so that what it supplied is logged with its origin; the log answers
`TrackedSettings.source_of` and names the culprit in every error message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, PrivateAttr, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    TomlConfigSettingsSource,
)
from pydantic_settings.exceptions import SettingsError

from lenskit.config._errors import ConfigError, bad_value, suggestion
from lenskit.config._locate import CONFIG_FILE, LOCAL_CONFIG_FILE
from lenskit.config._source import ValueSource
from lenskit.config._toml import read_toml
from lenskit.config._values import Kind

Path_ = tuple[str, ...]
Origin = tuple[ValueSource, object]
Source = Callable[[], dict[str, Any]]


@dataclass
class _Build:
    """What each source supplied while one settings object was built, highest priority first."""

    layers: list[dict[Path_, Origin]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def winner(self, path: Path_) -> Origin | None:
        return next((layer[path] for layer in self.layers if path in layer), None)


_BUILD: ContextVar[_Build | None] = ContextVar("lenskit_settings_build", default=None)
_FOLDER: ContextVar[Path | None] = ContextVar("lenskit_config_folder", default=None)


@contextmanager
def reading_files(folder: Path) -> Iterator[None]:
    """Settings built in this block also read ``lenskit.toml`` / ``lenskit.local.toml`` in
    *folder*."""
    if not folder.is_dir():
        raise ConfigError(f"{folder}: configuration folder does not exist")
    token = _FOLDER.set(folder)
    try:
        yield
    finally:
        _FOLDER.reset(token)


class TrackedSettings(BaseSettings):
    """A settings model whose values remember their source and whose errors are one line.

    A table inside another settings object (``[parallel]`` of `LenskitSettings`)
    is validated from what the outer object's sources supplied, not read again.
    """

    reads_files: ClassVar[bool] = False
    """Whether `lenskit.config.configure` reads this model from ``lenskit.toml`` (the whole
    document, so only the top-level model does)."""

    _sources: dict[str, ValueSource] = PrivateAttr(default_factory=dict)

    def __init__(self, **values: Any) -> None:
        if _BUILD.get() is not None:
            BaseModel.__init__(self, **values)
            return
        build = _Build()
        token = _BUILD.set(build)
        try:
            super().__init__(**values)
        except ValidationError as err:
            raise ConfigError("; ".join(_explain(err, build, type(self)))) from None
        except SettingsError as err:
            raise ConfigError(_settings_error(err, type(self))) from None
        finally:
            _BUILD.reset(token)
        hidden = _hidden_problems(build, type(self))
        if hidden:
            raise ConfigError("; ".join(hidden))
        self._adopt(build, ())
        self._loaded(build.files)

    def _loaded(self, files: list[Path]) -> None:
        """Hook for models that keep more of the load than the values (the files read)."""

    def _adopt(self, build: _Build, prefix: Path_) -> None:
        tables = {
            n for n in type(self).model_fields if isinstance(getattr(self, n), TrackedSettings)
        }
        for name in tables:
            getattr(self, name)._adopt(build, (*prefix, name))
        found: dict[str, ValueSource] = {}
        for layer in reversed(build.layers):
            for path, (source, _raw) in layer.items():
                if (
                    len(path) > len(prefix)
                    and path[: len(prefix)] == prefix
                    and path[len(prefix)] not in tables
                ):
                    found[".".join(path[len(prefix) :])] = source
        self._sources = found

    def source_of(self, name: str) -> ValueSource:
        """Where the value of *name* (``"num_threads"``, or dotted through tables) came from."""
        head, _, rest = name.partition(".")
        if head not in type(self).model_fields:
            hint = suggestion(head, list(type(self).model_fields))
            raise KeyError(f"{name}: not a setting ({hint})")
        child = getattr(self, head)
        if rest and isinstance(child, TrackedSettings):
            return child.source_of(rest)
        return self._sources.get(name, ValueSource("default"))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        prefix = str(settings_cls.model_config.get("env_prefix", ""))
        sources: list[Source] = [
            _recorded(init_settings, lambda p: ValueSource("argument", ".".join(p))),
            *_table_env_sources(settings_cls),
            _recorded(env_settings, lambda p: _env(prefix + "__".join(p))),
        ]
        folder = _FOLDER.get()
        if folder is not None and getattr(settings_cls, "reads_files", False):
            for name in (LOCAL_CONFIG_FILE, CONFIG_FILE):
                path = folder / name
                sources.append(_recorded(lambda p=path: _TomlFile(settings_cls, p)(), _in(path)))
        # pydantic-settings only calls each source; plain callables serve.
        return tuple(sources)  # type: ignore[arg-type]


def _env(name: str) -> ValueSource:
    return ValueSource("environment", name.upper())


def _in(path: Path) -> Callable[[Path_], ValueSource]:
    def origin(key: Path_) -> ValueSource:
        written = f"[{'.'.join(key[:-1])}].{key[-1]}" if len(key) > 1 else ".".join(key)
        return ValueSource("file", f"{path}:{written}")

    return origin


def _table_env_sources(settings_cls: type[BaseSettings]) -> Iterator[Source]:
    """``LK_NUM_THREADS`` for the ``[parallel]`` table: each table's own variables, by its own
    prefix, read with pydantic-settings' `EnvSettingsSource`."""
    for name, info in settings_cls.model_fields.items():
        table = info.annotation
        if isinstance(table, type) and issubclass(table, TrackedSettings):
            prefix = str(table.model_config.get("env_prefix", ""))

            def read(name: str = name, table: type[BaseSettings] = table) -> dict[str, Any]:
                found = EnvSettingsSource(table)()
                return {name: found} if found else {}

            yield _recorded(read, lambda p, prefix=prefix: _env(prefix + p[-1]))


def _recorded(source: Source, origin: Callable[[Path_], ValueSource]) -> Source:
    """*source*, logging each leaf it supplies (a settings object brings its own origins)."""

    def call() -> dict[str, Any]:
        data = source()
        build = _BUILD.get()
        if build is not None:
            build.layers.append(dict(_leaves(data, (), origin)))
        return data

    return call


def _leaves(
    data: dict[str, Any], prefix: Path_, origin: Callable[[Path_], ValueSource]
) -> Iterator[tuple[Path_, Origin]]:
    for key, value in data.items():
        path = (*prefix, key)
        if isinstance(value, dict):
            yield from _leaves(value, path, origin)
        elif isinstance(value, TrackedSettings):
            for name in type(value).model_fields:
                source = value.source_of(name)
                if source.kind != "default":
                    yield (*path, name), (source, getattr(value, name))
        else:
            yield path, (origin(path), value)


class _TomlFile(TomlConfigSettingsSource):
    """pydantic-settings' TOML source, refusing what it would skip or misread, by name."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        if path.exists() and not path.is_file():
            raise ConfigError(f"{path}: is a folder, not a configuration file")
        super().__init__(settings_cls, path)

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        build = _BUILD.get()
        if build is not None:
            build.files.append(Path(file_path))
        return read_toml(Path(file_path))


def _settings_error(err: SettingsError, model: type[BaseSettings]) -> str:
    """pydantic-settings' refusal of a table given as a variable (not JSON), by variable."""
    found = re.search(r'field "(\w+)"', str(err))
    if found is None:
        return " ".join(str(err).split())
    name = str(model.model_config.get("env_prefix", "")) + found[1].upper()
    return f"{name} (environment): expected a JSON object for the table {found[1]}"


def _model_at(model: type[BaseModel], path: Path_) -> type[BaseModel] | None:
    for name in path:
        info = model.model_fields.get(name)
        kind = info.annotation if info is not None else None
        if not (isinstance(kind, type) and issubclass(kind, BaseModel)):
            return None
        model = kind
    return model


def kind_of(model: type[BaseModel], path: Path_) -> Kind | None:
    """The kind of value declared for the setting at *path* under *model*."""
    owner = _model_at(model, path[:-1])
    info = owner.model_fields.get(path[-1]) if owner is not None else None
    return next((m for m in info.metadata if isinstance(m, Kind)), None) if info else None


def _hidden_problems(build: _Build, model: type[BaseModel]) -> list[str]:
    """Bad values a higher source overrode: refused too, so a bad file entry does not lie in
    wait for the day the environment variable hiding it is unset."""
    problems: list[str] = []
    for layer in build.layers[1:]:
        for path, (source, raw) in layer.items():
            kind = kind_of(model, path)
            if kind is None or build.winner(path) == (source, raw):
                continue
            try:
                kind.parse(raw)
            except ValueError as err:
                problems.append(bad_value(source.label, raw, source.kind, f"expected {err}"))
    return problems


def _explain(err: ValidationError, build: _Build, model: type[BaseModel]) -> list[str]:
    """Phrase pydantic's errors as: the value, where it came from, and what is allowed."""
    problems: list[str] = []
    for error in err.errors():
        path = tuple(str(part) for part in error["loc"])
        found = build.winner(path)
        source, raw = found or (ValueSource("argument", ".".join(path)), error["input"])
        if error["type"] == "extra_forbidden":
            owner = _model_at(model, path[:-1])
            hint = suggestion(path[-1], list(owner.model_fields) if owner else [])
            what = "unknown key" if source.kind == "file" else "unknown setting"
            where = source.label if source.kind == "file" else f"{source.label} ({source.kind})"
            problems.append(f"{where}: {what} ({hint})")
        elif error["type"] in ("model_type", "dict_type", "model_attributes_type"):
            problems.append(bad_value(source.label, raw, source.kind, "expected a table"))
        else:
            message = error["msg"]
            problems.append(
                bad_value(source.label, raw, source.kind, message[:1].lower() + message[1:])
            )
    return problems
