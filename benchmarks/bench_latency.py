"""Key to fully redrawn screen, in the real app (engine in its own process), headless: p50/p95 per screen and size.

A "full redraw" is the end of the first frame the app renders after the key's effect reached the
screen: for Section 4 the new trajectories of the re-run (so engine time, the trip through the
socket and every chart are included); for Section 7 and the Bonus, while their run trains, the
frame that shows the key's change. Frames are timed where Textual renders them
(Screen._compositor_refresh), so the cost of drawing the charts is inside the figure.

    .venv/bin/python benchmarks/bench_latency.py            # every screen at 100x30 and 200x60
    .venv/bin/python benchmarks/bench_latency.py --screens 4 --sizes 100x30 --presses 20

Target (issue 14): p95 <= 50 ms for each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from textual import events
from textual.screen import Screen

from tui.app import OptCourseApp
from tui.config import AppConfig
from tui.garbage import tune_gc

FRAMES: list[float] = []  # when each frame finished rendering (time.perf_counter)
CPU: list[float] = []  # the UI process's CPU time from each key to its full redraw (less noisy on a shared machine)
_refresh = Screen._compositor_refresh


def _timed_refresh(self) -> None:
    _refresh(self)
    FRAMES.append(time.perf_counter())


Screen._compositor_refresh = _timed_refresh  # type: ignore[method-assign]

from tui.screens.section import SectionScreen  # noqa: E402

HANDLED: list[float] = []  # when the screen finished handling each final batch of a demo's run
_on_events = SectionScreen.on_engine_events


def _timed_events(self, message) -> None:
    _on_events(self, message)
    if message.final and message.group == "demo":  # not the Theory's: its tab is not on show, nothing to draw
        HANDLED.append(time.perf_counter())


SectionScreen.on_engine_events = _timed_events  # type: ignore[method-assign]


async def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await asyncio.sleep(0.002)


def send_key(app: OptCourseApp, key: str) -> None:
    """The key as a terminal's driver delivers it. Not Pilot.press: it then waits for every widget of the
    screen to be idle (a callback through each of Section 4's ~180 widgets' queues, 10-20 ms of the UI's CPU a
    key under load), harness work that a learner's key never pays and that delayed the redraw measured."""
    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    assert app._driver is not None
    app._driver.send_message(event)


async def frame_after(t: float, timeout: float = 5.0) -> float:
    """The end of the first frame rendered after time t."""
    await wait_for(lambda: FRAMES and FRAMES[-1] > t, timeout)
    return next(f for f in FRAMES if f > t)


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    k = min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))
    return values[k]


async def engine_warm(app: OptCourseApp, timeout: float = 30.0) -> None:
    """Wait until the reference engine is a fork of the warmed-up template, as it is while a learner reads.

    The first app of a run starts the template, and its first engine, forked before the template's
    warm-up, imports torch's first-use modules itself for seconds and is then replaced by a warm fork
    (tui.engine_process, RENEW_EVERY): keys pressed meanwhile measured that start-up (the first app's
    Section 4 keys 60-350 ms, the next app's 40-55 ms at a load of 5), not a key's redraw.
    """
    engine = getattr(app.runner.executor, "engine", None)
    if engine is None:
        return
    started = time.monotonic()
    while not engine().warm and time.monotonic() - started < timeout:
        await asyncio.sleep(0.05)


async def section4(app: OptCourseApp, pilot, presses: int) -> list[float]:
    await pilot.press("right_square_bracket")
    screen = app.screen
    await wait_for(lambda: screen.shown is not None)
    out = []
    for control in ("#steps", "#lr", "#beta"):
        screen.query_one(control).focus()
        for i in range(presses):
            key = "right" if i % 2 == 0 else "left"
            await pilot.pause(0.05)
            runs = len(HANDLED)
            t0, c0 = time.perf_counter(), time.process_time()
            send_key(app, key)
            await wait_for(lambda runs=runs: len(HANDLED) > runs and screen.shown == screen.started)
            await wait_for(lambda: not screen.running)
            out.append(await frame_after(HANDLED[-1]) - t0)
            CPU.append(time.process_time() - c0)
    return out


async def while_training(
    app: OptCourseApp, pilot, presses: int, open_keys: list[str], start, keys: list[str], running
) -> list[float]:
    for key in open_keys:
        await pilot.press(key)
    await pilot.pause(0.2)
    start(app.screen)
    await wait_for(lambda: running(app.screen), 120)
    await pilot.pause(0.5)
    out = []
    for i in range(presses):
        if not running(app.screen):
            start(app.screen)
            await wait_for(lambda: running(app.screen), 120)
        await pilot.pause(0.05)
        t0, c0 = time.perf_counter(), time.process_time()
        send_key(app, keys[i % len(keys)])
        out.append(await frame_after(t0) - t0)
        CPU.append(time.process_time() - c0)
    return out


async def section7(app: OptCourseApp, pilot, presses: int) -> list[float]:
    def start(screen) -> None:
        screen.action_run()

    return await while_training(
        app, pilot, presses, ["right_square_bracket"], start, ["v", "s"], lambda screen: screen.busy("compare")
    )


async def bonus(app: OptCourseApp, pilot, presses: int) -> list[float]:
    def start(screen) -> None:
        screen.action_start()

    return await while_training(
        app, pilot, presses, ["right_square_bracket"], start, ["m", "a"], lambda screen: screen.busy("train")
    )


SCREENS = {"4": ("conditioning", section4), "7": ("adaptive", section7), "B": ("bonus", bonus)}


async def measure(key: str, size: tuple[int, int], presses: int) -> list[float]:
    section, drive = SCREENS[key]
    app = OptCourseApp(AppConfig(device="cpu", section=section, warm_up=True))
    tune_gc(freeze=False)  # as tui.cli.main does (one freeze per process: this runs several apps)
    async with app.run_test(size=size) as pilot:
        await wait_for(lambda: app.runner.device_label is not None, 120)
        await engine_warm(app)
        try:
            return await drive(app, pilot, presses)
        finally:
            app.runner.shutdown()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", default="4,7,B", help="comma-separated: 4, 7, B")
    parser.add_argument("--sizes", default="100x30,200x60")
    parser.add_argument("--presses", type=int, default=12, help="key presses per control")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'screen':8s} {'size':8s} {'n':>4s} {'p50 ms':>8s} {'p95 ms':>8s} {'UI CPU p50':>10s}  target p95 <= 50 ms")
    worst = 0.0
    for key in args.screens.split(","):
        for size_text in args.sizes.split(","):
            w, h = map(int, size_text.split("x"))
            FRAMES.clear()
            CPU.clear()
            lat = [1000 * v for v in asyncio.run(measure(key.strip(), (w, h), args.presses))]
            p95 = percentile(lat, 95)
            worst = max(worst, p95)
            print(
                f"{key:8s} {size_text:8s} {len(lat):4d} {statistics.median(lat):8.1f} {p95:8.1f}"
                f" {1000 * statistics.median(CPU):10.1f}"
                f"  {'ok' if p95 <= 50 else 'over'}",
                flush=True,
            )
    print(f"worst p95: {worst:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
