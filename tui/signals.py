"""How the app ends: SIGTERM, SIGHUP and SIGINT quit it as `q` does (terminal restored), a crash exits non-zero.

Unsaved work (the exercise editor's edits, an answer typed in the last half second) is written
first, at once, in the handler: after a hang-up nothing else may get the chance.

A shell reports a process ended by signal N as 128 + N (143 for TERM, 129 for HUP), so the app
returns that code after restoring the terminal. If the normal shutdown does not finish within
GRACE seconds (a computation that will not stop, a terminal that is gone after an SSH
disconnect), or a second signal comes, the terminal is restored by hand and the process ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

SIGNALS = tuple(s for s in (getattr(signal, name, None) for name in ("SIGTERM", "SIGHUP", "SIGINT")) if s is not None)
GRACE = 5.0
# What Textual's driver switches on, switched off: mouse reports, bracketed paste, focus events,
# the kitty keyboard protocol; then leave the alternate screen and show the cursor.
RESTORE = "\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?2004l\x1b[?1004l\x1b[<u\x1b[?1049l\x1b[?25h"
CRASH_NOTE = (
    "optcourse-tui stopped because of an unexpected error (shown above). Your progress, answers and "
    "runs saved so far are kept. Please report the error with the lines above."
)


def _terminal_attributes() -> list | None:
    """The terminal's settings, to put back by hand after a hang-up; None without termios (Windows) or a terminal."""
    try:
        import termios
    except ImportError:
        return None
    stdin = sys.stdin
    try:
        return termios.tcgetattr(stdin.fileno()) if stdin is not None and stdin.isatty() else None
    except (termios.error, OSError, ValueError):  # not a terminal after all, or a closed stdin
        return None


class Ending:
    """Installs the handlers for one run of an app and remembers which signal, if any, ended it."""

    def __init__(self, app) -> None:
        self.app = app
        self.signum: int | None = None
        self._previous: dict[int, Callable[[int, FrameType | None], Any] | int | None] = {}
        self._tty_attrs = _terminal_attributes()

    def __enter__(self) -> Ending:
        if threading.current_thread() is threading.main_thread():  # signal handlers live in the main thread
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    @property
    def code(self) -> int:
        return 128 + self.signum if self.signum is not None else 0

    def _handle(self, signum: int, frame) -> None:
        if self.signum is not None:  # a second signal: the learner (or the system) insists
            self.force()
        self.signum = signum
        keep = getattr(self.app, "keep_unsaved", None)
        if keep is not None:  # before anything that may hang (a terminal gone after a hang-up)
            with contextlib.suppress(Exception):  # never in the way of ending; each write is atomic
                keep()
        loop = getattr(self.app, "_loop", None)
        if loop is None or loop.is_closed():
            raise SystemExit(self.code)  # the app is not (or no longer) running: nothing to restore
        # call_soon_threadsafe wakes the event loop safely from a signal handler.
        loop.call_soon_threadsafe(self.app.exit, None, self.code)
        watchdog = threading.Timer(GRACE, self.force)
        watchdog.daemon = True
        watchdog.start()

    def force(self) -> None:
        """Restore the terminal without the app's help and end the process at once."""
        with contextlib.suppress(Exception):  # never block here: after a hang-up nobody reads the terminal
            fd = sys.__stdout__.fileno()  # type: ignore[union-attr]  # None: raises, and is suppressed
            os.set_blocking(fd, False)
            os.write(fd, RESTORE.encode())
        if self._tty_attrs is not None:
            with contextlib.suppress(Exception):
                import termios

                termios.tcsetattr(sys.stdin.fileno(), termios.TCSANOW, self._tty_attrs)
        os._exit(self.code or 1)


def run_app(app) -> int:
    """Run a Textual app and return the exit code a shell expects: 0, 128 + signal, or non-zero on a crash."""
    with Ending(app) as ending:
        app.run()
    if ending.signum is not None:
        return ending.code
    code = app.return_code or 0
    if code:
        print(CRASH_NOTE, file=sys.stderr)
    return code
