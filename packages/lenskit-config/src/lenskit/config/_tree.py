"""Walk a settings declaration: its tables (sub-models) and its leaf settings.

Everything that lists settings (sources, error messages, ``env_vars()``,
``lenskit config``, the docs table) walks the declaration through these
helpers instead of keeping its own list.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel
from pydantic.fields import FieldInfo


@dataclass(frozen=True)
class Leaf:
    """One setting: where it sits in the tree, its owner model and its field."""

    table: tuple[str, ...]
    name: str
    owner: type[BaseModel]
    field: FieldInfo

    @property
    def path(self) -> str:
        """Dotted path from the root model: ``"parallel.num_threads"``."""
        return ".".join((*self.table, self.name))

    @property
    def env_var(self) -> str:
        """The environment variable that sets it: the owner's prefix and the name in capitals."""
        prefix = str(self.owner.model_config.get("env_prefix", ""))
        return prefix + self.name.upper()

    def file_key(self, table: tuple[str, ...] | None = None) -> str:
        """How the key is written in ``lenskit.toml``: ``"[parallel].num_threads"``."""
        where = self.table if table is None else table
        return f"[{'.'.join(where)}].{self.name}" if where else self.name


def tables(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """The fields of *model* that are themselves settings tables."""
    found: dict[str, type[BaseModel]] = {}
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found[name] = kind
    return found


def leaves(model: type[BaseModel], table: tuple[str, ...] = ()) -> Iterator[Leaf]:
    """Every leaf setting under *model*, in declaration order, tables expanded in place."""
    nested = tables(model)
    for name, field in model.model_fields.items():
        if name in nested:
            yield from leaves(nested[name], (*table, name))
        else:
            yield Leaf(table, name, model, field)


def model_at(model: type[BaseModel], path: tuple[str, ...]) -> type[BaseModel] | None:
    """The table model reached by following *path* from *model*, if there is one."""
    for name in path:
        found = tables(model).get(name)
        if found is None:
            return None
        model = found
    return model
