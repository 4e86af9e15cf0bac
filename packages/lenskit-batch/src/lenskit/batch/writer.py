"""Writing results to a file as they arrive, so memory stays bounded.

A run over millions of users cannot keep every row; `ResultWriter` appends
each chunk to a Parquet (or CSV) file as soon as the runner yields it.  The
rows go to a temporary file of this writer's own (`PartialFile`), which
replaces the target in one rename when the run finishes.  A run that fails,
is interrupted or killed never leaves a file that looks complete, and
never damages an earlier one, however many runs write the same target.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lenskit.batch.errors import OutputError
from lenskit.batch.partial_file import PartialFile
from lenskit.batch.scoring import empty_table

FORMATS = {".parquet": "parquet", ".csv": "csv"}
"""Output formats by file extension."""


class ArrowResults(Protocol):
    """Results that can hand over their rows as an Arrow table (e.g. `BatchResults`)."""

    def to_arrow(self) -> pa.Table: ...


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


def check_output(path: str | Path) -> None:
    """Fail now, before any work, if results could not be written to *path*.

    Checks the extension and the folder, and creates (then removes) a
    temporary file there, which is what writing will do: this catches a
    read-only filesystem or a folder we may not write to, even as root.

    Raises:
        ValueError: unsupported extension.
        OSError: *path* cannot be written (`OutputError`, or `FileNotFoundError`,
            `NotADirectoryError`, `IsADirectoryError` for the folder); the
            message says why in one line.
    """
    path = Path(path)
    output_format(path)
    _check_folder(path)
    try:
        PartialFile.create(path).discard()
    except OSError as err:
        raise _output_error(path, "cannot create files in its folder", err) from None


class ResultWriter:
    """Appends result chunks to one Parquet or CSV file; use as a context manager.

    The first chunk with rows fixes the column types; later chunks are cast
    to them.  If the ``with`` block raises (or a signal interrupts it), the
    temporary file is removed and *path* is left as it was.

    Raises:
        FileNotFoundError, NotADirectoryError, IsADirectoryError: on entering,
            when *path*'s folder is missing or not a folder, or *path* is a folder.
        OutputError: on entering, writing or finishing, when the file cannot be
            written (read-only filesystem, no permission, disk full, ...).
    """

    def __init__(self, path: str | Path, *, ranked: bool = True) -> None:
        self.path = Path(path)
        self.format = output_format(self.path)
        self.rows = 0
        self._ranked = ranked
        self._partial: PartialFile | None = None
        # The file is opened here, not by the format writer, so that it is closed (and a
        # removed temporary's space freed) even when the format writer fails to close.
        self._sink: pa.NativeFile | None = None
        self._writer: pq.ParquetWriter | pacsv.CSVWriter | None = None
        self._schema: pa.Schema | None = None
        self._closed = False

    def __enter__(self) -> Self:
        self._start()
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

    def write(self, chunk: ArrowResults | pa.Table) -> None:
        """Append *chunk*'s rows."""
        table: pa.Table = chunk if isinstance(chunk, pa.Table) else chunk.to_arrow()
        if table.num_rows == 0:
            return
        if self._writer is None:
            self._open(table.schema)
        assert self._writer is not None and self._schema is not None
        if table.schema != self._schema:
            table = table.cast(self._schema)
        try:
            self._writer.write_table(table)
        except OSError as err:
            self.abort()
            raise _output_error(self.path, "writing failed", err) from None
        self.rows += table.num_rows

    def close(self) -> None:
        """Finish the file and move it into place.

        If finishing fails, the temporary file is removed and *path* is kept.
        """
        if self._closed:
            return
        try:
            if self._writer is None:
                self._open(empty_table(self._ranked).schema)
            assert self._writer is not None and self._sink is not None
            assert self._partial is not None
            self._writer.close()
            self._sink.close()
            self._partial.commit()
        except OSError as err:
            self.abort()
            raise _output_error(self.path, "finishing the file failed", err) from None
        except BaseException:
            self.abort()
            raise
        self._closed = True

    def abort(self) -> None:
        """Discard what was written; *path* is left untouched."""
        if self._closed:
            return
        self._closed = True
        # Closing may fail again (the disk is still full); the file goes anyway.
        try:
            if self._writer is not None:
                with contextlib.suppress(Exception):
                    self._writer.close()
            if self._sink is not None:
                with contextlib.suppress(Exception):
                    self._sink.close()
        finally:
            if self._partial is not None:
                self._partial.discard()

    def _start(self) -> None:
        if self._partial is not None:
            return
        _check_folder(self.path)
        try:
            self._partial = PartialFile.create(self.path)
        except OSError as err:
            raise _output_error(self.path, "cannot create files in its folder", err) from None

    def _open(self, schema: pa.Schema) -> None:
        self._start()
        assert self._partial is not None
        self._schema = schema
        try:
            self._sink = pa.OSFile(str(self._partial.path), "wb")
            if self.format == "parquet":
                self._writer = pq.ParquetWriter(self._sink, schema)
            else:
                self._writer = pacsv.CSVWriter(self._sink, schema)
        except OSError as err:
            self.abort()
            raise _output_error(self.path, "writing failed", err) from None


def _check_folder(path: Path) -> None:
    folder = path.parent
    if not folder.exists():
        raise FileNotFoundError(f"{path}: folder {folder} does not exist")
    if not folder.is_dir():
        raise NotADirectoryError(f"{path}: {folder} is not a folder")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder")


def _output_error(path: Path, what: str, err: OSError) -> OutputError:
    """One line naming the file and the cause, without the temporary file's name."""
    if isinstance(err, OutputError):
        return err
    cause = os.strerror(err.errno) if err.errno else str(err)
    return OutputError(f"{path}: {what}: {cause}", err.errno)
