"""Section 5's real loss landscape: log10 of the trained MLP's loss on a random or a PCA plane, with contours."""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import ProgressBar, Static

from engine.contracts.nonconvex_landscape import LandscapeGrid, LandscapeStart, TrainedModel, TrajectoryProjection
from engine.events import Diverged, Done, Failed, Progress, Status

from .focus_style import FocusStylesSelf
from .heatmap import HeatMap, Overlay, colorbar_text

MAP = "viridis"
CONTOURS = 6  # iso-lines, evenly spaced in log10(loss) between the plane's lowest and highest
PLANES = {"random": "random plane", "pca": "path plane (PCA)"}
TRAINED, START, PATH = "rgb(255,80,80)", "yellow", "white"
KEYS = "m narrow/wide · v random/path plane · r run again · Esc stop"


def sizes(hidden) -> str:
    return f"[{', '.join(map(str, hidden))}]"


def tick(v: float) -> str:
    """At most six characters: 0.62, -3.7, -0.054, 1e-03."""
    return f"{v:.2g}" if abs(v) >= 0.01 or v == 0 else f"{v:.0e}"


class Ticks(Widget):
    """Three values of an axis beside (vertical) or under (horizontal) the map: its ends and its middle."""

    DEFAULT_CSS = """
    Ticks { color: $text-muted; }
    Ticks.-vertical { width: 7; height: 1fr; }
    Ticks.-horizontal { height: 1; width: 1fr; padding-left: 7; }
    """

    def __init__(self, vertical: bool, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="-vertical" if vertical else "-horizontal")
        self.vertical = vertical
        self.values: tuple[float, float] | None = None  # None: no plane drawn, no ticks

    def set_range(self, lo: float, hi: float) -> None:
        self.values = (lo, hi)
        self.refresh()

    def clear(self) -> None:
        self.values = None
        self.refresh()

    def render(self) -> Text:
        if self.values is None:
            return Text("")
        lo, hi = self.values
        labels = [tick(lo), tick((lo + hi) / 2), tick(hi)]
        if self.vertical:  # the top is the highest
            h = self.size.height
            rows = [""] * h
            if h >= 3:
                rows[0], rows[(h - 1) // 2], rows[-1] = labels[2], labels[1], labels[0]
            return Text("\n".join(r.rjust(self.size.width - 1) for r in rows), no_wrap=True)
        w = self.size.width
        line = list(labels[0].ljust(w))
        mid = max(0, (w - len(labels[1])) // 2)
        line[mid : mid + len(labels[1])] = labels[1]
        line[w - len(labels[2]) :] = labels[2]
        return Text("".join(line)[:w], no_wrap=True)


class RealLandscape(FocusStylesSelf, Horizontal, can_focus=True):
    """The numbers and keys on the left; the map of log10(loss) with its axes, contours and colour bar on the right.

    The owner runs the LandscapeJob and hands its events to `show(events)`; `switch_model` and
    `switch_plane` change what is drawn (both models' planes arrive in one job).
    """

    DEFAULT_CSS = """
    RealLandscape { height: 1fr; }
    RealLandscape #rl-info { width: 38; height: 1fr; padding: 0 1; }
    RealLandscape #rl-info > Static { height: auto; margin-bottom: 1; }
    RealLandscape #rl-keys { color: $text-muted; }
    RealLandscape #rl-status { color: $text-muted; }
    RealLandscape #rl-progress Bar { width: 1fr; }
    RealLandscape #rl-right { width: 1fr; height: 1fr; }
    RealLandscape #rl-title { height: 1; text-style: bold; }
    RealLandscape #rl-row { height: 1fr; }
    RealLandscape #rl-map { height: 1fr; }
    RealLandscape #rl-bar { height: 1; padding-left: 7; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.starts: dict[int, LandscapeStart] = {}
        self.trained: dict[int, TrainedModel] = {}
        self.grids: dict[tuple[int, str], LandscapeGrid] = {}
        self.paths: dict[int, TrajectoryProjection] = {}
        self.diverged: dict[int, int] = {}
        self.model, self.plane = 0, "random"

    def compose(self) -> ComposeResult:
        with Vertical(id="rl-info"):
            yield Static("", id="rl-model")
            yield Static("", id="rl-axes")
            yield Static("", id="rl-compare")
            yield Static(KEYS, id="rl-keys")
            yield ProgressBar(total=1, show_eta=False, id="rl-progress")
            yield Static("", id="rl-status")
        with Vertical(id="rl-right"):
            yield Static("", id="rl-title")
            with Horizontal(id="rl-row"):
                yield Ticks(True, id="rl-yticks")
                yield HeatMap(cmap=MAP, id="rl-map")
            yield Ticks(False, id="rl-xticks")
            yield Static("", id="rl-bar")

    def on_mount(self) -> None:
        self._draw()

    def clear(self) -> None:
        """A new job: forget the last one's results."""
        self.starts, self.trained, self.grids, self.paths, self.diverged = {}, {}, {}, {}, {}
        self.query_one("#rl-progress", ProgressBar).update(total=1, progress=0)
        self._status("starting: building the networks…")  # at once, before the first event
        self._draw()

    # -- events ---------------------------------------------------------------------------
    def show(self, events: list) -> None:
        """Take a batch of the job's events: progress and status as they come, each plane once it is computed."""
        if [e for e in events if self._take(e)]:
            self._draw()

    def _take(self, e) -> bool:
        """Keep or show one event; True when the picture must be redrawn."""
        if isinstance(e, LandscapeStart):
            self.starts[e.model] = e
        elif isinstance(e, TrainedModel):
            self.trained[e.model] = e
        elif isinstance(e, LandscapeGrid):
            self.grids[(e.model, e.plane)] = e
        elif isinstance(e, Diverged):
            models = {f"MLP {list(s.hidden)}": m for m, s in self.starts.items()}
            if e.label in models:
                self.diverged[models[e.label]] = e.iteration
        else:
            self._report(e)
            return False
        return True

    def _report(self, e) -> None:
        if isinstance(e, TrajectoryProjection):
            self.paths[e.model] = e  # drawn with its plane
        elif isinstance(e, Progress):
            self.query_one("#rl-progress", ProgressBar).update(total=e.total, progress=e.done)
            self._status(f"{e.label}: {e.done:,}/{e.total:,}…")
        elif isinstance(e, Status):
            self._status(e.text + "…")
        elif isinstance(e, Failed):
            self._status(f"failed: {e.message}")
        elif isinstance(e, Done):
            self._status("stopped: r runs again" if e.reason == "stopped" else f"done in {e.seconds:.1f} s")

    def _status(self, text: str) -> None:
        self.query_one("#rl-status", Static).update(text)

    def switch_model(self) -> None:
        """The next network of the job (narrow, wide, narrow, ...)."""
        models = sorted(self.starts) or [0]
        self.model = models[(models.index(self.model) + 1) % len(models)] if self.model in models else models[0]
        self._draw()

    def switch_plane(self) -> None:
        self.plane = "pca" if self.plane == "random" else "random"
        self._draw()

    # -- drawing --------------------------------------------------------------------------
    def on_resize(self) -> None:
        self.call_after_refresh(self._draw_bar)

    def _draw(self) -> None:
        self._draw_model()
        self._draw_compare()
        grid = self.grids.get((self.model, self.plane))
        hm = self.query_one("#rl-map", HeatMap)
        start = self.starts.get(self.model)
        name = f"MLP {sizes(start.hidden)}" if start else "the MLP"
        title = self.query_one("#rl-title", Static)
        if grid is None:
            why = "diverged, no plane" if self.model in self.diverged else "computing…"
            title.update(f"{name}, {PLANES[self.plane]}: {why}")
            hm.set_overlays([])
            hm.set_data(np.zeros((0, 0)))
            for selector in ("#rl-axes", "#rl-bar"):
                self.query_one(selector, Static).update("")
            for ticks in self.query(Ticks):
                ticks.clear()
            return
        title.update(f"{name}, {PLANES[self.plane]}: log10(loss)")
        z = np.log10(np.maximum(np.array(grid.loss, float), 1e-12))
        hm.set_data(z, extent=(grid.xs[0], grid.xs[-1], grid.ys[0], grid.ys[-1]))
        finite = z[np.isfinite(z)]
        if finite.size:
            levels = np.linspace(finite.min(), finite.max(), CONTOURS + 2)[1:-1].tolist()
            hm.set_contours(levels, color="rgb(235,235,235)")
        overlays = []
        path = self.paths.get(self.model)
        if self.plane == "pca" and path is not None:
            overlays.append(Overlay(path.xs, path.ys, PATH, "•"))
            overlays.append(Overlay(path.xs[:1], path.ys[:1], START, "●", line=False))
        overlays.append(Overlay([0.0], [0.0], TRAINED, "★", line=False))
        hm.set_overlays(overlays)
        self.query_one("#rl-yticks", Ticks).set_range(grid.ys[0], grid.ys[-1])
        self.query_one("#rl-xticks", Ticks).set_range(grid.xs[0], grid.xs[-1])
        self.query_one("#rl-axes", Static).update(self._axes_text(grid, path))
        self._draw_bar()

    def _axes_text(self, grid: LandscapeGrid, path: TrajectoryProjection | None) -> Text:
        centre = (f"★ trained weights, loss {grid.centre_loss:.3g}", TRAINED)
        if grid.plane == "random":
            return Text.assemble("x, y: random directions, filter-normalised (1 = each neuron's weight norm)\n", centre)
        explained = path.explained if path is not None else (math.nan, math.nan)
        axes = f"x: PCA 1, {explained[0]:.1%} of the path's variance\ny: PCA 2, {explained[1]:.1%}\n"
        return Text.assemble(axes, centre, "\n", ("●", START), " start  ", ("•", PATH), " training path")

    def _draw_bar(self) -> None:
        grid = self.grids.get((self.model, self.plane))
        if grid is None:
            return
        loss = np.array(grid.loss, float)
        finite = loss[np.isfinite(loss)]
        if not finite.size:
            return
        bar = self.query_one("#rl-bar", Static)
        width = max(12, bar.content_size.width - len("loss  (log)"))
        colours = colorbar_text(float(finite.min()), float(finite.max()), MAP, width)
        bar.update(Text.assemble("loss ", colours, " (log)"))

    def _draw_model(self) -> None:
        start, trained = self.starts.get(self.model), self.trained.get(self.model)
        model = self.query_one("#rl-model", Static)
        if start is None:
            model.update("training the network…")
            return
        text = Text(f"MLP {sizes(start.hidden)}: {start.num_params:,} parameters", style="bold")
        if trained is not None and trained.losses:
            steps = len(trained.losses) - 1
            text.append(f"\n{steps} full-batch GD steps, lr {start.lr:g}", style="")
        if self.model in self.diverged:
            text.append(f"\ndiverged at step {self.diverged[self.model]}", style="bold red")
        model.update(text)

    def _draw_compare(self) -> None:
        """Both networks in numbers: in the same steps the wider one reaches a far lower loss."""
        rows = [Text("loss: start → trained", style="dim")]
        for m in sorted(self.starts):
            t = self.trained.get(m)
            got = f"{t.losses[0]:.3g} → {t.final_loss:.3g}" if t is not None and t.losses else "…"
            rows.append(Text(f"{'▶' if m == self.model else ' '} {sizes(self.starts[m].hidden):<11} {got}"))
        self.query_one("#rl-compare", Static).update(Text("\n").join(rows) if len(rows) > 1 else "")
