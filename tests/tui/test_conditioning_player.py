"""Section 4 played: the player's keys with a stepper focused, the frame drawn, a paused mid-run snapshot."""

from __future__ import annotations

import pytest

from tui.charts.reveal_chart import RevealChart
from tui.playback import DEFAULT_SPEED
from tui.screens.conditioning.screen import ConditioningScreen
from tui.screens.home import HomeScreen
from tui.widgets.heatmap import HeatMap
from tui.widgets.key_bar import KeyBar

from .conditioning_app import open_demo, status
from .snap import SIZE_IDS, SIZES, make_app, settle, wait_for


def marker(screen: ConditioningScreen, colour: str) -> tuple[float, float] | None:
    """Where the surface draws the ● of the method drawn in `colour` (None: no marker)."""
    for ov in screen.query_one("#surface", HeatMap).overlays:
        if ov.char == "●" and ov.color == colour:
            return float(ov.xs[0]), float(ov.ys[0])
    return None


async def test_each_player_key_with_a_stepper_focused():
    app = make_app(section="conditioning", player_speed=DEFAULT_SPEED)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_demo(pilot)
        p, chart = screen.playback, screen.query_one("#distance", RevealChart)
        assert screen.focused.id == "lr" and p.length == 300
        assert p.playing or p.at_end  # a run plays from iteration 0 (or has just finished, on a slow machine)
        await pilot.press("end")
        assert p.frame == 299 and not p.playing and not chart.revealing  # the final picture, as before
        assert marker(screen, "rgb(255,80,80)") is None
        await pilot.press("home")
        assert p.frame == 0 and not p.playing
        await pilot.press("full_stop", "full_stop", "full_stop", "comma")
        await pilot.pause()
        assert p.frame == 2 and not p.playing and chart.revealing
        gd, mom = screen.trajs["GD"], screen.trajs["Momentum"]
        w, _, loss = mom.points[2]
        text = status(screen)
        assert "‖ iteration 2 of 300 · 100 it/s" in text
        assert f"Δw {abs(w - mom.optimum[0]):.1e}" in text and f"loss {loss:.5g}" in text
        assert f"loss {gd.points[2][2]:.5g}" in text
        assert marker(screen, "rgb(255,80,80)") == pytest.approx(mom.points[2][:2])
        assert marker(screen, "rgb(235,235,235)") == pytest.approx(gd.points[2][:2])
        assert chart._column < chart._column_of(299, chart._pictures[3])  # the curves end at iteration 2
        await pilot.press("plus")
        assert p.speed == 200 and "200 it/s" in status(screen)
        await pilot.press("minus", "minus", "minus")
        assert p.speed == 20
        now = [0.0]
        p.clock = lambda: now[0]  # the player's time is the test's: its timer moves it by what passed, exactly
        await pilot.press("space")
        assert p.playing
        now[0] += 0.4  # 20 it/s x 0.4 s: 8 iterations on, at the timer's next tick
        assert await wait_for(pilot, lambda: p.frame == 10)
        await pilot.press("space")
        assert not p.playing and p.frame == 10
        now[0] += 1.0
        p.tick()  # as the timer would (it is paused): a paused player does not move
        assert p.frame == 10 and not p.playing
        # A stepper's own keys still work, and a change restarts the animation from iteration 0.
        for _ in range(4):
            await pilot.press("minus")  # down to 1 iteration per second
        await pilot.press("right")
        await settle(pilot)
        assert screen.shown[1] == pytest.approx(10**-0.9)
        assert p.playing and p.frame == 0 and p.speed == 1  # the test's clock stands still: exactly at 0


async def test_a_finished_run_can_be_scrubbed_and_shows_the_values_there():
    app = make_app(section="conditioning", player_speed=DEFAULT_SPEED)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        await pilot.press("end", *["comma"] * 10)
        assert screen.playback.frame == 289
        t = screen.trajs["GD"]
        assert f"Δb {abs(t.points[289][1] - t.optimum[1]):.1e}" in status(screen)
        await pilot.press(*["minus"] * 6, "space")  # at 1 iteration per second, from the paused frame on
        assert screen.playback.playing and screen.playback.speed == 1 and 289 <= screen.playback.frame <= 291


async def test_escape_pauses_a_play_and_the_next_one_goes_home():
    """Esc stops what moves: a play with no run in flight pauses (the key bar says so), a second Esc leaves."""
    app = make_app(section="conditioning", player_speed=DEFAULT_SPEED)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_demo(pilot)
        bar = screen.query_one(KeyBar)
        await pilot.press("end", *["minus"] * 6, "space")  # 1 iteration per second: still playing when looked at
        assert screen.playback.playing and not screen.running
        assert await wait_for(pilot, lambda: "esc pause" in bar.shown_text())
        await pilot.press("escape")
        assert app.screen is screen and not screen.playback.playing
        assert await wait_for(pilot, lambda: "esc home" in bar.shown_text())
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def paused_at_50(pilot) -> None:
    await open_demo(pilot)
    await pilot.press("end", "home", *["full_stop"] * 50)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_paused_mid_run_snapshot(snap_compare, size):
    """The defaults' run paused at iteration 50: both methods' values there, "‖ iteration 50 of 300",
    the four curves drawn up to iteration 50 only (the guides run on), and on the surface both paths up
    to iteration 50 with a ● at each method's current point."""
    assert snap_compare(
        make_app(section="conditioning", player_speed=DEFAULT_SPEED), terminal_size=size, run_before=paused_at_50
    )


async def test_with_animations_off_a_run_shows_its_end_and_can_still_be_played():
    """TEXTUAL_ANIMATIONS=none (a slow link): players start instant; - slows one down and space plays it."""
    app = make_app(section="conditioning", player_speed=None)
    app.animation_level = "none"  # what TEXTUAL_ANIMATIONS=none sets
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_demo(pilot)
        p = screen.playback
        assert p.frame == 299 and not p.playing and "■ iteration 299 of 300 · instant" in status(screen)
        await pilot.press(*["minus"] * 7, "space")  # instant -> 1000 -> ... -> 10 it/s: 30 s, not over by the check
        assert p.speed == 10 and p.playing and p.frame < 299
    app = make_app(section="conditioning", player_speed=None)
    app.animation_level = "full"
    async with app.run_test(size=(100, 30)) as pilot:
        assert (await open_demo(pilot)).playback.speed == DEFAULT_SPEED
