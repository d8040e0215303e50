"""The real app in a pseudo-terminal, killed while the editor holds unsaved edits: the next start offers them.

The issue's measure: Section 3, Exercise tab, e, type a line, then `kill -HUP` (a closed terminal or
a dropped SSH connection), `kill -TERM`, `kill -INT` or `kill -9`: the typed text was nowhere on disk.
"""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import time

import pytest

from engine.exercises import recovery, workspace

from .terminal import Terminal

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and pseudo-terminals")

# The app as `optcourse-tui --section 3` runs it (tui.signals.run_app), without the engine's warm-up.
APP = textwrap.dedent(
    """
    import sys
    from tui.app import OptCourseApp
    from tui.config import AppConfig
    from tui.signals import run_app

    config = AppConfig(device="cpu", device_label="cpu", section="search", warm_up=False, engine="thread")
    sys.exit(run_app(OptCourseApp(config)))
    """
)


def start(tmp_path) -> Terminal:
    term = Terminal([sys.executable, "-c", APP], tmp_path, env={"VISUAL": "", "EDITOR": ""})
    assert term.read_until(b"High-dimensional search", 60), term.out[-500:]
    # ctrl+PageUp twice: Lesson -> Questions -> Exercise (the Compare demo is not started; on Questions an
    # answer box has the keys, where [ would be text).
    term.send(b"\x1b[5;5~")
    assert term.read_until(b"Your answer", 30), term.out[-500:]
    term.send(b"\x1b[5;5~")
    assert term.read_until(b"Your file:", 30), term.out[-500:]
    return term


def kept(tmp_path, token: str) -> bool:
    path = tmp_path / "home" / "workspace" / workspace.FILE_NAME
    found = recovery.read(path, "gradient_update", home=tmp_path / "home")
    return found is not None and token in found.text


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM, signal.SIGKILL], ids=["HUP", "TERM", "KILL"])
def test_edits_typed_before_a_kill_are_kept_and_offered_at_the_next_start(tmp_path, sig):
    token = f"typed_before_{sig.name}"
    term = start(tmp_path)
    try:
        term.send(b"e")
        assert term.read_until(b"leave editor", 30), term.out[-500:]  # the key bar: the editor has the keys
        term.send(f"# {token}".encode())
        assert term.read_until(token.encode(), 30), term.out[-500:]  # on screen: typed, not saved
        if sig == signal.SIGKILL:  # nothing runs at a kill -9: what the typing pause wrote is what is left
            deadline = time.monotonic() + 30
            while not kept(tmp_path, token) and time.monotonic() < deadline:
                time.sleep(0.05)
        os.kill(term.proc.pid, sig)
        term.finish()
    finally:
        term.kill()
    assert kept(tmp_path, token)
    assert token not in (tmp_path / "home" / "workspace" / workspace.FILE_NAME).read_text()
    if sig != signal.SIGHUP:
        return  # the next start, once: what it offers does not depend on how the last one ended
    again = start(tmp_path)
    try:
        assert again.read_until(b"were recovered", 30), again.out[-800:]
        again.send(b"r")
        assert again.read_until(b"are back", 30), again.out[-800:]
        assert again.read_until(token.encode(), 30), again.out[-800:]  # the editor shows them
        # kill -INT (what `kill` sends by name, or a Ctrl+C reaching a process in the background): kept at once.
        again.send(b"\r# typed_before_SIGINT")
        assert again.read_until(b"typed_before_SIGINT", 30), again.out[-800:]
        os.kill(again.proc.pid, signal.SIGINT)
        assert again.finish() == 128 + signal.SIGINT, again.out[-800:]
    finally:
        again.kill()
    assert kept(tmp_path, "typed_before_SIGINT") and kept(tmp_path, token)
