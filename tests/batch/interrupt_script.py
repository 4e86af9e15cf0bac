"""A long batch run for the Ctrl-C tests: ``python interrupt_script.py RUNNER MARKER``.

Scores a million users with a model that sleeps in every chunk (releasing
the GIL, as Rust scoring does), writes MARKER once scoring has started, and
on KeyboardInterrupt reports the threads still alive and how long stopping
took, then exits with status 130 like a shell-interrupted program.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from lenskit.batch import recommend
from lenskit.data import ItemList


class SleepyScorer:
    """Takes half a second per chunk and recommends nothing."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def recommend_batch(
        self, users: Sequence[object], n: int = 10, *, parallel: bool = True
    ) -> list[ItemList]:
        if not self.marker.exists():
            self.marker.write_text(str(os.getpid()))
        time.sleep(0.5)
        return [ItemList.empty(ranked=True) for _ in users]


RUNNERS: dict[str, dict[str, object]] = {
    "sequential": {"n_jobs": 1},
    "threads": {"n_jobs": 2},
    "ray": {"n_jobs": 2, "use_ray": True},
}

interrupted_at: list[float] = []


def on_sigint(signum: int, frame: FrameType | None) -> None:
    interrupted_at.append(time.monotonic())
    raise KeyboardInterrupt


def main() -> int:
    runner, marker = sys.argv[1], Path(sys.argv[2])
    signal.signal(signal.SIGINT, on_sigint)
    try:
        recommend(SleepyScorer(marker), range(1_000_000), 5, chunk_size=10, **RUNNERS[runner])  # type: ignore[arg-type]
    except KeyboardInterrupt:
        stopped = time.monotonic() - interrupted_at[0]
        extra = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
        print(f"interrupted after {stopped:.2f} s; other threads: {extra}", flush=True)
        return 130
    print("finished without interruption", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
