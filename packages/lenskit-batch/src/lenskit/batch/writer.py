"""Writing results to a file as they arrive, so memory stays bounded.

A run over millions of users cannot keep every row; `ResultWriter` appends
each chunk to a Parquet (or CSV) file as soon as the runner yields it.  The
file is written under a temporary name and renamed only when the run
finishes, so an interrupted or failed run never leaves a file that looks
complete.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import TracebackType
from typing import Self

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lenskit.batch.results import BatchResults, empty_table

FORMATS = {".parquet": "parquet", ".csv": "csv"}
"""Output formats by file extension."""


def output_format(path: str | Path) -> str:
    """The format for *path* by its extension.

    Raises:
        ValueError: unsupported extension; the message names the file and the choices.
    """
    suffix = Path(path).suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        allowed = " or ".join(FORMATS)
        raise ValueError(
            f"{path}: cannot write results to a {suffix or 'extension-less'} file; use {allowed}"
        )
    return fmt


class ResultWriter:
    """Appends result chunks to one Parquet or CSV file; use as a context manager.

    The first chunk with rows fixes the column types; later chunks are cast
    to them.  If the ``with`` block raises, the partial file is removed.
    """

    def __init__(self, path: str | Path, *, ranked: bool = True) -> None:
        self.path = Path(path)
        self.format = output_format(self.path)
        self.rows = 0
        self._ranked = ranked
        self._partial = self.path.with_name(f".{self.path.name}.partial")
        self._writer: pq.ParquetWriter | pacsv.CSVWriter | None = None
        self._schema: pa.Schema | None = None
        self._closed = False

    def __enter__(self) -> Self:
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"{self.path}: folder {self.path.parent} does not exist")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def write(self, chunk: BatchResults | pa.Table) -> None:
        """Append *chunk*'s rows."""
        table = chunk.to_arrow() if isinstance(chunk, BatchResults) else chunk
        if table.num_rows == 0:
            return
        if self._writer is None:
            self._open(table.schema)
        assert self._writer is not None and self._schema is not None
        if table.schema != self._schema:
            table = table.cast(self._schema)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        """Finish the file and move it into place."""
        if self._closed:
            return
        if self._writer is None:
            self._open(empty_table(self._ranked).schema)
        assert self._writer is not None
        self._writer.close()
        self._partial.replace(self.path)
        self._closed = True

    def abort(self) -> None:
        """Discard what was written; *path* is left untouched."""
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
        self._partial.unlink(missing_ok=True)

    def _open(self, schema: pa.Schema) -> None:
        self._schema = schema
        if self.format == "parquet":
            self._writer = pq.ParquetWriter(self._partial, schema)
        else:
            self._writer = pacsv.CSVWriter(self._partial, schema)
