"""Section 7's engine replaced by canned runs, and its playback on a clock the test moves."""

from __future__ import annotations

import math
import random

from engine.contracts.adaptive import CompareJob, Losses
from engine.events import Diverged, Done, Progress, Status

from .snap import settle

NAMES = ("SGD", "Momentum", "RMSprop")
RATES = {"SGD": 400.0, "Momentum": 60.0, "RMSprop": 15.0}  # canned curves: loss ~ 0.15 + 2.15 exp(-i / rate)


def canned_losses(name: str, n: int) -> list[float]:
    rng = random.Random(name)
    return [max(0.02, 0.15 + 2.15 * math.exp(-i / RATES[name]) + rng.gauss(0, 0.12)) for i in range(n)]


def canned_run(job: CompareJob, diverge: dict[str, int] | None = None, chunk: int = 50):
    """What the engine yields, with made-up deterministic losses (no torch, no clock)."""
    diverge = diverge or {}
    n = job.max_steps
    curves = {name: canned_losses(name, n) for name in NAMES}
    yield Status("training (canned)")
    for start in range(0, n, chunk):
        for name in NAMES:
            stop = min(start + chunk, n, diverge.get(name, n))
            if start < stop:
                yield Losses(name, start, tuple(curves[name][start:stop]))
            if start <= diverge.get(name, -1) < start + chunk:
                yield Diverged(diverge[name], name)
        yield Progress(min(start + chunk, n), n, "iterations")
    yield Done("completed")


_ENGINE: dict = {}  # the current test's stand-in for engine.sections.adaptive:compare_job


def stand_in(job: CompareJob, env):
    return _ENGINE["run"](job, env)


def use_engine(monkeypatch, run) -> None:
    """The screen's CompareJobs run `run(job, env)` instead of the engine (the screen is not touched)."""
    monkeypatch.setattr(CompareJob, "compute", f"{__name__}:stand_in")
    monkeypatch.setitem(_ENGINE, "run", run)


class FrozenClock:
    """The playback's clock in tests: time moves only when a test says so, so frames are exact."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def freeze(app) -> FrozenClock:
    """The screen's playback on a FrozenClock (the one it has, if frozen already)."""
    playback = app.screen.playback
    if not isinstance(playback.clock, FrozenClock):
        playback.clock = FrozenClock()
    return playback.clock


async def open_compare(pilot, end: bool = True) -> None:
    """Open the demo tab and wait for the canned run; with `end`, show its final picture (End)."""
    freeze(pilot.app)
    await pilot.press("right_square_bracket")
    await settle(pilot)
    if end:
        await pilot.press("end")
        await settle(pilot)
