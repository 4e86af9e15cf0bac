"""A writer that pauses mid-file, for the output-safety tests.

``python writer_script.py TARGET GATE LABEL CHUNKS`` writes CHUNKS chunks of
`ROWS` rows (every ``user_id`` is LABEL) to TARGET with `ResultWriter`.
After the first chunk it creates ``GATE/LABEL.started`` (holding its process
id) and waits until ``GATE/LABEL.go`` exists before writing the rest, so a
test can line up several writers, or kill one, at a known point mid-file.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from lenskit.batch import ResultWriter

ROWS = 5_000
"""Rows per chunk: several pages of Parquet, so an interleaved file would show."""


def chunk(label: int, part: int) -> pa.Table:
    """Rows for user *label*; item ids continue across chunks so order can be checked."""
    items = np.arange(part * ROWS, (part + 1) * ROWS, dtype=np.int64)
    return pa.table(
        {
            "user_id": np.full(ROWS, label, dtype=np.int64),
            "item_id": items,
            "rank": np.arange(1, ROWS + 1, dtype=np.int32),
            "score": items.astype(np.float64),
        }
    )


def main() -> int:
    target, gate, label, chunks = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
    with ResultWriter(target) as out:
        out.write(chunk(int(label), 0))
        (gate / f"{label}.started").write_text(str(os.getpid()))
        go = gate / f"{label}.go"
        deadline = time.monotonic() + 120
        while not go.exists():
            if time.monotonic() > deadline:
                return 3
            time.sleep(0.02)
        for part in range(1, int(chunks)):
            out.write(chunk(int(label), part))
    print(f"wrote {out.rows} rows", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
