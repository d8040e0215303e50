"""Section 7: the playback keys (space , . + - Home End), the log axis (y), the highest lr staying answerable."""

from __future__ import annotations

import math
import threading
import time

import pytest
from textual.widgets import Input, Static, TabbedContent

from engine.contracts.adaptive import LR, Losses
from engine.events import Progress
from tui.charts.chart import Chart
from tui.charts.smoothing import ema
from tui.playback import DEFAULT_SPEED
from tui.widgets.optimizer_curves import SMOOTHING, OptimizerCurves
from tui.widgets.stepper import Stepper

from .adaptive_fakes import canned_run, freeze, open_compare, use_engine
from .snap import SIZE_IDS, SIZES, make_app, settle, wait_for


@pytest.fixture
def runs(monkeypatch):
    """Canned runs instead of the engine; the job of every run started."""
    started = []

    def fake(job, env):
        started.append(job)
        return canned_run(job)

    use_engine(monkeypatch, fake)
    return started


def status(screen) -> str:
    return str(screen.query_one("#status", Static).render())


async def tick(pilot, playback, clock, seconds: float) -> None:
    """Let `seconds` pass on the playback's clock and wait until its timer has seen it (paused, it has no timer)."""
    clock.now += seconds
    if playback.playing:
        await wait_for(pilot, lambda: playback._last == clock.now)  # the timer's tick reads the clock first
    await pilot.pause()


async def test_each_playback_key(runs):
    app = make_app(section="adaptive", player_speed=DEFAULT_SPEED)
    async with app.run_test(size=(100, 30)) as pilot:
        clock = freeze(app)
        await open_compare(pilot, end=False)
        screen = app.screen
        playback, curves = screen.playback, screen.query_one(OptimizerCurves)
        assert playback.playing and playback.frame == 0 and curves.upto == 0
        assert status(screen) == "▶ iteration 0 · 100 it/s · the reference · done"
        await tick(pilot, playback, clock, 0.5)  # 100 it/s for half a second
        assert playback.frame == 50 and curves.upto == 50
        await pilot.press("space")  # pause
        await tick(pilot, playback, clock, 1.0)
        assert not playback.playing and playback.frame == 50 and status(screen).startswith("‖ iteration 50")
        await pilot.press("full_stop")
        assert playback.frame == 51
        await pilot.press("comma", "comma")
        await pilot.pause()
        assert playback.frame == 49 and curves.upto == 49
        # the summary gives each optimizer's smoothed loss at the iteration shown
        summary = str(screen.query_one("#summary", Static).render())
        expected = ema(curves.losses["Momentum"], SMOOTHING)[49]
        assert summary.startswith("EMA loss at 49") and f"Momentum {expected:.3f}" in summary
        await pilot.press("plus")
        assert "· 200 it/s ·" in status(screen)
        await pilot.press("minus", "minus")
        await pilot.pause()
        assert "· 50 it/s ·" in status(screen)
        await pilot.press("end")
        await pilot.pause()
        assert playback.frame == 274 and curves.upto == 274 and status(screen).startswith("■ iteration 274")
        await pilot.press("home")
        await pilot.pause()
        assert playback.frame == 0 and not playback.playing
        await pilot.press("end", "space")  # play again from the end: from iteration 0
        await pilot.pause()
        assert playback.playing and playback.frame == 0
        # none of these keys reached the focused stepper or started a run
        assert screen.query_one("#batch", Stepper).has_focus and screen.query_one("#batch", Stepper).value == 135
        assert len(runs) == 1


async def test_a_control_change_restarts_from_iteration_0_and_typing_keeps_its_keys(runs):
    app = make_app(section="adaptive", player_speed=DEFAULT_SPEED)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_compare(pilot)  # ends with End: the final picture
        screen = app.screen
        assert screen.playback.frame == 274
        await pilot.press("tab", "enter", *"0.01", "enter")  # '.' goes into the entry box, not to the player
        await settle(pilot)
        assert runs[-1].lr == pytest.approx(0.01) and len(runs) == 2
        assert screen.playback.frame == 0 and screen.playback.playing
        assert screen.query_one(OptimizerCurves).upto == 0


async def test_y_draws_the_loss_on_a_log_axis(runs):
    app = make_app(section="adaptive", player_speed=DEFAULT_SPEED)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_compare(pilot)
        curves = app.screen.query_one(OptimizerCurves)
        await pilot.press("y")
        await settle(pilot)
        assert curves.log_y and all(c.log_y for c in curves.query(Chart))
        plot = curves.query_one("#panel-2", Chart).last_plot
        assert plot.log_y and max(plot.series[-1].ys) <= math.log10(2.5)
        await pilot.press("y")
        await pilot.pause()
        assert not curves.log_y


async def test_the_highest_lr_streams_huge_losses_and_escape_and_q_still_answer(monkeypatch, pixels):
    """Issue 14: at lr 1 the losses reach 1e5 .. 1e30 and NaN; every chart stays cheap and the keys work."""
    release = threading.Event()
    huge = [2.3, 1e5, 3e9, 1e15, 1e30, math.nan, math.inf]

    def exploding(job, env):
        deadline = time.monotonic() + 300  # only if the test's own release never comes: the test sets it when done
        for i in range(10**6):
            for name in ("SGD", "Momentum", "RMSprop"):
                yield Losses(name, i, (huge[(i + len(name)) % len(huge)],))
            yield Progress(i + 1, job.max_steps, "iterations")
            if release.wait(0.002) or time.monotonic() > deadline:
                return

    use_engine(monkeypatch, exploding)
    try:
        await _escape_and_q_at_the_highest_lr(release)
    finally:
        release.set()  # a failed assertion must not leave the stand-in engine streaming


async def _escape_and_q_at_the_highest_lr(release: threading.Event) -> None:
    app = make_app(section="adaptive", player_speed=DEFAULT_SPEED)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.press("right_square_bracket")
        compare = screen.query_one("#tabs", TabbedContent).get_pane("compare")
        # The tab's own focus lands first (once it is built and shown: on a loaded machine after a few frames), or
        # it would take the keys back from the lr stepper focused here (not by tab, for the same reason).
        assert await wait_for(pilot, lambda: app.focused is not None and compare in app.focused.ancestors)
        lr = screen.query_one("#lr", Stepper)
        lr.focus()
        assert await wait_for(pilot, lambda: app.focused is lr)
        await pilot.press("enter")
        # Its entry box takes the focus a moment later (a 1 typed before it would reach the stepper: a loaded machine
        # left the lr at 0.002), then the lr at its maximum.
        assert await wait_for(pilot, lambda: isinstance(app.focused, Input) and lr in app.focused.ancestors)
        await pilot.press("1", "enter")
        # The entry box's Submitted reaches the stepper a moment after the keys (and the tab's first run may still
        # be running): wait for the value itself (a loaded machine looked before it came and saw 0.002).
        assert await wait_for(pilot, lambda: lr.value == LR.maximum and screen.running)
        await pilot.press("end", "v", "v")  # the newest picture, overlay and back: charts drawn with huge data
        panel = screen.query_one("#panel-0", Chart)
        drawn = lambda: panel.builds > 0 and panel.last_plot is not None and panel.last_plot.notes.above == 2.5
        assert await wait_for(pilot, drawn)
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.running and "stopped at" in status(screen)
        release.set()
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


# -- snapshots ------------------------------------------------------------------------------------
async def paused_mid_run(pilot) -> None:
    await open_compare(pilot)
    pilot.app.screen.playback.seek(119)
    await pilot.press("full_stop")  # a step pauses at iteration 120
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_paused_mid_run_snapshot(snap_compare, monkeypatch, size):
    """Paused at iteration 120 of 275: each panel's curves end there with a dot, the x axis still runs
    to 275; the status reads '‖ iteration 120 · 100 it/s · the reference · done' and the
    summary gives the smoothed losses at 120; the key hint fits the width."""
    use_engine(monkeypatch, lambda job, env: canned_run(job))
    assert snap_compare(
        make_app(section="adaptive", player_speed=DEFAULT_SPEED), terminal_size=size, run_before=paused_mid_run
    )


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_log_axis_snapshot(snap_compare, size, monkeypatch):
    """After y: the three panels on a log axis (ticks 0.1 .. 2 in 1-2-5 steps), the final picture."""
    use_engine(monkeypatch, lambda job, env: canned_run(job))

    async def run_before(pilot) -> None:
        await open_compare(pilot)
        await pilot.press("y")
        await settle(pilot)

    assert snap_compare(
        make_app(section="adaptive", player_speed=DEFAULT_SPEED), terminal_size=size, run_before=run_before
    )


async def test_a_moving_playhead_cuts_cached_pictures_and_a_stopped_one_draws_the_dots(runs):
    """Issue 23: each frame rebuilt the three panels with plotext (Section 7 played at 67% of a core);
    while the playhead moves a frame is a cut of two pictures built once, and where it stops the
    exact picture comes back, with the dot at each curve's end."""
    app = make_app(section="adaptive", player_speed=DEFAULT_SPEED)
    async with app.run_test(size=(100, 30)) as pilot:
        clock = freeze(app)
        await open_compare(pilot, end=False)
        screen = app.screen
        playback, curves = screen.playback, screen.query_one(OptimizerCurves)
        panel = screen.query_one("#panel-0", Chart)
        await tick(pilot, playback, clock, 0.2)
        await settle(pilot)
        builds = panel.builds
        for _ in range(10):  # ten frames, 10 iterations apart
            await tick(pilot, playback, clock, 0.1)
        await settle(pilot)
        assert playback.playing and curves.moving and playback.frame >= 100
        assert panel.builds == builds  # no plotext build while it moves: columns of the cached pictures
        await pilot.press("space")  # pause: the exact picture at the frame, with the dot where the curve ends
        await settle(pilot)
        assert not curves.moving and panel.builds > builds
        assert panel.last_plot is not None and any(s.kind == "scatter" for s in panel.last_plot.series)
