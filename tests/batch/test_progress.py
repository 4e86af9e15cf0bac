"""The progress bar: shown on a terminal or when asked, with users done, rate and ETA."""

from __future__ import annotations

import io
import os

import pytest

from lenskit.batch.progress import Progress, wants_progress


def read_all(leader: int) -> str:
    """Everything written to a pty whose other end is closed (reads until EIO)."""
    chunks = []
    try:
        while chunk := os.read(leader, 4096):
            chunks.append(chunk)
    except OSError:
        pass
    finally:
        os.close(leader)
    return b"".join(chunks).decode()


def test_progress_defaults_to_on_for_a_terminal() -> None:
    leader, follower = os.openpty()
    with os.fdopen(follower, "w") as tty:
        assert wants_progress(None, tty)
    os.close(leader)


def test_progress_defaults_to_off_for_a_pipe_or_file() -> None:
    assert not wants_progress(None, io.StringIO())


@pytest.mark.parametrize("asked", [True, False])
def test_explicit_choice_wins(asked: bool) -> None:
    assert wants_progress(asked, io.StringIO()) is asked


def test_line_shows_done_total_rate_and_time_left() -> None:
    bar = Progress("recommend", 1000, enabled=True, stream=io.StringIO(), started=0.0)
    bar.done = 250
    assert bar.line(now=10.0) == "recommend  250/1,000 users ( 25%)  25 users/s  ETA 0:00:30"


def test_line_without_a_total_shows_elapsed_time() -> None:
    bar = Progress("predict", None, enabled=True, stream=io.StringIO(), started=0.0)
    bar.done = 3000
    assert bar.line(now=125.0) == "predict  3,000 users  24 users/s  0:02:05 elapsed"


def test_disabled_progress_writes_nothing() -> None:
    out = io.StringIO()
    bar = Progress("recommend", 10, enabled=False, stream=out)
    bar.advance(10)
    bar.close()
    assert out.getvalue() == ""


def test_log_output_is_one_plain_line_per_report() -> None:
    out = io.StringIO()
    bar = Progress("recommend", 10, enabled=True, stream=out)
    bar.advance(4)
    bar.advance(6)
    bar.close()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("recommend  4/10 users")
    assert lines[-1].startswith("recommend  10/10 users (100%)")
    assert "\r" not in out.getvalue()


def test_terminal_output_redraws_one_line() -> None:
    leader, follower = os.openpty()
    with os.fdopen(follower, "w") as tty:
        bar = Progress("recommend", 10, enabled=True, stream=tty)
        bar.advance(10)
        bar.close()
    written = read_all(leader)
    assert written.startswith("\r")
    assert written.count("\n") == 1
