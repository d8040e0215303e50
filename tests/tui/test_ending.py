"""The real app in a pseudo-terminal: TERM and HUP restore the terminal and exit 143/129; a crash exits non-zero."""

from __future__ import annotations

import os
import signal
import sys
import textwrap

import pytest

from .terminal import Terminal

ENTER_ALT, LEAVE_ALT, SHOW_CURSOR = b"\x1b[?1049h", b"\x1b[?1049l", b"\x1b[?25h"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and pseudo-terminals")

CRASHING = textwrap.dedent(
    """
    import sys
    import tui.app

    class Crashing(tui.app.OptCourseApp):
        def on_mount(self):
            raise RuntimeError("boom in on_mount")

    tui.app.OptCourseApp = Crashing
    from tui.cli import main
    sys.exit(main(["--device", "cpu"]))
    """
)


STUCK = textwrap.dedent(
    """
    import sys, threading, time
    import tui.signals
    from textual.app import App
    from textual.widgets import Static

    tui.signals.GRACE = 1.0

    class Stuck(App):
        def compose(self):
            yield Static("Pick a section")

        def on_mount(self):
            # A computation that never stops: the interpreter would wait for it forever at exit.
            threading.Thread(target=lambda: time.sleep(600), daemon=False).start()

    sys.exit(tui.signals.run_app(Stuck()))
    """
)


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["TERM", "HUP"])
def test_a_signal_restores_the_terminal_and_exits_as_a_shell_reports(tmp_path, sig, code):
    term = Terminal([sys.executable, "-m", "tui", "--device", "cpu"], tmp_path)
    try:
        assert term.read_until(ENTER_ALT, 60), term.out[-500:]
        assert term.read_until(b"Pick a section", 60), term.out[-500:]  # the home screen is drawn
        os.kill(term.proc.pid, sig)
        rc = term.finish()
    finally:
        term.kill()
    assert rc == code, term.out[-800:]
    after = term.out[term.out.rindex(ENTER_ALT) :]
    assert LEAVE_ALT in after and SHOW_CURSOR in after[after.index(LEAVE_ALT) :]  # alternate screen left
    assert b"Traceback" not in term.out


def test_a_crash_exits_non_zero_with_the_message(tmp_path):
    term = Terminal([sys.executable, "-c", CRASHING], tmp_path)
    try:
        rc = term.finish(60)
    finally:
        term.kill()
    text = term.out.decode("utf-8", "replace")
    assert rc == 1, text[-800:]
    assert "boom in on_mount" in text and "unexpected error" in text
    assert LEAVE_ALT in term.out[term.out.rindex(ENTER_ALT) :]


def test_a_computation_that_will_not_stop_does_not_keep_the_process_alive(tmp_path):
    term = Terminal([sys.executable, "-c", STUCK], tmp_path)
    try:
        assert term.read_until(b"Pick a section", 60), term.out[-500:]
        os.kill(term.proc.pid, signal.SIGTERM)
        rc = term.finish(60)  # ended by the signal, not after its stuck thread's 600 s (finish fails past 60 s)
    finally:
        term.kill()
    assert rc == 143
    assert LEAVE_ALT in term.out[term.out.rindex(ENTER_ALT) :]
