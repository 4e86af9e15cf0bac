"""Reading rating files from disk into a frame, for :func:`lenskit.data.load_interactions`.

One entry point, :func:`read_ratings`, picks the reader from the path:
CSV/TSV (optionally gzipped), Parquet, or a MovieLens folder. Every problem
is reported as a :class:`DataError` naming the file (and, for CSV, the line).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import DataError
from .frames import Origin

CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")
MOVIELENS_FILES = ("ratings.csv", "ratings.parquet")
"""Files looked for, in order, when the path is a (MovieLens-style) folder."""


def read_ratings(path: str | Path) -> tuple[pd.DataFrame, Origin]:
    """The table in *path* (a ``.csv``/``.tsv`` file, optionally ``.gz``, a ``.parquet``
    file, or a folder holding ``ratings.csv`` or ``ratings.parquet``) and where its rows
    came from.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        DataError: the file cannot be parsed.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if path.is_dir():
        path = _movielens_file(path)
    name = path.name.lower()
    if name.endswith(CSV_SUFFIXES):
        return _read_csv(path, sep="\t" if ".tsv" in name else ","), Origin.of(path, first_line=2)
    if name.endswith(PARQUET_SUFFIXES):
        return _read_parquet(path), Origin.of(path)
    raise DataError(
        "unsupported file type; expected a .csv, .tsv or .parquet file "
        "or a folder with ratings.csv",
        source=path,
    )


def _movielens_file(folder: Path) -> Path:
    for name in MOVIELENS_FILES:
        if (folder / name).is_file():
            return folder / name
    found = sorted(p.name for p in folder.iterdir())
    listing = ", ".join(found[:10]) + (", ..." if len(found) > 10 else "") if found else "nothing"
    raise DataError(
        f"folder has no {' or '.join(MOVIELENS_FILES)} (found: {listing})", source=folder
    )


def _read_csv(path: Path, sep: str) -> pd.DataFrame:
    try:
        # Blank lines are kept (as blank rows) so row numbers match file lines and
        # a stray empty line is reported instead of silently skipped.
        return pd.read_csv(path, sep=sep, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        raise DataError("the file is empty (no header row)", source=path) from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as e:
        raise DataError(f"cannot parse as CSV: {_first_line(e)}", source=path) from None


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pq.read_table(path).to_pandas()
    except (pa.ArrowException, OSError) as e:
        raise DataError(f"cannot read as Parquet: {_first_line(e)}", source=path) from None


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
