"""The offline loss-landscape explorer: a toy 2-D surface, its minima, a movable start and the descent path, played."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Static

from engine.contracts.nonconvex import EXPLORER_LR, EXPLORER_MOMENTUM, EXTENT, START, DescentPath, ToySurface
from engine.events import Diverged, Failed

from ..playback import PLAYER_STEPPER, Playback, starting_speed
from .heatmap import Overlay, colorbar_text
from .point_map import PointMap
from .status_line import StatusLine
from .stepper import Stepper

LETTERS = "ABCDEFGH"


class LandscapeExplorer(Horizontal):
    """Controls on the left, the map on the right; posts Changed whenever start, lr or momentum change.

    The owner runs the descent (asking for the surface while `surface` is None) and hands the
    events back to `show(events)`. Each path is played from its start (`playback`; the owner's
    player keys drive it), with a ● at the point reached and its f in the result line.
    """

    DEFAULT_CSS = """
    LandscapeExplorer { height: 1fr; }
    LandscapeExplorer #ls-controls { width: 36; height: 1fr; padding: 0 1; }
    LandscapeExplorer #ls-controls > Static { height: auto; margin-top: 1; }
    LandscapeExplorer #ls-controls > #ls-result { margin-top: 0; }
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
        self.surface: ToySurface | None = None  # sent by the engine with the first descent
        self.start = START
        self.path: DescentPath | None = None
        self.note = ""  # the run's verdict when it is not a minimum: diverged, or why it could not run
        self.playback = Playback(lambda frame: self._draw(), speed=starting_speed(self.app))

    def compose(self) -> ComposeResult:
        with Vertical(id="ls-controls"):
            yield Static("Toy surface: a bowl with 4 Gaussian wells, not a network's loss.", id="ls-note")
            yield Stepper("lr", **EXPLORER_LR.stepper_args(), **PLAYER_STEPPER, label_width=9, id="ls-lr")
            momentum = {**EXPLORER_MOMENTUM.stepper_args(), **PLAYER_STEPPER}
            yield Stepper("momentum", **momentum, label_width=9, id="ls-momentum")
            yield StatusLine("", id="ls-start")
            yield StatusLine("", id="ls-player")
            yield StatusLine("", id="ls-result")
            yield StatusLine("", id="ls-minima")
        with Vertical(id="ls-right"):
            yield PointMap(cmap="viridis", id="ls-map")
            yield Static("", id="ls-bar")

    def on_mount(self) -> None:
        self.playback.attach(self)
        self._draw()

    @property
    def lr(self) -> float:
        return self.query_one("#ls-lr", Stepper).value

    @property
    def momentum(self) -> float:
        return self.query_one("#ls-momentum", Stepper).value

    def on_resize(self) -> None:
        self._draw_bar()

    def _draw_bar(self) -> None:
        m = self.query_one(PointMap)
        bar = colorbar_text(m.vmin, m.vmax, m.cmap, max(10, m.size.width)) if self.surface is not None else ""
        self.query_one("#ls-bar", Static).update(bar)

    @on(PointMap.Moved)
    def _moved(self, event: PointMap.Moved) -> None:
        event.stop()
        x0, x1, y0, y1 = EXTENT
        x = min(max(self.start[0] + event.dx, x0), x1)
        y = min(max(self.start[1] + event.dy, y0), y1)
        self.start = (round(x, 6), round(y, 6))
        self.path, self.note = None, ""
        self.playback.clear()
        self._draw()
        self.post_message(self.Changed(self))

    @on(Stepper.Changed, "#ls-lr, #ls-momentum")
    def _stepped(self, event: Stepper.Changed) -> None:
        event.stop()
        self.note = ""
        self.post_message(self.Changed(self))

    def show(self, events: list) -> None:
        """Draw a run's events: the surface, the path, where it ended, or that it diverged."""
        for e in events:
            if isinstance(e, ToySurface):
                self.surface = e
                self.query_one(PointMap).set_data(e.z, extent=e.extent)
                self._draw_bar()
            elif isinstance(e, DescentPath):
                self.path = e
                self.playback.load(len(e.xs))
            elif isinstance(e, Diverged):
                self.note = f"diverged at iteration {e.iteration}: the path left the map; lower lr or momentum"
            elif isinstance(e, Failed):
                self.note = e.message
        self._draw()

    def _minima_text(self, reached: int | None) -> str:
        if self.surface is None:
            return ""
        lines = ["minima (deepest first):"]
        for i, m in enumerate(self.surface.minima):
            mark = " ◀" if i == reached else ""
            lines.append(f"{LETTERS[i]} ({m.x:+.2f}, {m.y:+.2f}) f = {m.value:+.3f}{mark}")
        return "\n".join(lines)

    def _draw(self) -> None:
        ms = self.surface.minima if self.surface is not None else ()
        overlays = []
        p, play = self.path, self.playback
        playing = p is not None and play.length > 0 and not play.at_end
        if p is not None:
            end = play.frame + 1 if playing else len(p.xs)
            overlays.append(Overlay(p.xs[:end], p.ys[:end], "white", "•"))
        overlays += [Overlay([m.x], [m.y], "#ff5050", LETTERS[i], line=False) for i, m in enumerate(ms)]
        overlays.append(Overlay([self.start[0]], [self.start[1]], "yellow", "●", line=False))
        if p is not None and playing:
            overlays.append(Overlay(p.xs[play.frame : play.frame + 1], p.ys[play.frame : play.frame + 1], "white", "●"))
        self.query_one(PointMap).set_overlays(overlays)
        self.query_one("#ls-player", StatusLine).show(play.label() if play.length else "")
        sx, sy = self.start
        # f at the start is the path's first value: the surface is the engine's, so it comes with the path.
        f = f"{p.values[0]:+.3f}" if p is not None else "…"
        self.query_one("#ls-start", StatusLine).show(
            f"start ● ({sx:+.2f}, {sy:+.2f}), f = {f}\non the map: arrows move it (shift: big)"
        )
        result = self.query_one("#ls-result", StatusLine)
        if p is None:
            result.show(self.note or "descending…")
        elif playing:
            k = play.frame
            result.show(f"at ({p.xs[k]:+.2f}, {p.ys[k]:+.2f}): f = {p.values[k]:+.3f}")
        elif self.note:
            result.show(self.note)
        elif p.reached is not None and p.reached < len(ms):
            m = ms[p.reached]
            rank = "the deepest" if p.reached == 0 else f"depth rank {p.reached + 1} of {len(ms)}"
            result.show(f"reached {LETTERS[p.reached]} ({rank}) in {p.steps} steps: f = {m.value:+.3f}")
        elif not p.escaped:
            result.show(f"not settled after {p.steps} steps (f = {p.values[-1]:+.3f}): still moving")
        self.query_one("#ls-minima", StatusLine).show(self._minima_text(p.reached if p is not None else None))
