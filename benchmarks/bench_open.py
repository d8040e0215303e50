"""Home -> each section's first tab drawn in full, and each tab switch, in the real app headless: p50/p95/max.

"Drawn in full" is the end of the first frame Textual renders once the shown pane is built: every
widget in it mounted and every Markdown in it done (its blocks mounted). Frames are timed where
Textual renders them (Screen._compositor_refresh), so building, styling and drawing are all inside
the figure; the engine's results for a demo tab are not (they come when it has computed them).
Each figure is wall time from the key press; beside it the UI process's CPU time for the same span
(less noisy on a loaded machine).

The first key is pressed once the engine has said which device it uses and the app's preload
(tui/screen_preload.py: the section screens' modules, CSS and parsers, ~1 s of CPU on a thread) is
done, as both are while a learner reads the home screen. On a loaded 2-core machine the preload can
take a few seconds; a key pressed before it ends waits for what it has not done yet (up to ~0.5 s
more in the first open), as it would for a learner who pressed a key at once.

    .venv/bin/python benchmarks/bench_open.py                  # every section, 3 rounds, 100x30
    .venv/bin/python benchmarks/bench_open.py --sections 4,2,7,B,5 --rounds 2 --size 200x60

Target (issue 23): home -> first tab median <= 200 ms, max <= 400 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
os.environ["OPTCOURSE_HOME"] = tempfile.mkdtemp(prefix="bench-open-")  # a fresh learner: starts at home

from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Markdown, TabbedContent

from tui.app import OptCourseApp
from tui.config import AppConfig
from tui.garbage import tune_gc
from tui.screens.section import SectionScreen
from tui.sections import SECTIONS, find

_refresh = Screen._compositor_refresh
WATCH: dict = {}  # "until": a condition checked before each frame; "drawn": when the first frame where it held ended


def _timed_refresh(self) -> None:
    until = WATCH.get("until")
    ready = until is not None and "drawn" not in WATCH and until()
    _refresh(self)
    if ready:
        WATCH["drawn"] = (time.perf_counter(), time.process_time())


Screen._compositor_refresh = _timed_refresh  # type: ignore[method-assign]


def pane_complete(app: OptCourseApp, pane_id: str | None = None) -> bool:
    """The section screen shows `pane_id` (else its active pane), every widget in it mounted, every Markdown done."""
    screen = app.screen
    if not isinstance(screen, SectionScreen) or not screen.is_mounted:
        return False
    try:
        tabs = screen.query_one("#tabs", TabbedContent)
    except NoMatches:
        return False
    pane_id = pane_id or tabs.active
    if not pane_id or tabs.active != pane_id:
        return False
    pane = tabs.get_pane(pane_id)
    widgets: list[Widget] = [pane, *pane.query("*")]
    if not all(w.is_mounted for w in widgets) or len(widgets) < 2:
        return False
    for md in pane.query(Markdown):
        shown = all(node.display for node in (md, *md.ancestors_with_self) if isinstance(node, Widget))
        if shown and (md._initial_markdown is not None or not md.children):
            return False
    return True


async def timed(pilot, key: str, until) -> tuple[float, float]:
    """(wall ms, UI CPU ms) from pressing `key` to the end of the first frame drawn once `until()` holds."""
    WATCH.clear()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    WATCH["until"] = until
    await pilot.press(key)
    deadline = time.monotonic() + 30
    while "drawn" not in WATCH:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{key} on {pilot.app.screen!r}: nothing drawn in 30 s")
        await asyncio.sleep(0.002)
    wall, cpu = WATCH["drawn"]
    WATCH.clear()
    return 1000 * (wall - wall0), 1000 * (cpu - cpu0)


def ready(app: OptCourseApp) -> bool:
    """The engine has said which device it uses, and the screens' preload is done."""
    return app.runner.device_label is not None and app.preload is not None and not app.preload.is_alive()


async def measure(keys: list[str], rounds: int, size: tuple[int, int], switches: bool) -> tuple[dict, dict]:
    opens: dict[str, list[tuple[float, float]]] = {}
    tabs: dict[str, list[tuple[float, float]]] = {}
    app = OptCourseApp(AppConfig(device="cpu", warm_up=True, engine="process"))
    tune_gc()  # as tui.cli.main does
    async with app.run_test(size=size) as pilot:
        start = time.monotonic()
        deadline = start + 120
        while not ready(app) and time.monotonic() < deadline:
            await pilot.pause(0.05)
        print(f"engine and preload ready {time.monotonic() - start:.1f} s after start")
        for _ in range(rounds):
            for key in keys:
                section = find(key)
                opens.setdefault(section.number, []).append(await timed(pilot, key, lambda: pane_complete(app)))
                if switches:
                    screen = app.screen
                    panes = [p.id for p in screen.query_one("#tabs", TabbedContent).query("TabPane")]
                    for pane_id in panes[1:]:
                        name = f"{section.number} -> {pane_id}"
                        until = lambda pid=pane_id: pane_complete(app, pid)
                        tabs.setdefault(name, []).append(await timed(pilot, "ctrl+pagedown", until))
                await pilot.pause(0.1)
                app.screen.cancel_runs() if isinstance(app.screen, SectionScreen) else None
                app.go_home()
                await pilot.pause(0.1)
        app.runner.shutdown()
    return opens, tabs


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))]


def report(title: str, figures: dict[str, list[tuple[float, float]]]) -> list[float]:
    print(f"{title:22s} {'n':>3s} {'p50 ms':>7s} {'p95 ms':>7s} {'max ms':>7s} {'cpu p50':>8s}")
    walls = []
    for name, values in figures.items():
        wall = [v[0] for v in values]
        walls += wall
        cpu = [v[1] for v in values]
        print(
            f"{name:22s} {len(wall):3d} {statistics.median(wall):7.0f} {percentile(wall, 95):7.0f}"
            f" {max(wall):7.0f} {statistics.median(cpu):8.0f}"
        )
    return walls


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default=",".join(s.number for s in SECTIONS), help="e.g. 4,2,7,B,5")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", default="100x30")
    parser.add_argument("--no-switches", action="store_true", help="only home -> first tab")
    args = parser.parse_args(argv)
    w, h = map(int, args.size.split("x"))
    keys = [k.strip() for k in args.sections.split(",")]
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; size {args.size}")
    opens, tabs = asyncio.run(measure(keys, args.rounds, (w, h), not args.no_switches))
    walls = report("home -> first tab", opens)
    print(
        f"all opens: median {statistics.median(walls):.0f} ms, max {max(walls):.0f} ms"
        f"  (target median <= 200, max <= 400)"
    )
    if tabs:
        walls = report("tab switch", tabs)
        print(f"all switches: p50 {statistics.median(walls):.0f} ms, p95 {percentile(walls, 95):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
