"""Frames per second while Section 4's demo plays, at 80x24 and 200x60, ours against redrawing the chart per frame.

Ours: each frame cuts RevealChart's two cached plotext pictures and moves the surface's markers
(only the changed rows and columns are repainted). Naive: each frame rebuilds the distance chart
with plotext from curves cut at the frame (what Chart.draw would do). The app runs headless (its
compositor still renders every frame); the player runs at 1000 iterations per second, so every
timer tick (30 per second asked) shows a new frame. Prints, per size, the frames shown per second
and the 50th/95th percentile of the time each frame's drawing code takes.
Run: python benchmarks/bench_playback.py
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from tui.app import OptCourseApp
from tui.charts.reveal_chart import RevealChart
from tui.config import AppConfig
from tui.screens.conditioning.screen import ConditioningScreen
from tui.screens.conditioning.view import distance_drawer

SECONDS = 3.0


def naive_frame(screen: ConditioningScreen, frame: int) -> None:
    """The chart rebuilt from curves cut at `frame`, as a plain Chart.draw per frame would."""
    cut = {k: dataclasses.replace(t, points=t.points[: frame + 1]) for k, t in screen.trajs.items()}
    screen.query_one("#distance", RevealChart).draw(distance_drawer(cut))


async def measure(size: tuple[int, int], naive: bool) -> tuple[float, float, float]:
    app = OptCourseApp(AppConfig(section="conditioning", device="cpu", warm_up=False, engine="thread"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("right_square_bracket")
        screen = app.screen
        while not screen.trajs or screen.running:
            await pilot.pause(0.05)
        costs: list[float] = []
        real = screen.show_frame

        def timed(frame: int) -> None:
            frame %= 300  # round and round the 300-step run, so every frame moves the curves
            start = time.perf_counter()
            real(frame)
            if naive:
                naive_frame(screen, frame)
                screen.query_one("#distance", RevealChart).render_line(0)  # plotext builds on render
            costs.append(time.perf_counter() - start)

        screen.playback.on_frame = timed
        screen.playback.speed = 1000.0
        screen.playback.load(10**6)  # a long run: it never reaches the end while measured
        await pilot.pause(SECONDS)
        frames = len(costs)
        ms = sorted(1000 * c for c in costs)
        return frames / SECONDS, statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]


def main() -> None:
    for size in ((80, 24), (200, 60)):
        ours = asyncio.run(measure(size, naive=False))
        theirs = asyncio.run(measure(size, naive=True))
        print(
            f"{size[0]}x{size[1]}: ours {ours[0]:.1f} frames/s (frame p50 {ours[1]:.2f} ms, p95 {ours[2]:.2f} ms);"
            f" redrawn chart {theirs[0]:.1f} frames/s (p50 {theirs[1]:.1f} ms, p95 {theirs[2]:.1f} ms);"
            f" ratio of per-frame cost {theirs[1] / max(ours[1], 1e-9):.0f}x"
        )


if __name__ == "__main__":
    main()
