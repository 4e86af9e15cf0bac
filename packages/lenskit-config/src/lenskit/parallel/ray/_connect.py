"""Calling ``ray.init`` so that failures are one line, and attaching has a deadline.

Ray connects to a cluster in C++ loops that keep the calling thread for
tens of seconds (for ever, when nothing answers), so Ctrl-C and SIGTERM are
not handled until they give up, and they print a warning line per retry.
`call_ray_init` runs ``ray.init`` on a helper thread while the calling
thread waits in short steps (so signal handlers run at once), and gives up
after a deadline; a connection that completes after the caller gave up is
closed.  Starting a local cluster (`start_ray`) stays on the calling thread.
Both hold back what Ray prints on the process's stderr meanwhile, pass it on
when Ray succeeds, and otherwise turn the failure into one line that names
the cause.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from lenskit.parallel.ray._errors import RayClusterError

ATTACH_TIMEOUT = 30.0
"""Seconds an existing cluster may take to accept us."""

_STEP = 0.1
_MAX_LOG = 1 << 20

_AUTH_MARKERS = ("InvalidAuthToken", "Unauthenticated", "AuthenticationError")
_NO_GCS = re.compile(r"Failed to connect to GCS at address (\S+) within")


def call_ray_init(ray: ModuleType, *, what: str, timeout: float, **options: Any) -> Any:
    """``ray.init(**options)`` on a helper thread, or a `RayClusterError` saying why *what* failed.

    For connecting to an existing cluster only: processes a local start
    spawns are tied to the thread that spawned them (Linux ends them when
    it exits), so `start_ray` does that on the calling thread.

    Args:
        ray: the ray module.
        what: the action, for messages (``"attach to the Ray cluster at ..."``).
        timeout: seconds to wait before giving up.
        options: arguments for ``ray.init``.

    Raises:
        RayClusterError: Ray failed or did not finish within *timeout*.
        ValueError, TypeError: Ray rejected *options*.
    """
    attempt = _Attempt(lambda: ray.init(**options), on_abandoned_success=ray.shutdown)
    with _held_stderr() as held:
        attempt.start()
        deadline = time.monotonic() + timeout
        try:
            while not attempt.done.wait(_STEP):
                if time.monotonic() > deadline:
                    cause = cause_from_log(held.text()) or "no answer"
                    raise RayClusterError(f"cannot {what}: {cause} (gave up after {timeout:.0f} s)")
        except BaseException:
            attempt.abandon()
            raise
        if attempt.error is None:
            held.release()
            return attempt.result
        log = held.text()
    raise _failure(what, attempt.error, log)


def start_ray(ray: ModuleType, *, what: str, **options: Any) -> Any:
    """``ray.init(**options)`` on this thread, or a `RayClusterError` saying why *what* failed.

    Ray's own start-up waits are bounded, and are Python loops that let
    signals through.  ``ray.init`` replaces the SIGTERM handler with one that
    calls ``sys.exit``; a handler the program installed is put back after it
    (a default one is left to Ray's, which at least unwinds), and a SIGTERM
    that Ray's handler turned into ``SystemExit`` while starting is handed to
    the program's handler.  A start that fails or is interrupted is undone.

    Raises:
        RayClusterError: Ray failed to start.
        ValueError, TypeError: Ray rejected *options*.
    """
    on_main = threading.current_thread() is threading.main_thread()
    program_handler = signal.getsignal(signal.SIGTERM) if on_main else None
    keep = program_handler if callable(program_handler) else None
    started, result, error, log = False, None, None, ""
    with _held_stderr() as held:
        try:
            result = ray.init(**options)
            started = True
        except Exception as err:
            error, log = err, held.text()
        except SystemExit as exit_:
            if keep is not None and exit_.code == signal.SIGTERM:
                keep(signal.SIGTERM, None)
            raise
        finally:
            if keep is not None:
                signal.signal(signal.SIGTERM, keep)
            if not started:
                # Whatever part of the cluster came up goes away again.
                with contextlib.suppress(Exception):
                    ray.shutdown()
        if started:
            held.release()
            return result
    raise _failure(what, error, log)


def _failure(what: str, error: BaseException | None, log: str) -> BaseException:
    """The exception to raise for *error*: Ray's own for bad arguments, else ours."""
    assert error is not None
    if isinstance(error, ValueError | TypeError):
        return error
    failure = RayClusterError(f"cannot {what}: {failure_cause(error, log)}")
    failure.__cause__ = error
    return failure


def cause_from_log(text: str) -> str | None:
    """The reason Ray's console output gives for a failed connection, if it names one."""
    if any(marker in text for marker in _AUTH_MARKERS):
        return auth_refusal()
    found = _NO_GCS.search(text)
    if found:
        return f"its GCS at {found.group(1)} does not answer"
    return None


def failure_cause(error: BaseException, log: str) -> str:
    """One line saying why ``ray.init`` raised *error*."""
    texts = []
    current: BaseException | None = error
    while current is not None:
        texts.append(str(current))
        current = current.__cause__ or current.__context__
    from_log = cause_from_log("\n".join([*texts, log]))
    if from_log is not None:
        return from_log
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[0] if lines else 'no message'}"


def auth_refusal() -> str:
    """Why a cluster with token authentication refused us, and what to set."""
    if os.environ.get("RAY_AUTH_MODE", "").lower() == "token":
        return (
            "it refused our Ray authentication token (InvalidAuthToken); give this "
            "process the cluster's token with RAY_AUTH_TOKEN or RAY_AUTH_TOKEN_PATH"
        )
    return (
        "it requires a Ray authentication token and none was sent; set RAY_AUTH_MODE=token "
        "and the cluster's token (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or ~/.ray/auth_token)"
    )


class _Attempt:
    """One call on a daemon thread, which the caller may stop waiting for."""

    def __init__(self, call: Callable[[], Any], on_abandoned_success: Callable[[], Any]) -> None:
        self.done = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None
        self._call = call
        self._undo = on_abandoned_success
        self._abandoned = False
        self._lock = threading.Lock()

    def start(self) -> None:
        threading.Thread(target=self._run, name="lenskit-ray-connect", daemon=True).start()

    def abandon(self) -> None:
        """Stop waiting; if the call already succeeded, undo it now, else when it does."""
        with self._lock:
            self._abandoned = True
            succeeded = self.done.is_set() and self.error is None
        if succeeded:
            self._undo()

    def _run(self) -> None:
        try:
            self.result = self._call()
        except BaseException as err:
            self.error = err
        with self._lock:
            self.done.set()
            undo = self._abandoned and self.error is None
        if undo:
            self._undo()


class _HeldStderr:
    """The process's stderr (file descriptor 2) diverted to a temporary file."""

    def __init__(self, file: Any) -> None:
        self._file = file
        self._release = False

    def text(self) -> str:
        """Everything written so far."""
        return os.pread(self._file.fileno(), _MAX_LOG, 0).decode(errors="replace")

    def release(self) -> None:
        """Pass what was held on to the real stderr when the diversion ends."""
        self._release = True


@contextlib.contextmanager
def _held_stderr() -> Iterator[_HeldStderr]:
    with tempfile.TemporaryFile() as file:
        held = _HeldStderr(file)
        _flush_stderr()
        try:
            saved = os.dup(2)
        except OSError:
            # No stderr to divert (a daemon with fd 2 closed): nothing to hold back.
            yield held
            return
        os.dup2(file.fileno(), 2)
        try:
            yield held
        finally:
            _flush_stderr()
            os.dup2(saved, 2)
            os.close(saved)
            if held._release:
                _write_all(2, os.pread(file.fileno(), _MAX_LOG, 0))


def _flush_stderr() -> None:
    with contextlib.suppress(Exception):
        sys.stderr.flush()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
