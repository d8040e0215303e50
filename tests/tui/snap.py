"""Helpers for Pilot and snapshot tests: a reproducible app, no cursor blink, waiting for workers."""

from __future__ import annotations

import math
import time

from textual.widgets import DataTable, Input, TextArea
from textual.worker import WorkerState

from tui.app import OptCourseApp
from tui.charts.chart import Chart
from tui.config import AppConfig
from tui.widgets.section_tabs import SectionTabs

SIZES = [(100, 30), (80, 24)]
SIZE_IDS = ["100x30", "80x24"]


def make_app(section: str | None = None, **config) -> OptCourseApp:
    """The app on CPU with a fixed device label and no background warm-up, so screens are reproducible."""
    config.setdefault("device", "cpu")
    config.setdefault("device_label", "cpu (test)")
    config.setdefault("warm_up", False)
    config.setdefault("engine", "thread")  # in-process, so settle() can wait for the runs
    # Runs show their last iteration at once: playing each one redraws the charts 30 times a second
    # for seconds, most of a test's time where it reruns a demo. Player and snapshot tests ask for
    # the learner's default (player_speed=tui.playback.DEFAULT_SPEED).
    config.setdefault("player_speed", math.inf)
    return OptCourseApp(AppConfig(section=section, **config))


def no_blink(app) -> None:
    """Cursor blink makes screenshots depend on timing. A TextArea's line cache (Textual 8.2) keys a line
    without its cursor the same whether the cursor was in its blink's off phase or blink is off: it is
    emptied, or a line drawn in the off phase would stay cursor-less."""
    for screen in app.screen_stack:
        for widget in screen.query("*"):
            if isinstance(widget, (Input, TextArea)) and widget.cursor_blink:
                widget.cursor_blink = False
                if isinstance(widget, TextArea):
                    widget._line_cache.clear()
                    widget.refresh()


async def settle(pilot, rounds: int = 3, limit: int = 50) -> None:
    """Wait until every worker has finished and the messages it posted are handled, and no tab is being built.

    A finished worker can start another (the runs table loads, then fetches curves), so this
    goes on until a round ends with no worker pending or running (at least `rounds` rounds).
    """
    for done in range(1, limit + 1):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        busy = any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in pilot.app.workers)
        busy = busy or any(tabs.building for tabs in pilot.app.screen.query(SectionTabs))  # a tab shown for once
        if done >= rounds and not busy:
            break
    # A chart coalesces redraws asked for in quick succession: wait for the last one to be drawn. A
    # DataTable sizes its columns to new rows when it is next idle: until then they are as wide as
    # their headers (a snapshot of the Runs table caught it so on a loaded machine).
    for _ in range(limit):
        charts = any(chart.redraw_pending for chart in pilot.app.screen.query(Chart))
        tables = any(t._require_update_dimensions or t._updated_cells for t in pilot.app.screen.query(DataTable))
        if not charts and not tables:
            break
        await pilot.pause(0.02)
    no_blink(pilot.app)


async def wait_for(pilot, condition, timeout: float = 20.0, step: float = 0.02) -> bool:
    """Pause until `condition()` holds (or `timeout` seconds pass): for states a loaded machine reaches late."""
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        await pilot.pause(step)
    return bool(condition())
