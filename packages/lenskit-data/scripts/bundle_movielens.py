"""Convert MovieLens ml-latest-small ``ratings.csv`` to the Parquet file bundled in lenskit-data.

Usage (from the repository root)::

    uv run --no-sync python packages/lenskit-data/scripts/bundle_movielens.py \\
        /work/shared/data/ml-latest-small

The CSV is read with explicit column types, sorted by (userId, movieId) so the
file compresses well and reads back in a stable order, and written with zstd.
The data set's README.txt (its license) is copied beside it.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

DEST = Path(__file__).parents[1] / "src/lenskit/data/_bundled/ml-latest-small"

SCHEMA = pa.schema(
    [
        ("userId", pa.int32()),
        ("movieId", pa.int32()),
        ("rating", pa.float32()),
        ("timestamp", pa.int64()),
    ]
)


def convert(src_dir: Path, dest_dir: Path = DEST) -> Path:
    """Write ``ratings.parquet`` and ``README.txt`` into ``dest_dir``; return the Parquet path."""
    table = pacsv.read_csv(
        src_dir / "ratings.csv",
        convert_options=pacsv.ConvertOptions(column_types=SCHEMA, include_columns=SCHEMA.names),
    )
    if table.schema != SCHEMA:
        raise SystemExit(f"unexpected columns in ratings.csv: {table.schema}")
    for name in SCHEMA.names:
        if table.column(name).null_count:
            raise SystemExit(f"ratings.csv has blank values in column {name}")
    table = table.sort_by([("userId", "ascending"), ("movieId", "ascending")])
    dest_dir.mkdir(parents=True, exist_ok=True)
    out = dest_dir / "ratings.parquet"
    pq.write_table(table, out, compression="zstd", compression_level=19, use_dictionary=False)
    shutil.copyfile(src_dir / "README.txt", dest_dir / "README.txt")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description="Convert ml-latest-small ratings.csv to lenskit-data's bundled Parquet file."
    )
    parser.add_argument("source", type=Path, help="the ml-latest-small folder (with ratings.csv)")
    args = parser.parse_args()
    out = convert(args.source)
    print(f"wrote {out} ({out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
