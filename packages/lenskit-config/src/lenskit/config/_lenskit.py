"""`LenskitSettings`: the whole of ``lenskit.toml``, one field per table."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, PrivateAttr
from pydantic_settings import SettingsConfigDict

from lenskit.config._parallel import ParallelSettings
from lenskit.config._sources import SourceLog
from lenskit.config._tracked import TrackedSettings


class LenskitSettings(TrackedSettings):
    """All LensKit settings; today the ``[parallel]`` table.

    Build it with `lenskit.config.configure` (or let `lenskit_config` do so)
    to read a project's files; direct construction reads the files found from
    the working directory.
    """

    model_config = SettingsConfigDict(env_prefix="LK_", extra="forbid", case_sensitive=True)

    parallel: ParallelSettings = Field(
        default_factory=ParallelSettings, description="Threads, batch jobs and CPU counts."
    )

    _root: Path | None = PrivateAttr(default=None)
    _files: tuple[Path, ...] = PrivateAttr(default=())

    def _after_load(self, log: SourceLog) -> None:
        self._root = log.root
        # The log lists files highest priority first; report them in reading order.
        self._files = tuple(reversed(log.files))

    @property
    def config_root(self) -> Path | None:
        """The folder whose ``lenskit.toml`` / ``lenskit.local.toml`` were looked for."""
        return self._root

    @property
    def config_files(self) -> tuple[Path, ...]:
        """The configuration files actually read, lowest priority first."""
        return self._files

    def resolve_defaults(self) -> LenskitSettings:
        """A copy whose tables have every default worked out (see `ParallelSettings`)."""
        resolved = self.model_copy(update={"parallel": self.parallel.resolve_defaults()})
        return resolved
