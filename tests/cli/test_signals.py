"""A command wrapped with exit_cleanly_on_signals, sent real signals in its own process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

COMMAND = textwrap.dedent(
    """
    import os, signal, sys, time
    import click
    from lenskit.cli._signals import exit_cleanly_on_signals

    @click.command()
    @click.argument("how")
    @exit_cleanly_on_signals(lambda how: f"cleaned up after {how}")
    def main(how):
        sig = signal.SIGINT if how == "sigint" else signal.SIGTERM
        try:
            try:
                os.kill(os.getpid(), sig)
                time.sleep(30)
            finally:
                print("finally ran", flush=True)
        except KeyboardInterrupt:
            if how == "swapped":
                # As Ray's waits do: a plain KeyboardInterrupt replaces ours.
                raise KeyboardInterrupt from None
            raise

    main()
    """
)


@pytest.mark.parametrize(
    ("how", "status", "name"),
    [("sigterm", 143, "SIGTERM"), ("sigint", 130, "SIGINT"), ("swapped", 143, "SIGTERM")],
)
def test_a_signal_runs_clean_up_then_one_line_and_its_status(
    how: str, status: int, name: str
) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", COMMAND, how],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == status, proc.stderr
    assert proc.stdout == "finally ran\n"
    assert proc.stderr == f"Error: interrupted by {name}; cleaned up after {how}\n"


def test_the_handler_is_put_back_afterwards() -> None:
    code = textwrap.dedent(
        """
        import signal
        import click
        from lenskit.cli._signals import exit_cleanly_on_signals

        @click.command()
        @exit_cleanly_on_signals(lambda: "")
        def main():
            print(signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL)

        main(standalone_mode=False)
        print(signal.getsignal(signal.SIGTERM) is signal.SIG_DFL)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert proc.stdout.split() == ["True", "True"], proc.stderr
