"""A small progress bar for batch runs: users done, rate and time left.

Written to stderr so it never mixes with results on stdout.  On a terminal
it redraws one line; elsewhere (a log file, ``progress=True`` under a test)
it prints a plain line now and then, so logs stay readable.  No dependency:
lenskit-batch must stay light enough to install on a Ray worker.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


def wants_progress(progress: bool | None, stream: TextIO | None = None) -> bool:
    """Whether to show progress: as asked, or by default when stderr is a terminal."""
    if progress is not None:
        return progress
    stream = stream or sys.stderr
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """Counts users done and reports them (silently when disabled)."""

    def __init__(
        self,
        label: str,
        total: int | None,
        *,
        enabled: bool,
        stream: TextIO | None = None,
        started: float | None = None,
    ) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.enabled = enabled
        self._stream = stream or sys.stderr
        self._live = wants_progress(None, self._stream)
        self._start = time.perf_counter() if started is None else started
        self._last_draw = float("-inf")
        # Terminals redraw often; logs get a line every few seconds at most.
        self._interval = 0.2 if self._live else 5.0

    def advance(self, users: int) -> None:
        """Record *users* more users done, and redraw if it is time to."""
        self.done += users
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self._last_draw >= self._interval:
            self._draw(now)

    def close(self) -> None:
        """Draw the final state and end the line."""
        if not self.enabled:
            return
        self._draw(time.perf_counter(), final=True)

    def line(self, now: float | None = None) -> str:
        """The current state as text: ``label  done/total users  rate  ETA``."""
        now = time.perf_counter() if now is None else now
        elapsed = max(now - self._start, 1e-9)
        rate = self.done / elapsed
        if self.total:
            pct = 100.0 * self.done / self.total
            text = f"{self.label}  {self.done:,}/{self.total:,} users ({pct:3.0f}%)"
        else:
            text = f"{self.label}  {self.done:,} users"
        text += f"  {rate:,.0f} users/s"
        if self.total and self.done < self.total and rate > 0:
            text += f"  ETA {_clock(int((self.total - self.done) / rate))}"
        else:
            text += f"  {_clock(int(elapsed))} elapsed"
        return text

    def _draw(self, now: float, *, final: bool = False) -> None:
        self._last_draw = now
        if self._live:
            end = "\n" if final else ""
            self._stream.write(f"\r\x1b[2K{self.line(now)}{end}")
        else:
            self._stream.write(self.line(now) + "\n")
        self._stream.flush()


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"
