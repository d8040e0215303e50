"""Training speed inside the running app (engine process, charts live) against the same engine alone.

The app runs headless at 100x30 with the engine in its own process, as a learner runs it; the
engine alone runs the same Job in this process with nothing drawing. Each figure is the engine's
own measure (the Bonus's samples/s over its epochs, Section 7's iterations/s), so the only
difference is the app around it: its event stream and its chart redraws on the other core.

    .venv/bin/python benchmarks/bench_in_app.py              # Bonus defaults and Section 7, 1 and 2 torch threads
    .venv/bin/python benchmarks/bench_in_app.py --threads 1 --only bonus
    .venv/bin/python benchmarks/bench_in_app.py --threads 1 --only bonus --profile 25   # where the UI's time goes

Target (issue 14): in the app >= 90% of the engine alone.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")

from engine.contracts.adaptive import CompareJob
from engine.contracts.bonus import EpochProgress, TrainJob
from engine.events import Done
from tui.app import OptCourseApp
from tui.config import AppConfig
from tui.screens.section import SectionScreen

SEEN: list = []
_on_events = SectionScreen.on_engine_events


def _keep(self, message) -> None:
    SEEN.extend(message.events)
    _on_events(self, message)


SectionScreen.on_engine_events = _keep  # type: ignore[method-assign]


def speed(events: list, what: str) -> float:
    """samples/s (Bonus: the last epoch report) or iterations/s (Section 7: steps over the engine's time)."""
    if what == "bonus":
        reports = [e for e in events if isinstance(e, EpochProgress)]
        return reports[-1].samples_per_s
    done = [e for e in events if isinstance(e, Done)][-1]
    return CompareJob().max_steps / done.seconds


def alone(what: str, threads: int) -> float:
    from engine.context import EngineContext, EngineSettings
    from engine.jobs import RunEnv, run_job

    ctx = EngineContext(EngineSettings(device="cpu", threads=threads))
    ctx.mnist  # noqa: B018 (loaded before the clock starts, as in the app)
    job = TrainJob() if what == "bonus" else CompareJob()
    return speed(list(run_job(job, RunEnv(ctx))), what)


async def in_app(what: str, threads: int, profile: int = 0) -> float:
    section = "bonus" if what == "bonus" else "adaptive"
    app = OptCourseApp(AppConfig(device="cpu", section=section, warm_up=True, threads=threads))
    SEEN.clear()
    async with app.run_test(size=(100, 30)) as pilot:
        deadline = time.monotonic() + 120
        while app.runner.device_label is None and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await pilot.pause(1.0)  # MNIST loaded in the engine
        await pilot.press("right_square_bracket")
        await pilot.pause(0.2)
        screen = app.screen
        SEEN.clear()
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        cpu0, wall0 = time.process_time(), time.monotonic()
        if what == "bonus":
            screen.action_start()  # what `s` does: the course's defaults, as the settings panel shows them
        else:
            screen.action_run()
        while not any(isinstance(e, Done) for e in SEEN) and time.monotonic() < deadline + 600:
            await pilot.pause(0.05)
        ui_share = (time.process_time() - cpu0) / (time.monotonic() - wall0)
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(profile)
        app.runner.shutdown()
    print(f"  (the interface used {100 * ui_share:.0f}% of a core meanwhile)", flush=True)
    return speed(SEEN, what)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2", help="torch threads in the engine, comma-separated")
    parser.add_argument("--only", choices=("bonus", "adaptive"), default=None)
    parser.add_argument("--profile", type=int, default=0, help="print the UI's N costliest functions")
    args = parser.parse_args(argv)
    print(f"{'run':10s} {'threads':>7s} {'alone':>12s} {'in app':>12s} {'ratio':>7s}   target >= 0.90")
    for what in [args.only] if args.only else ["bonus", "adaptive"]:
        unit = "samples/s" if what == "bonus" else "iter/s"
        for threads in map(int, args.threads.split(",")):
            solo = alone(what, threads)
            app = asyncio.run(in_app(what, threads, args.profile))
            print(f"{what:10s} {threads:7d} {solo:9.0f} {unit[:3]} {app:9.0f} {unit[:3]} {app / solo:7.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
