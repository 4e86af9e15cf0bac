"""The one exception type for bad interaction data.

Loaders and ``Interactions.from_frame`` raise :class:`DataError` so callers
(the CLI, batch runners) can catch every user-data mistake in one place and
print a one-line message that says where the problem is.
"""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """Input data that cannot be used as given.

    The message names the source (file or "data frame"), the column and the
    first offending row when they are known; the same facts are kept as
    attributes so programs can act on them.

    Attributes:
        problem: what is wrong, without the location.
        source: the file the data came from, if any.
        column: the column at fault, if any.
        row: 0-based position of the first offending row in the data frame.
        line: 1-based line of that row in a CSV file, if known.
    """

    problem: str
    source: str | None
    column: str | None
    row: int | None
    line: int | None

    def __init__(
        self,
        problem: str,
        *,
        source: str | Path | None = None,
        column: str | None = None,
        row: int | None = None,
        line: int | None = None,
    ) -> None:
        self.problem = problem
        self.source = None if source is None else str(source)
        self.column = column
        self.row = row
        self.line = line
        super().__init__(self._format())

    def _format(self) -> str:
        where: list[str] = []
        if self.source is not None:
            where.append(self.source)
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.row is not None:
            loc = f"row {self.row}"
            if self.line is not None:
                loc += f" (line {self.line})"
            where.append(loc)
        if not where:
            return self.problem
        return f"{', '.join(where)}: {self.problem}"

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Batch workers (threads, processes, Ray) re-raise errors in the parent;
        # the keyword-only constructor needs an explicit recipe to unpickle.
        return (_rebuild, (self.problem, self.source, self.column, self.row, self.line))


def _rebuild(
    problem: str, source: str | None, column: str | None, row: int | None, line: int | None
) -> DataError:
    return DataError(problem, source=source, column=column, row=row, line=line)
