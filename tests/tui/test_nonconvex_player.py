"""Section 5 played: the copies' loss curves as they stream and after, and the explorer's descent path."""

from __future__ import annotations

import math

import pytest

from engine.contracts.nonconvex import LossRows, OverparamStart
from engine.events import Done, Failed, Progress
from tui.charts.reveal_chart import RevealChart
from tui.playback import DEFAULT_SPEED
from tui.screens.nonconvex import NonConvexScreen
from tui.widgets.landscape_explorer import LandscapeExplorer

from .fakes import record_runs, text_of
from .snap import make_app, settle


def rows(init: int, start: int, stop: int) -> LossRows:
    return LossRows(init, start, tuple(2.4 * math.exp(-k / (30 + 12 * init)) + 0.1 * init for k in range(start, stop)))


async def test_the_copies_play_as_they_stream_and_each_key_acts_with_a_stepper_focused(monkeypatch):
    monkeypatch.setattr(NonConvexScreen, "autorun", False)
    app = make_app(section="nonconvex", player_speed=DEFAULT_SPEED)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        record_runs(screen)
        await pilot.press("right_square_bracket")
        await pilot.pause()
        p, chart = screen.playback, screen.query_one("#op-chart", RevealChart)
        assert screen.focused.id == "op-steps"
        screen.handle_events("overparam", [OverparamStart((10,), 7960, 3, 150, 0.05), rows(0, 0, 40), rows(1, 0, 30)])
        assert p.length == 40 and not p.complete and p.playing and p.total == 150  # plays while it streams
        await pilot.press("end")
        assert p.frame == 39 and not p.playing and chart.revealing  # the newest iteration, more to come
        screen.handle_events("overparam", [rows(0, 40, 150), rows(1, 30, 150), rows(2, 0, 150), Progress(150, 150)])
        screen.handle_events("overparam", [Done()])
        assert p.complete and p.length == 150
        await pilot.press("end")
        assert p.frame == 149 and p.at_end and not chart.revealing  # the final picture, as before
        await pilot.press("home", "full_stop", "full_stop", "comma")
        assert p.frame == 1 and chart.revealing
        want = [rows(i, 0, 150).losses[1] for i in range(3)]
        player = text_of(screen, "#op-player")
        assert "‖ iteration 1 of 150 · 100 it/s" in player
        assert f"loss {min(want):.3f} … {max(want):.3f} (3 copies)" in player
        await pilot.press("plus", "plus")
        assert p.speed == 500
        await pilot.press("minus")
        assert p.speed == 200 and "200 it/s" in text_of(screen, "#op-player")
        await pilot.press(*["minus"] * 5, "space")  # at 5 it/s it is still playing when looked at
        assert p.playing and p.speed == 5


async def test_the_explorer_plays_its_path_with_a_marker_and_the_map_keeps_its_arrows():
    app = make_app(section="nonconvex", player_speed=DEFAULT_SPEED)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.show_pane("landscape")
        await settle(pilot)
        ex = app.screen.query_one(LandscapeExplorer)
        p, path = ex.playback, ex.path
        assert app.screen.focused.id == "ls-map" and p.length == len(path.xs)
        await pilot.press("end")
        assert p.at_end and "reached C" in text_of(ex, "#ls-result")
        await pilot.press("home", "full_stop", "full_stop")
        assert p.frame == 2 and not p.playing
        marker = [ov for ov in ex.query_one("#ls-map").overlays if ov.char == "●" and ov.color == "white"]
        assert [(float(marker[0].xs[0]), float(marker[0].ys[0]))] == [pytest.approx((path.xs[2], path.ys[2]))]
        assert f"f = {path.values[2]:+.3f}" in text_of(ex, "#ls-result")
        assert "‖ iteration 2 of" in text_of(ex, "#ls-player")
        await pilot.press("left")  # the arrows still move the start: a new path plays from its start
        await settle(pilot)
        assert ex.start == pytest.approx((2.9, 3.0)) and ex.path is not path and p.length == len(ex.path.xs)


async def test_a_refusal_stays_in_the_result_line():
    app = make_app(section="nonconvex", player_speed=DEFAULT_SPEED)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.show_pane("landscape")
        await settle(pilot)
        ex = app.screen.query_one(LandscapeExplorer)
        ex.path = None
        ex.show([Failed("cannot run: the start's x must be between -4 and 4, got 9")])
        assert "cannot run: the start's x" in text_of(ex, "#ls-result")  # not overwritten by "descending…"
