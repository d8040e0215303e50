"""A screen's update timer behind its schedule waits for its next tick, not the one after (screens/frame_timer.py)."""

from __future__ import annotations

import textual.timer
from textual._context import active_app
from textual.app import App
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.timer import Timer

from tui.screens import frame_timer
from tui.screens.frame_timer import FramesOnTheNextTick, NextTickTimer
from tui.screens.home import HomeScreen
from tui.screens.section import SectionScreen

TICK = 1 / 60


async def ticks_of(timer_class: type[Timer], monkeypatch) -> list[float]:
    """When a timer of 60 ticks a second ticks, in ticks, if each of its frames takes 25 ms (1.5 ticks)."""
    clock = [0.0]
    ticks: list[float] = []

    async def sleep(seconds: float) -> None:
        clock[0] += seconds

    def frame() -> None:
        ticks.append(clock[0])
        clock[0] += 0.025

    monkeypatch.setattr(frame_timer, "sleep", sleep)
    monkeypatch.setattr(textual.timer, "sleep", sleep)
    monkeypatch.setattr(frame_timer._time, "get_time", lambda: clock[0])
    token = active_app.set(App())  # as a running app's timer sees it: not exiting
    try:
        await timer_class(MessagePump(), TICK, callback=frame, repeat=5)._run()
    finally:
        active_app.reset(token)
    return [round(t / TICK, 6) for t in ticks]


async def test_a_tick_after_a_slow_frame_comes_at_the_next_tick(monkeypatch):
    """A frame that takes 25 ms (a chart built in it) ends past the next tick: Textual's timer then waited for the
    tick after that, 33 ms in all for the next change; this one draws it at the next tick."""
    assert await ticks_of(NextTickTimer, monkeypatch) == [1, 3, 5]
    # Textual's own: when this fails, Textual aims at the next tick itself and NextTickTimer can go.
    assert await ticks_of(Timer, monkeypatch) == [1, 4]


async def test_the_app_s_screens_draw_on_such_a_timer():
    assert issubclass(SectionScreen, FramesOnTheNextTick) and issubclass(HomeScreen, FramesOnTheNextTick)

    class Shown(FramesOnTheNextTick, Screen):
        def on_mount(self) -> None:
            self.set_interval(60, lambda: None, name="another")

    class One(App[None]):
        def on_mount(self) -> None:
            self.push_screen(Shown())

    app = One()
    async with app.run_test() as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, Shown)
        assert type(screen._update_timer) is NextTickTimer
        assert [type(t) for t in screen._timers if t.name == "another"] == [Timer]
