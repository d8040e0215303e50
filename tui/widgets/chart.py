"""A plotext chart that redraws from scratch on every render, plus axis and downsampling helpers."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from textual_plotext import PlotextPlot

from .smoothing import ema as ema  # re-exported: its home is tui.widgets.smoothing

Drawer = Callable[..., None]


class Chart(PlotextPlot):
    """PlotextPlot whose figure is rebuilt by a drawer function at every render.

    plotext transforms stored data while building (its log scale is applied in place),
    so a figure built twice can be wrong; rebuilding from our own data each time avoids
    that class of bug entirely, and resizes come for free.
    """

    DEFAULT_CSS = "Chart { width: 1fr; height: 1fr; min-height: 6; }"

    def __init__(self, drawer: Drawer | None = None, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self._drawer = drawer

    def draw(self, drawer: Drawer | None) -> None:
        """Replace what the chart shows; `drawer(plt)` gets a cleared plotext figure."""
        self._drawer = drawer
        self.refresh()

    def render(self):
        self.plt.clear_figure()
        if self._drawer is not None:
            self._drawer(self.plt)
        return super().render()


def decade_ticks(lo: float, hi: float, max_ticks: int = 8) -> tuple[list[float], list[str]]:
    """Tick positions (log10 values) and labels like "1e-3" for a log10 axis spanning [lo, hi]."""
    first, last = math.floor(lo), math.ceil(hi)
    stride = max(1, math.ceil((last - first + 1) / max_ticks))
    ticks = [float(k) for k in range(first, last + 1, stride)]
    return ticks, [decade_label(k) for k in ticks]


def decade_label(k: float) -> str:
    k = int(round(k))
    return {0: "1", 1: "10", -1: "0.1", 2: "100"}.get(k, f"1e{k}")


def log10_clamped(values: Sequence[float], floor: float = 1e-16) -> list[float]:
    """log10 of each value, clamped below at `floor` (zero distance stays plottable)."""
    return [math.log10(max(abs(v), floor)) if math.isfinite(v) else math.nan for v in values]


def downsample(xs: Sequence[float], ys: Sequence[float], points: int) -> tuple[list[float], list[float]]:
    """At most about `points` points, keeping each bucket's first x and mean y (curves stay cheap to draw)."""
    n = len(xs)
    if n <= points or points <= 0:
        return list(xs), list(ys)
    step = n / points
    out_x, out_y = [], []
    for b in range(points):
        i, j = int(b * step), max(int((b + 1) * step), int(b * step) + 1)
        chunk = [y for y in ys[i:j] if math.isfinite(y)]
        out_x.append(xs[i])
        out_y.append(sum(chunk) / len(chunk) if chunk else math.nan)
    return out_x, out_y
