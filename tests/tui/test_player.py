"""The playback controller (tui.playback, as Section 7 uses it) on a clock the tests move: speed, streaming, keys."""

from __future__ import annotations

import math

import pytest

from tui.playback import DEFAULT_SPEED, FRAME_SECONDS, SPEEDS, Playback


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def player(**kwargs) -> tuple[Playback, Clock, list[int]]:
    clock, frames = Clock(), []
    return Playback(frames.append, clock=clock, **kwargs), clock, frames


def run_for(p: Playback, clock: Clock, seconds: float) -> None:
    """What the timer does for `seconds`: a tick every FRAME_SECONDS."""
    for _ in range(round(seconds / FRAME_SECONDS)):
        clock.now += FRAME_SECONDS
        p.tick()


def test_the_default_speed_plays_a_300_step_run_in_about_3_seconds_and_stops_at_its_end():
    assert DEFAULT_SPEED == 100
    p, clock, frames = player()
    p.load(300)
    assert p.frame == 0 and p.playing and frames == [0]
    run_for(p, clock, 1.5)
    assert p.frame == pytest.approx(150, abs=1) and p.playing
    run_for(p, clock, 1.5)
    assert p.frame == 299 and not p.playing and p.at_end
    assert frames == sorted(frames) and len(set(frames)) > 80  # it moved frame by frame, not in one jump


def test_a_streaming_run_waits_at_its_newest_iteration_then_plays_on():
    p, clock, _ = player()
    p.load(0, total=300, complete=False)
    p.extend(50)
    run_for(p, clock, 2.0)
    assert p.frame == 49 and p.playing and not p.at_end  # waiting for more, not stopped
    p.extend(300, complete=True)
    run_for(p, clock, 1.0)
    assert 140 <= p.frame <= 151 and p.playing
    run_for(p, clock, 2.0)
    assert p.frame == 299 and not p.playing


def test_keys_pause_step_jump_and_restart():
    p, clock, frames = player()
    p.load(100)
    run_for(p, clock, 0.2)
    p.toggle()  # pause
    at = p.frame
    run_for(p, clock, 1.0)
    assert not p.playing and p.frame == at == 20
    p.step(1)
    p.step(-3)
    assert p.frame == 18 and not p.playing
    p.step(-1000)
    assert p.frame == 0  # kept within the run
    p.jump(True)
    assert p.frame == 99 and not p.playing and p.at_end and p.label().startswith("■ iteration 99")
    p.toggle()  # at the end: play again from the start
    assert p.playing and p.frame == 0
    run_for(p, clock, 0.1)
    p.jump(False)  # Home keeps playing
    assert p.frame == 0 and p.playing
    assert frames[-1] == 0


def test_speeds_step_along_the_ladder_and_instant_shows_the_newest_at_once():
    p, _, _ = player()
    p.load(0, total=500, complete=False)
    p.change_speed(1)
    assert p.speed == 200 and "200 it/s" in p.label()
    for _ in range(20):
        p.change_speed(-1)
    assert p.speed == SPEEDS[0] == 1
    for _ in range(20):
        p.change_speed(1)
    assert math.isinf(p.speed) and "instant" in p.label()
    p.extend(120)
    assert p.frame == 119  # instant: the newest, as the screen did before playback
    p.load(0, total=50, complete=False)  # a new run at instant speed starts at its newest too
    p.extend(30)
    assert p.frame == 29


def test_loading_without_play_shows_the_final_picture():
    p, _, frames = player()
    p.load(275, play=False)
    assert p.frame == 274 and not p.playing and frames == [274]
