"""OptimizerCurves while a run streams: what a key (v, s) builds, and what the streamed data rebuilds after it."""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from types import SimpleNamespace

from textual.app import App, ComposeResult

from tui.charts import reveal_chart
from tui.widgets import optimizer_curves
from tui.widgets.optimizer_curves import GROW_EVERY, OptimizerCurves

from .snap import wait_for

NAMES = ("SGD", "Momentum", "RMSprop")
COLORS = {"SGD": (100, 180, 255), "Momentum": (255, 85, 70), "RMSprop": (235, 90, 235)}


class Clock:
    """time.monotonic for the curves and their charts, moved by the test (perf_counter stays real)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def install(self, monkeypatch) -> None:
        fake = SimpleNamespace(monotonic=lambda: self.now, perf_counter=time.perf_counter)
        monkeypatch.setattr(optimizer_curves, "time", fake)
        monkeypatch.setattr(reveal_chart, "time", fake)


class CurvesApp(App):
    def compose(self) -> ComposeResult:
        yield OptimizerCurves(NAMES, COLORS, 400)


def losses(start: int, stop: int) -> list[float]:
    return [2.0 / (1 + i / 40) for i in range(start, stop)]


def stream(curves: OptimizerCurves, start: int, stop: int) -> None:
    for name in NAMES:
        curves.add(name, start, losses(start, stop))


@asynccontextmanager
async def playing(monkeypatch, upto: int = 100):
    """A CurvesApp whose playhead moves through the first `upto` iterations of a run that trains, its pictures
    built, on a test clock: yields (pilot, curves, clock)."""
    clock = Clock()
    clock.install(monkeypatch)
    app = CurvesApp()
    async with app.run_test(size=(100, 30)) as pilot:
        curves = app.query_one(OptimizerCurves)
        stream(curves, 0, upto + 1)
        curves.show_upto(upto - 10, moving=False)
        curves.show_upto(upto - 5, moving=True)
        assert await wait_for(pilot, lambda: all(chart.builds for chart in curves._visible()))
        curves.show_upto(upto, moving=True)
        clock.now += 1.0
        await pilot.pause()
        yield pilot, curves, clock


async def test_a_chart_a_key_built_is_not_rebuilt_for_the_data_that_follows_within_its_interval(monkeypatch):
    """`v` sets the interval for streamed rebuilds at the key, but the shown view's charts are built in the
    key's frame, often later than that (tens of ms at 200x60): the next data rebuilt them again at once."""
    async with playing(monkeypatch) as (pilot, curves, clock):
        overlay = curves._charts()[-1]
        stream(curves, 101, 121)  # the overlay, hidden, only notes it
        curves.view = "overlay"  # the key
        clock.now += 2 * GROW_EVERY  # a slow frame: its render is past the key's interval
        assert await wait_for(pilot, lambda: overlay.builds > 0)
        built = overlay.builds
        assert overlay.built_at == clock.now and built > 0
        clock.now += GROW_EVERY / 2
        stream(curves, 121, 141)
        curves.show_upto(140, moving=True)  # data right after the key's frame: the overlay lacks it
        await pilot.pause()
        assert overlay.builds == built
        clock.now += GROW_EVERY
        curves.show_upto(140, moving=True)  # its interval over: the cut catches up with the data
        await pilot.pause()
        assert overlay.builds == built + 1


async def test_a_key_repaints_the_charts_it_changes_not_the_blank_widget_under_them(monkeypatch):
    """The widget's own picture is blank: repainting it for v, s or y marked its whole area for the next frame,
    cells the charts' own partial repaints (s: only the cells that change) leave alone."""
    async with playing(monkeypatch) as (pilot, curves, _clock):
        repaints: list = []
        real = curves.refresh
        monkeypatch.setattr(curves, "refresh", lambda *regions, **kw: repaints.append(regions) or real(*regions, **kw))
        curves.smoothed = False
        curves.log_y = True
        curves.view = "overlay"
        await pilot.pause()
        assert repaints == []
        assert curves._charts()[-1].display and curves._visible() == curves._charts()[-1:]
