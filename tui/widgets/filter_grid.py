"""The linear model's 10 class filters (rows of W as images) in a 2x5 grid, downsampled to 14x14 pixels."""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from .heatmap import HeatMap, colorbar_text

SIDE = 14  # 28x28 weights averaged over 2x2 blocks: 14 columns by 7 rows of half-block cells


def downsample(w: np.ndarray, side: int = SIDE) -> np.ndarray:
    """Mean over (28/side)^2 blocks: (784,) or (28, 28) -> (side, side)."""
    k = 28 // side
    return np.asarray(w, float).reshape(side, k, side, k).mean(axis=(1, 3))


class FilterGrid(Vertical):
    """Ten HeatMaps titled "Class k" on one diverging scale, symmetric about zero, with a colour bar.

    The scale is ±(98th percentile of |w|) over all ten, so the filters compare and the few larger weights saturate.
    """

    DEFAULT_CSS = """
    FilterGrid { height: auto; width: auto; }
    FilterGrid > Horizontal { height: auto; width: auto; }
    FilterGrid .filter-cell { width: 14; height: auto; margin-right: 1; }
    FilterGrid .filter-title { width: 14; height: 1; text-align: center; color: $text-muted; }
    FilterGrid #filter-colorbar { width: 74; height: 1; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.limit = 0.0

    def compose(self) -> ComposeResult:
        for row in range(2):
            with Horizontal():
                for k in range(5 * row, 5 * row + 5):
                    with Vertical(classes="filter-cell"):
                        yield Static(f"Class {k}", classes="filter-title")
                        yield HeatMap(cmap="rdbu", fit="pixel", id=f"filter-{k}")
        yield Static("", id="filter-colorbar")

    def on_mount(self) -> None:
        for k in range(10):  # blank until the first weights arrive, but already at full size
            self.query_one(f"#filter-{k}", HeatMap).set_data(np.zeros((SIDE, SIDE)), vmin=-1, vmax=1)

    def set_filters(self, weights) -> None:
        """weights: 10 sequences of 784; red is positive, blue negative (RdBu, as in matplotlib)."""
        w = np.asarray(weights, float).reshape(10, 28, 28)
        small = [downsample(w[k]) for k in range(10)]
        # A robust range: a few extreme pixels would otherwise wash every filter out to white.
        self.limit = float(np.percentile(np.abs(small), 98)) or 1.0
        for k in range(10):
            self.query_one(f"#filter-{k}", HeatMap).set_data(small[k], vmin=-self.limit, vmax=self.limit)
        bar = colorbar_text(-self.limit, self.limit, "rdbu", 40)
        self.query_one("#filter-colorbar", Static).update(bar.append("  weight: blue −, red +"))
