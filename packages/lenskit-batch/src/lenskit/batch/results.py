"""`BatchResults`: the outcome of a batch run, held as one Arrow table.

Arrow keeps millions of rows compact, converts to pandas without copying
ids one by one, and writes Parquet directly.  Columns are ``user_id,
item_id, rank, score`` for recommendations and ``user_id, item_id, score``
for predictions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from lenskit.batch.scoring import PREDICT_COLUMNS, RECOMMEND_COLUMNS, empty_table
from lenskit.batch.writer import ResultWriter


class BatchResults:
    """Recommendations or predictions for many users.

    Attributes:
        n_users: users asked for (including unknown ones).
        n_unknown: users not in the model's training data, who got no rows.
    """

    def __init__(self, table: pa.Table, *, n_users: int, n_unknown: int = 0) -> None:
        names = tuple(table.column_names)
        if names not in (RECOMMEND_COLUMNS, PREDICT_COLUMNS):
            raise ValueError(
                f"batch results need columns {RECOMMEND_COLUMNS} or {PREDICT_COLUMNS}, got {names}"
            )
        self._table = table
        self.n_users = n_users
        self.n_unknown = n_unknown

    @classmethod
    def concat(cls, parts: Sequence[BatchResults], *, ranked: bool) -> BatchResults:
        """One result from consecutive chunks, keeping their order."""
        tables = [p.to_arrow() for p in parts if p.to_arrow().num_rows]
        if tables:
            table = pa.concat_tables(tables, promote_options="permissive").combine_chunks()
        else:
            table = empty_table(ranked)
        return cls(
            table,
            n_users=sum(p.n_users for p in parts),
            n_unknown=sum(p.n_unknown for p in parts),
        )

    @property
    def ranked(self) -> bool:
        """Whether these are recommendations (with a ``rank`` column)."""
        return "rank" in self._table.column_names

    def __len__(self) -> int:
        return self._table.num_rows

    def to_arrow(self) -> pa.Table:
        """The results as an Arrow table (no copy)."""
        return self._table

    def to_pandas(self) -> pd.DataFrame:
        """The results as a pandas frame, one row per (user, item)."""
        return self._table.to_pandas()

    def write(self, path: str | Path) -> None:
        """Write to *path*: Parquet for ``.parquet``, CSV for ``.csv``.

        Raises:
            ValueError: the extension is neither (the message says which are allowed).
            OutputError: the file cannot be written; an earlier file is left as it was.
        """
        with ResultWriter(path, ranked=self.ranked) as out:
            out.write(self._table)

    def __repr__(self) -> str:
        kind = "recommendations" if self.ranked else "predictions"
        return f"<BatchResults: {len(self):,} {kind} for {self.n_users:,} users>"
