"""The playback controller (tui.playback) on a clock the tests move: loading, playing at a speed, pausing,
stepping, jumping, streaming, and its keys driving it in an app, its timer advancing it."""

from __future__ import annotations

import math

from textual.app import App, ComposeResult
from textual.widgets import Static

from tui.playback import DEFAULT_SPEED, FRAME_SECONDS, PLAYER_BINDINGS, SPEEDS, Playback, PlayerKeys

from .snap import wait_for


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def playback(speed: float = DEFAULT_SPEED) -> tuple[Playback, Clock, list[int]]:
    clock, shown = Clock(), []
    return Playback(shown.append, speed=speed, clock=clock), clock, shown


def run_for(p: Playback, clock: Clock, seconds: float) -> None:
    """What the timer does for `seconds`: a tick every FRAME_SECONDS."""
    for _ in range(round(seconds / FRAME_SECONDS)):
        clock.now += FRAME_SECONDS
        p.tick()


def test_a_loaded_run_plays_from_zero_at_its_speed_and_stops_at_the_end():
    assert DEFAULT_SPEED == 100
    p, clock, shown = playback()
    p.load(300)
    assert p.playing and p.frame == 0 and shown == [0]
    clock.now = 1.0
    p.tick()
    assert p.frame == 100 and p.playing  # 100 iterations per second
    clock.now = 2.0
    p.tick()
    clock.now = 3.5
    p.tick()
    assert p.frame == 299 and not p.playing and p.at_end  # 300 steps in about 3 s, then it stands still
    assert p.label() == "■ iteration 299 of 300 · 100 it/s"
    # At the timer's rate it moves frame by frame, not in one jump.
    p, clock, shown = playback()
    p.load(300)
    run_for(p, clock, 1.5)
    assert 149 <= p.frame <= 151 and p.playing
    run_for(p, clock, 1.5)
    assert p.frame == 299 and not p.playing
    assert shown == sorted(shown) and len(set(shown)) >= round(2.9 / FRAME_SECONDS)  # a new frame at each tick


def test_keys_pause_step_jump_and_restart():
    p, clock, shown = playback()
    p.load(300)
    clock.now = 0.5
    p.tick()
    p.toggle()
    assert not p.playing and p.frame == 50
    clock.now = 5.0
    p.tick()
    assert p.frame == 50  # paused: time passes, the frame stays
    p.step(1)
    p.step(1)
    p.step(-3)
    assert p.frame == 49 and not p.playing
    p.step(-1000)
    assert p.frame == 0
    p.jump(True)
    assert p.frame == 299 and not p.playing
    p.step(5)
    assert p.frame == 299
    p.toggle()  # at the end: play again from the start
    assert p.playing and p.frame == 0
    clock.now = 5.2
    p.tick()
    assert p.frame == 20
    p.jump(False)  # Home keeps playing
    assert p.frame == 0 and p.playing
    assert shown[-1] == 0


def test_speed_moves_along_the_ladder_and_instant_shows_the_end():
    p, _, _ = playback()
    p.load(300)
    p.change_speed(-1)
    assert p.speed == 50 and "50 it/s" in p.label()
    for _ in range(len(SPEEDS)):
        p.change_speed(-1)
    assert p.speed == SPEEDS[0]
    for _ in range(len(SPEEDS)):
        p.change_speed(1)
    assert math.isinf(p.speed) and p.frame == 299 and not p.playing and "instant" in p.label()
    p.load(120)  # at instant speed a new run shows its final picture at once
    assert p.frame == 119 and not p.playing
    p.load(0, total=500, complete=False)  # a streaming one its newest iteration, as each arrives
    p.extend(120)
    assert p.frame == 119 and p.playing
    p.extend(130)
    assert p.frame == 129


def test_a_run_loaded_without_play_shows_its_end():
    p, _, shown = playback()
    p.load(80, play=False)
    assert p.frame == 79 and not p.playing and shown == [79]


def test_a_streaming_run_waits_for_its_next_iterations():
    p, clock, _ = playback()
    p.load(10, total=150, complete=False)
    clock.now = 1.0
    p.tick()
    assert p.frame == 9 and p.playing and not p.at_end  # it caught up with the data: it waits, still playing
    p.extend(60)
    clock.now = 1.2
    p.tick()
    assert p.frame == 29 and "of 150" in p.label()
    p.extend(150, complete=True)
    clock.now = 9.0
    p.tick()
    assert p.frame == 149 and not p.playing


def test_nothing_loaded_shows_nothing():
    p, clock, shown = playback()
    p.toggle()
    p.step(1)
    p.jump(True)
    clock.now = 1.0
    p.tick()
    assert shown == [] and not p.playing


class PlayerApp(PlayerKeys, App):
    BINDINGS = PLAYER_BINDINGS

    def __init__(self) -> None:
        super().__init__()
        self.clock = Clock()
        self.playback = Playback(lambda frame: None, speed=10, clock=self.clock)
        self.active = True

    def player(self) -> Playback | None:
        return self.playback if self.active else None

    def compose(self) -> ComposeResult:
        yield Static("player")

    def on_mount(self) -> None:
        self.playback.attach(self)
        self.playback.load(1000)


async def test_the_keys_drive_the_player_and_a_timer_advances_it():
    app = PlayerApp()
    async with app.run_test() as pilot:
        p, clock = app.playback, app.clock
        assert p.playing and p.frame == 0
        clock.now += 0.35  # the timer's next tick reads it: 10 per second
        assert await wait_for(pilot, lambda: p.frame == 3)
        await pilot.press("space")
        assert not p.playing and p.frame == 3
        clock.now += 1.0
        p.tick()  # as the timer would, were it not paused with the player
        assert p.frame == 3
        await pilot.press("full_stop", "full_stop", "comma")
        assert p.frame == 4
        await pilot.press("plus")
        assert p.speed == 20
        await pilot.press("minus", "minus")
        assert p.speed == 5
        await pilot.press("equals_sign")
        assert p.speed == 10
        await pilot.press("end")
        assert p.frame == 999 and not p.playing
        await pilot.press("home")
        assert p.frame == 0
        app.active = False  # no player on show: the keys are not claimed
        await pilot.press("end", "space")
        assert p.frame == 0 and not p.playing
