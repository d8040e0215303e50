"""Section 4's κ explorer tab: the sweep once, then live runs at the learner's κ; typed values, Escape."""

from __future__ import annotations

import threading

import pytest

from engine.sections import conditioning_kappa as K
from tui.screens.conditioning.kappa import KappaPane
from tui.screens.conditioning.screen import ConditioningScreen
from tui.widgets.stepper import Stepper

from .snap import make_app, settle, wait_for


def status(pane: KappaPane) -> str:
    return str(pane.query_one("#kappa-status").render())


async def open_kappa_tab(pilot) -> KappaPane:
    screen = pilot.app.screen
    assert isinstance(screen, ConditioningScreen)
    await screen.show_pane("kappa-tab")
    await settle(pilot)
    return screen.query_one(KappaPane)


async def test_the_sweep_comes_once_and_every_kappa_runs_at_once():
    app = make_app(section="conditioning")
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_kappa_tab(pilot)
        screen, sweep = app.screen, pane.sweep
        assert app.focused is pane.query_one("#kappa", Stepper)
        assert sweep is not None and pane.run is not None and pane.run.kappa == 100.0
        assert "needs 758 (theory 758)" in status(pane) and "needs 102 (rate 76, exact 102)" in status(pane)
        assert "momentum needs 7.4× fewer" in status(pane)
        await pilot.press("right")  # a tenth of a decade up
        await settle(pilot)
        assert pane.run.kappa == pytest.approx(10**2.1) and pane.sweep is sweep  # the sweep is not run again
        assert screen.started is None  # the Demo's own runs were not started by the κ stepper
        await pilot.press("k")  # the Demo's slice: its own κ, typed off the grid
        await settle(pilot)
        assert pane.run.kappa == pytest.approx(sweep.slice_kappa) and "κ 3.88" in status(pane)
        assert [m.measured_at for m in pane.run.methods] == [29, 17]
        await pilot.press("a", "b", "c")  # letters open no entry box, and b (best momentum) is the Demo's
        await settle(pilot)
        assert pane.run.kappa == pytest.approx(sweep.slice_kappa) and screen.started is None
        await pilot.press("5", "0", "0", "0", "enter")
        await settle(pilot)
        error = str(pane.query_one("#kappa .stepper--error").render())
        assert "must be between 1 and 1000" in error and pane.run.kappa == pytest.approx(sweep.slice_kappa)
        await pilot.press("escape", "1", "0", "enter")
        await settle(pilot)
        assert pane.run.kappa == 10.0 and "needs 76 (theory 76)" in status(pane)
        await pilot.press("home")  # κ 1, a round bowl: both arrive in one step, and the rate is 0 (no line to draw)
        await settle(pilot)
        assert [m.measured_at for m in pane.run.methods] == [1, 1] and "κ 1:" in status(pane)
        await pilot.press("end")
        await settle(pilot)
        assert "κ 1000:" in status(pane) and "needs 7,572" in status(pane) and "22.1× fewer" in status(pane)


async def test_escape_stops_a_kappa_run_and_says_so(monkeypatch):
    release = threading.Event()
    real = K.kappa_events

    def held(*args, **kwargs):
        for event in real(*args, **kwargs):
            if type(event).__name__ == "KappaRun":
                release.wait(10)
            yield event

    monkeypatch.setattr(K, "kappa_events", held)
    app = make_app(section="conditioning")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await screen.show_pane("kappa-tab")
        assert await wait_for(pilot, lambda: screen.running)
        await pilot.press("escape")
        release.set()
        await settle(pilot)
        pane = screen.query_one(KappaPane)
        assert not screen.running and pane.run is None and "stopped (Escape)" in status(pane)
        assert isinstance(app.screen, ConditioningScreen)  # Escape stopped the run, it did not leave
        await pilot.press("right")  # a new κ runs again
        await settle(pilot)
        assert pane.run is not None and "needs" in status(pane)


async def on_kappa_tab(pilot) -> None:
    await open_kappa_tab(pilot)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_kappa_snapshot(snap_compare, size):
    """κ 100: GD 758 and momentum 102 iterations beside the theory (rate 76, exact 102), both charts, the
    slice's κ 3.88 (green) and the learner's (yellow) marked on the sweep, and the runs' distances at κ 100."""
    assert snap_compare(make_app(section="conditioning"), terminal_size=size, run_before=on_kappa_tab)
