"""Escape in the real app stops a learner's endless loop at once: its engine process is discarded, the
reference engine is untouched, and the screen stays usable."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

from engine.proctree import alive
from tui.app import OptCourseApp
from tui.config import AppConfig

LOOPING = textwrap.dedent("""
    def momentum_update(loss, params, grad_vel, lr=1e-3, beta=0.8):
        while True:
            pass
""")


def cpu_seconds(pid: int) -> float:
    """The processor time a process has used (user and system), from /proc; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def test_escape_stops_a_learners_endless_loop_and_the_screen_stays_usable(tmp_path):
    learner = tmp_path / "exercises.py"
    learner.write_text(LOOPING)
    app = OptCourseApp(AppConfig(device="cpu", section="conditioning", warm_up=True, threads=1))
    executor = app.runner.executor
    async with app.run_test(size=(100, 30)) as pilot:
        deadline = time.monotonic() + 120
        while app.runner.device_label is None and time.monotonic() < deadline:
            await pilot.pause(0.05)
        reference = executor.pid
        app.course.learner_functions = lambda section, ids: {"momentum_update": str(learner)}
        await pilot.press("right_square_bracket")  # the demo runs with the learner's looping momentum
        screen = app.screen
        while not executor.busy() and time.monotonic() < deadline:
            await pilot.pause(0.02)
        [learner_engine] = [e for e in executor.host.engines if e.runs]
        while learner_engine.pid is None and time.monotonic() < deadline:
            await pilot.pause(0.02)
        # Inside the loop: the engine, a fork of the warm template with nothing else to do, has computed a while.
        while cpu_seconds(learner_engine.pid) < 0.3 and time.monotonic() < deadline:
            await pilot.pause(0.02)
        assert cpu_seconds(learner_engine.pid) >= 0.3
        await pilot.press("escape")
        while alive(learner_engine.pid) and time.monotonic() < deadline:
            await pilot.pause(0.01)
        assert not alive(learner_engine.pid) and learner_engine not in executor.host.engines
        # Discarded by the cancel itself, not killed by the watch after the grace time (which a reference engine's
        # cancelled run is given to let go, and which would have timed the forced stop).
        assert learner_engine.dead and executor.last_forced_stop is None
        assert executor.restarts == 0 and executor.pid == reference  # the reference engine never knew
        assert app.screen is screen and not screen.running  # still on the demo, nothing running
        app.course.learner_functions = lambda section, ids: {}
        screen.rerun()  # the next run uses the reference engine
        while screen.shown is None and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert screen.shown == (300, 0.1, 0.9)
        app.runner.shutdown()
