"""Live loss curves of several optimizers: one panel each or overlaid, raw and EMA-smoothed."""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widget import Widget

from .chart import Chart, downsample
from .smoothing import ema

SMOOTHING = 0.9  # EMA weight: about the last ten iterations
YLIM = (0.0, 2.5)  # the course's y-limits
FAINT = (88, 88, 96)  # the raw curve under a smoothed one
REDRAW_SECONDS = 0.2  # live curves redraw at most this often; plotext rebuilds whole figures


class OptimizerCurves(Widget):
    """Loss per iteration of named runs; `view` is "panels" or "overlay", `smoothed` adds the EMA.

    Data arrives in pieces (`add`), redraws are throttled to REDRAW_SECONDS, and a run that
    went non-finite is marked with `diverge(name, k)` so its curve ends at iteration k.
    """

    DEFAULT_CSS = """
    OptimizerCurves { height: 1fr; min-height: 8; }
    OptimizerCurves > Horizontal { height: 1fr; }
    OptimizerCurves .panel { width: 1fr; height: 1fr; min-height: 6; }
    OptimizerCurves #overlay { height: 1fr; display: none; }
    OptimizerCurves.-overlay #overlay { display: block; }
    OptimizerCurves.-overlay > Horizontal { display: none; }
    """

    view: reactive[str] = reactive("panels", init=False)
    smoothed: reactive[bool] = reactive(True, init=False)

    def __init__(
        self,
        names: tuple[str, ...],
        colors: dict[str, tuple[int, int, int]],
        max_steps: int,
        *,
        id: str | None = None,
        classes: str | None = None,
    ):
        super().__init__(id=id, classes=classes)
        self.names, self.series_colors = names, colors
        self.max_steps = max_steps
        self.losses: dict[str, list[float]] = {n: [] for n in names}
        self.diverged_at: dict[str, int] = {}
        self._dirty = True

    def compose(self) -> ComposeResult:
        with Horizontal():
            for i, name in enumerate(self.names):
                yield Chart(self._panel_drawer(name), id=f"panel-{i}", classes="panel")
        yield Chart(self._overlay_drawer, id="overlay")

    def on_mount(self) -> None:
        self.set_interval(REDRAW_SECONDS, self._redraw_if_dirty)

    # -- data ---------------------------------------------------------------------------------
    def reset(self, max_steps: int) -> None:
        self.max_steps = max_steps
        self.losses = {n: [] for n in self.names}
        self.diverged_at = {}
        self.redraw()

    def add(self, name: str, start: int, values) -> None:
        curve = self.losses[name]
        del curve[start:]  # a repeated chunk replaces, never duplicates
        curve.extend(values)
        self._dirty = True

    def diverge(self, name: str, iteration: int) -> None:
        self.diverged_at[name] = iteration
        self._dirty = True

    # -- drawing ------------------------------------------------------------------------------
    def watch_view(self, view: str) -> None:
        self.set_class(view == "overlay", "-overlay")
        self.redraw()

    def watch_smoothed(self) -> None:
        self.redraw()

    def _redraw_if_dirty(self) -> None:
        if self._dirty:
            self.redraw()

    def redraw(self) -> None:
        """Draw now (the visible charts only; the others are drawn when shown)."""
        self._dirty = False
        if self.view == "overlay":
            self.query_one("#overlay", Chart).refresh()
        else:
            for chart in self.query(".panel"):
                chart.refresh()

    def _series(self, name: str, width: int) -> tuple[list[float], list[float], list[float]]:
        """x, raw and smoothed y, at most ~2 points per braille column."""
        raw = self.losses[name]
        xs = list(range(len(raw)))
        smooth = ema(raw, SMOOTHING) if self.smoothed else raw
        points = max(2 * 2 * width, 50)
        _, raw_d = downsample(xs, raw, points)
        xd, smooth_d = downsample(xs, smooth, points)
        return xd, raw_d, smooth_d

    def _frame(self, plt, title: str, size) -> None:
        plt.title(title)
        plt.xlim(0, self.max_steps)
        plt.ylim(*YLIM)
        ticks = iteration_ticks(self.max_steps, max(2, size.width // 8))
        plt.xticks(ticks, [str(t) for t in ticks])
        # Half-unit ticks when there are rows for them (title, frame and x axis take about 5).
        yticks = [0, 0.5, 1, 1.5, 2, 2.5] if size.height - 5 >= 10 else [0, 1, 2]
        plt.yticks(yticks, [f"{t:g}" for t in yticks])
        plt.xlabel("iteration")

    def _panel_drawer(self, name: str):
        def draw(plt) -> None:
            chart = self.query_one(f"#panel-{self.names.index(name)}", Chart)
            k = self.diverged_at.get(name)
            self._frame(plt, name if k is None else f"{name}: diverged at {k}", chart.size)
            xs, raw, smooth = self._series(name, chart.size.width)
            if not xs:
                return
            if self.smoothed:
                plt.plot(xs, raw, color=FAINT, marker="braille")
            plt.plot(xs, smooth, color=self.series_colors[name], marker="braille")

        return draw

    def _overlay_drawer(self, plt) -> None:
        size = self.query_one("#overlay", Chart).size
        width = size.width
        self._frame(plt, "loss, smoothed (EMA 0.9)" if self.smoothed else "loss", size)
        # No plotext legend: it covers the top-left, where every curve starts; the summary
        # line above the chart names each optimizer in its colour instead.
        for name in self.names:
            xs, _, smooth = self._series(name, width)
            if xs:
                plt.plot(xs, smooth, color=self.series_colors[name], marker="braille")

    def summary(self) -> Text:
        """One line: each optimizer's latest smoothed loss, or where it diverged."""
        parts: list = ["EMA loss  " if self.smoothed else "loss  "]
        for i, name in enumerate(self.names):
            if i:
                parts.append("  ·  ")
            k = self.diverged_at.get(name)
            parts.append((name, "bold rgb({},{},{})".format(*self.series_colors[name])))
            if k is not None:
                parts.append((f" diverged at iteration {k}", "bold yellow"))
                continue
            curve = self.losses[name]
            value = (ema(curve, SMOOTHING)[-1] if self.smoothed else curve[-1]) if curve else None
            parts.append(" –" if value is None or not math.isfinite(value) else f" {value:.3f}")
        return Text.assemble(*parts, no_wrap=True, overflow="ellipsis")


def iteration_ticks(max_steps: int, most: int) -> list[int]:
    """Round iteration numbers from 0 for the x axis, at most `most` of them."""
    for step in (10, 20, 25, 50, 100, 200, 250, 500):
        if max_steps // step + 1 <= most:
            return list(range(0, max_steps + 1, step))
    return [0, max_steps]
