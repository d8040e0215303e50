"""The linear model's 10 class filters (rows of W as images) in a 2x5 grid, or one of them zoomed, in two colourings."""

from __future__ import annotations

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from .heatmap import HeatMap, colorbar_text

FULL = 28  # one weight per pixel: 28 columns by 14 rows of half-block cells (two pixels per cell)
SIDE = 14  # where the full size does not fit: 2x2 blocks averaged, 14 columns by 7 rows
COLS, ROWS = 5, 2  # filters per row, rows


def downsample(w: np.ndarray, side: int = SIDE) -> np.ndarray:
    """Mean over (28/side)^2 blocks: (784,) or (28, 28) -> (side, side); side 28 is the weights themselves."""
    k = 28 // side
    return np.asarray(w, float).reshape(side, k, side, k).mean(axis=(1, 3))


def grid_size(side: int) -> tuple[int, int]:
    """(columns, rows) the grid takes at `side` pixels a filter: titles, half-block cells, gaps and the colour bar."""
    return COLS * (side + 1), ROWS * (1 + (side + 1) // 2) + 1


def zoom_factor(width: int, height: int) -> int:
    """Cells a weight takes across (and half-cells down) for one filter at full size in (width, height) cells."""
    return max(1, min(width // FULL, (height - 2) * 2 // FULL))  # the title and the legend take a row each


def side_that_fits(width: int, height: int) -> int:
    """28 where the ten filters fit whole at one weight per pixel in (width, height) cells, else 14."""
    full_w, full_h = grid_size(FULL)
    return FULL if width >= full_w and height >= full_h else SIDE


class FilterGrid(Vertical):
    """Ten HeatMaps titled "Class k" on one diverging scale, symmetric about zero, with a colour bar.

    The scale is ±(98th percentile of |w|) over all ten, so the filters compare and the few larger weights saturate.
    `zoom(k, factor)` shows class k alone, every weight drawn `factor` cells wide (None: all ten again);
    `colouring` "own" draws each filter from its own 2nd to 98th percentile in gray, as the course's imshow.
    """

    DEFAULT_CSS = """
    FilterGrid { height: auto; width: auto; }
    FilterGrid > Horizontal { height: auto; width: auto; }
    FilterGrid .filter-cell { width: auto; height: auto; margin-right: 1; }
    FilterGrid .filter-title { width: 100%; height: 1; text-align: center; color: $text-muted; }
    FilterGrid #filter-colorbar { width: auto; height: 1; }
    FilterGrid #filter-zoom-cell { display: none; width: auto; height: auto; }
    FilterGrid.-zoomed > Horizontal { display: none; }
    FilterGrid.-zoomed #filter-zoom-cell { display: block; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.limit = 0.0
        self.side = SIDE  # pixels a side of each filter as drawn (set_side)
        self._weights: np.ndarray | None = None  # the last filters, (10, 28, 28)
        self.zoomed: int | None = None  # the class shown alone, if any
        self.factor = 1  # cells a weight takes across when zoomed
        # "shared": red/blue on one scale for all ten (signs compare across classes); "own": dark to light
        # on each filter's own range, as the course's imshow(cmap="gray_r") but light on a dark terminal.
        self.colouring = "shared"

    def compose(self) -> ComposeResult:
        for row in range(2):
            with Horizontal():
                for k in range(5 * row, 5 * row + 5):
                    with Vertical(classes="filter-cell"):
                        yield Static(f"Class {k}", classes="filter-title")
                        yield HeatMap(cmap="rdbu", fit="pixel", id=f"filter-{k}")
        with Vertical(id="filter-zoom-cell"):
            yield Static("", classes="filter-title", id="filter-zoom-title")
            yield HeatMap(cmap="rdbu", fit="pixel", id="filter-zoom")
        yield Static("", id="filter-colorbar")

    def on_mount(self) -> None:
        self._draw()

    def set_side(self, side: int) -> None:
        """Draw each filter `side` pixels a side (28: every weight; 14: 2x2 blocks averaged)."""
        if side != self.side:
            self.side = side
            self._draw()

    def zoom(self, k: int | None, factor: int = 1) -> None:
        """Class k alone at full size, each weight `factor` cells wide (None: the ten again)."""
        self.zoomed, self.factor = k, factor
        self.set_class(k is not None, "-zoomed")
        self._draw()

    def set_colouring(self, colouring: str) -> None:
        self.colouring = colouring
        self._draw()

    def set_filters(self, weights) -> None:
        """weights: 10 sequences of 784; red is positive, blue negative (RdBu, as in matplotlib)."""
        self._weights = np.asarray(weights, float).reshape(10, 28, 28)
        self._draw()

    def _draw(self) -> None:
        w = self._weights
        if w is None:  # blank until the first weights arrive, but already at full size
            for k in range(10):
                self.query_one(f"#filter-{k}", HeatMap).set_data(np.zeros((self.side, self.side)), vmin=-1, vmax=1)
            return
        small = [downsample(w[k], self.side) for k in range(10)]
        # A robust range: a few extreme pixels would otherwise wash every filter out to white.
        self.limit = float(np.percentile(np.abs(small), 98)) or 1.0
        for k in range(10):
            self._paint(self.query_one(f"#filter-{k}", HeatMap), small[k])
        if self.zoomed is not None:
            big = np.kron(w[self.zoomed], np.ones((self.factor, self.factor)))  # square blocks: the shape kept
            self._paint(self.query_one("#filter-zoom", HeatMap), big)
            self.query_one("#filter-zoom-title", Static).update(f"<  Class {self.zoomed}  >")  # < and > go round
        z = "z all" if self.zoomed is not None else "z zoom"
        if self.colouring == "shared":
            legend = colorbar_text(-self.limit, self.limit, "rdbu", 40).append(f"  blue −, red + · c gray · {z}")
        else:  # no numbers: each filter has its own
            legend = Text(f"weights: dark low, light high, each filter its own range · c red/blue · {z}")
        self.query_one("#filter-colorbar", Static).update(legend)

    def _paint(self, heatmap: HeatMap, z: np.ndarray) -> None:
        if self.colouring == "shared":
            heatmap.set_data(z, vmin=-self.limit, vmax=self.limit, cmap="rdbu")
        else:  # the course's imshow scales each image alone; percentiles keep a few pixels from taking it all
            lo, hi = np.percentile(z, [2, 98])
            heatmap.set_data(z, vmin=float(lo), vmax=float(hi) if hi > lo else float(lo) + 1.0, cmap="gray")
