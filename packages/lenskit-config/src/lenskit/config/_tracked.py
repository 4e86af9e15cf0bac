"""The base of every settings model: fixed source order, provenance, and one-line errors."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, PrivateAttr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from lenskit.config._errors import ConfigError, bad_value, suggestion
from lenskit.config._source import DEFAULT_SOURCE, ValueSource
from lenskit.config._sources import (
    ArgumentSource,
    EnvironmentSource,
    SourceLog,
    configuration_root,
    file_sources,
    in_nested_validation,
    recording,
)
from lenskit.config._tree import model_at, tables


class TrackedSettings(BaseSettings):
    """Settings read from arguments, ``LK_*`` variables, ``lenskit.local.toml``, ``lenskit.toml``
    and defaults, in that order of priority, each value remembering its source.

    A table nested in another settings object is validated from what the outer
    object's sources supplied; it does not read the environment or files again.
    """

    model_config = SettingsConfigDict(extra="forbid", case_sensitive=True)

    toml_table: ClassVar[tuple[str, ...]] = ()
    """Where this model's values live in ``lenskit.toml`` (``("parallel",)``)."""

    _sources: dict[str, ValueSource] = PrivateAttr(default_factory=dict)

    def __init__(self, **values: Any) -> None:
        if in_nested_validation():
            BaseModel.__init__(self, **values)
            return
        log = SourceLog(root=configuration_root())
        problems: list[str] = []
        with recording(log):
            try:
                super().__init__(**values)
            except ValidationError as err:
                problems.extend(_explain(err, log, type(self)))
            problems.extend(_check_overridden(log, type(self)))
        if problems:
            raise ConfigError("; ".join(problems))
        self._adopt_sources(log.provenance())
        self._after_load(log)

    def _after_load(self, log: SourceLog) -> None:
        """Hook for models that keep more of the load than the values (e.g. the files read)."""

    def _adopt_sources(self, provenance: dict[str, ValueSource]) -> None:
        nested = tables(type(self))
        self._sources = {path: src for path, src in provenance.items() if "." not in path}
        for name in nested:
            child = getattr(self, name)
            if isinstance(child, TrackedSettings):
                prefix = name + "."
                child._adopt_sources(
                    {
                        p.removeprefix(prefix): s
                        for p, s in provenance.items()
                        if p.startswith(prefix)
                    }
                )

    def source_of(self, field: str) -> ValueSource:
        """Where the value of *field* (``"num_threads"``, or dotted through tables) came from."""
        head, _, rest = field.partition(".")
        if head not in type(self).model_fields:
            raise KeyError(
                f"{field}: not a setting ({suggestion(head, list(type(self).model_fields))})"
            )
        if rest:
            child = getattr(self, head)
            if not isinstance(child, TrackedSettings):
                raise KeyError(f"{field}: {head} is not a table of settings")
            return child.source_of(rest)
        return self._sources.get(head, DEFAULT_SOURCE)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        arguments: dict[str, Any] = dict(getattr(init_settings, "init_kwargs", {}))
        local, shared = file_sources(settings_cls)
        return (
            ArgumentSource(settings_cls, arguments),
            EnvironmentSource(settings_cls),
            local,
            shared,
        )


def _check_overridden(log: SourceLog, model: type[BaseModel]) -> list[str]:
    """Validate the values a higher source overrode, so a bad file entry is not hidden by an
    environment variable today and fails only on the day the variable is unset."""
    winners = log.provenance()
    problems: list[str] = []
    for layer in log.layers:
        for path, (source, raw) in layer.items():
            if winners.get(path) is source:
                continue
            *table, name = path.split(".")
            owner = model_at(model, tuple(table))
            if owner is None or name not in owner.model_fields:
                continue
            try:
                owner(**{name: raw})
            except ValidationError as err:
                problems.extend(
                    bad_value(source.label, raw, source.kind, e["msg"]) for e in err.errors()
                )
    return problems


def _explain(err: ValidationError, log: SourceLog, model: type[BaseModel]) -> list[str]:
    """Turn pydantic's errors into phrases naming each value, its source and what is allowed."""
    problems: list[str] = []
    for error in err.errors():
        loc = tuple(str(part) for part in error["loc"])
        path = ".".join(loc)
        found = log.winner(path)
        source, raw = (
            found if found is not None else (ValueSource("argument", path), error["input"])
        )
        if error["type"] == "extra_forbidden":
            owner = model_at(model, loc[:-1])
            known = list(owner.model_fields) if owner is not None else []
            problems.append(
                f"{path} ({source.kind}): unknown setting ({suggestion(loc[-1], known)})"
            )
        elif error["type"] in ("model_type", "dict_type", "model_attributes_type"):
            problems.append(
                bad_value(source.label, raw, source.kind, "expected a table of settings")
            )
        else:
            problems.append(bad_value(source.label, raw, source.kind, error["msg"]))
    return problems
