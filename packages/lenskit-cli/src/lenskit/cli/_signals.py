"""SIGTERM ends a command as Ctrl-C does: cleanly, with one line and status 128 + signal.

``kill``, ``timeout`` and job schedulers send SIGTERM, whose default action
ends the process on the spot: no ``finally`` block runs, so worker threads,
a Ray cluster and a half-written temporary file would be left behind.
Inside a command wrapped with `exit_cleanly_on_signals`, SIGTERM raises
`Terminated`, a `KeyboardInterrupt`, so every clean-up that serves Ctrl-C
serves it too; the command then prints one line and exits with 130 (SIGINT)
or 143 (SIGTERM), the status a shell gives a process that signal ended.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import ParamSpec

import click

P = ParamSpec("P")


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived; a `KeyboardInterrupt` so that Ctrl-C's clean-up runs for it too."""


class _Arrived:
    """Notes that SIGTERM arrived, as code it passes through may swap `Terminated`
    for a plain `KeyboardInterrupt` (Ray's waits do)."""

    sigterm = False


def exit_cleanly_on_signals(
    note: Callable[..., str],
) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """Wrap a click command: on SIGINT or SIGTERM, one line and exit 128 + signal.

    *note* gets the command's keyword arguments and says what became of the
    command's output, e.g. that an earlier file was left as it was.
    """

    def wrap(command: Callable[P, None]) -> Callable[P, None]:
        @functools.wraps(command)
        def run(*args: P.args, **kwargs: P.kwargs) -> None:
            arrived = _Arrived()
            try:
                with _sigterm_raises(arrived):
                    command(*args, **kwargs)
            except KeyboardInterrupt:
                signum = signal.SIGTERM if arrived.sigterm else signal.SIGINT
                click.echo(f"Error: interrupted by {signum.name}; {note(**kwargs)}", err=True)
                raise click.exceptions.Exit(128 + signum) from None

        return run

    return wrap


@contextlib.contextmanager
def _sigterm_raises(arrived: _Arrived) -> Iterator[None]:
    """Within the block, SIGTERM raises `Terminated` (once; a second one ends the process)."""
    if threading.current_thread() is not threading.main_thread():
        # Only the main thread may set handlers; elsewhere SIGTERM keeps its default.
        yield
        return

    def raise_terminated(signum: int, frame: FrameType | None) -> None:
        arrived.sigterm = True
        # A scheduler that loses patience sends SIGTERM again: then stop at once,
        # as the next run removes whatever temporary file that leaves.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise Terminated

    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
