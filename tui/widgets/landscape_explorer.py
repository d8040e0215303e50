"""The offline loss-landscape explorer: a toy 2-D surface, its minima, a movable start and the descent path."""

from __future__ import annotations

import math

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from .heatmap import Overlay, colorbar_text
from .point_map import PointMap
from .stepper import Stepper

LETTERS = "ABCDEFGH"
START = (3.0, 3.0)


class LandscapeExplorer(Horizontal):
    """Controls on the left, the map on the right; posts Changed whenever start, lr or momentum change.

    The owner runs the descent and hands the events back to `show(events)`.
    """

    DEFAULT_CSS = """
    LandscapeExplorer { height: 1fr; }
    LandscapeExplorer #ls-controls { width: 36; height: 1fr; padding: 0 1; }
    LandscapeExplorer #ls-controls > Static { height: auto; margin-top: 1; }
    LandscapeExplorer #ls-note { color: $text-muted; margin: 0 0 1 0; }
    LandscapeExplorer #ls-result { color: $text; text-style: bold; }
    LandscapeExplorer #ls-right { width: 1fr; height: 1fr; }
    LandscapeExplorer #ls-map { height: 1fr; }
    LandscapeExplorer #ls-bar { height: 1; padding: 0 1; }
    """

    class Changed(Message):
        """The start point, learning rate or momentum changed: time to descend again."""

        def __init__(self, explorer: LandscapeExplorer) -> None:
            super().__init__()
            self.explorer = explorer

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        from engine.sections import landscape

        self.surface = landscape
        self.start = START
        self.path = None

    def compose(self) -> ComposeResult:
        with Vertical(id="ls-controls"):
            yield Static("Toy surface: a bowl with 4 Gaussian wells, not a network's loss.", id="ls-note")
            yield Stepper("lr", 0.3, 1e-2, 30.0, 0.1, scale="log", label_width=9, id="ls-lr")
            yield Stepper("momentum", 0.0, 0.0, 0.99, 0.01, label_width=9, id="ls-momentum")
            yield Static("", id="ls-start")
            yield Static("", id="ls-result")
            yield Static("", id="ls-minima")
        with Vertical(id="ls-right"):
            yield PointMap(cmap="viridis", id="ls-map")
            yield Static("", id="ls-bar")

    def on_mount(self) -> None:
        m = self.query_one(PointMap)
        m.set_data(self.surface.grid(121, 121), extent=self.surface.EXTENT)
        self.query_one("#ls-minima", Static).update(self._minima_text(None))
        self._draw()

    @property
    def lr(self) -> float:
        return self.query_one("#ls-lr", Stepper).value

    @property
    def momentum(self) -> float:
        return self.query_one("#ls-momentum", Stepper).value

    def on_resize(self) -> None:
        m = self.query_one(PointMap)
        self.query_one("#ls-bar", Static).update(colorbar_text(m.vmin, m.vmax, m.cmap, max(10, m.size.width)))

    @on(PointMap.Moved)
    def _moved(self, event: PointMap.Moved) -> None:
        event.stop()
        x0, x1, y0, y1 = self.surface.EXTENT
        x = min(max(self.start[0] + event.dx, x0), x1)
        y = min(max(self.start[1] + event.dy, y0), y1)
        self.start = (round(x, 6), round(y, 6))
        self.path = None
        self._draw()
        self.post_message(self.Changed(self))

    @on(Stepper.Changed, "#ls-lr, #ls-momentum")
    def _stepped(self, event: Stepper.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self))

    def show(self, events: list) -> None:
        """Draw a run's events: the path, where it ended, or that it diverged."""
        for e in events:
            name = type(e).__name__
            if name == "DescentPath":
                self.path = e
            elif name == "Diverged":
                self.query_one("#ls-result", Static).update(
                    f"diverged at iteration {e.iteration}: the path left the map; lower lr or momentum"
                )
            elif name == "Failed":
                self.query_one("#ls-result", Static).update(e.message)
        self._draw()

    def _minima_text(self, reached: int | None) -> str:
        lines = ["minima (deepest first):"]
        for i, m in enumerate(self.surface.minima()):
            mark = " ◀" if i == reached else ""
            lines.append(f"{LETTERS[i]} ({m.x:+.2f}, {m.y:+.2f}) f = {m.value:+.3f}{mark}")
        return "\n".join(lines)

    def _draw(self) -> None:
        ms = self.surface.minima()
        overlays = []
        p = self.path
        if p is not None:
            overlays.append(Overlay(p.xs, p.ys, "white", "•"))
        overlays += [Overlay([m.x], [m.y], "#ff5050", LETTERS[i], line=False) for i, m in enumerate(ms)]
        overlays.append(Overlay([self.start[0]], [self.start[1]], "yellow", "●", line=False))
        self.query_one(PointMap).set_overlays(overlays)
        sx, sy = self.start
        self.query_one("#ls-start", Static).update(
            f"start ● ({sx:+.2f}, {sy:+.2f}), f = {float(self.surface.value(sx, sy)):+.3f}\n"
            "on the map: arrows move it (shift: big)"
        )
        result = self.query_one("#ls-result", Static)
        if p is None:
            result.update("descending…")
        elif p.reached is not None:
            m = ms[p.reached]
            rank = "the deepest" if p.reached == 0 else f"depth rank {p.reached + 1} of {len(ms)}"
            result.update(f"reached {LETTERS[p.reached]} ({rank}) in {p.steps} steps: f = {m.value:+.3f}")
        elif all(map(math.isfinite, (p.xs[-1], p.ys[-1]))) and abs(p.xs[-1]) < 1e3 and abs(p.ys[-1]) < 1e3:
            result.update(f"not settled after {p.steps} steps (f = {p.values[-1]:+.3f}): still moving")
        self.query_one("#ls-minima", Static).update(self._minima_text(p.reached if p is not None else None))
