"""Tests for the HeatMap: pixel colours, extent mapping of overlays, clipping, NaN colour, sizing, colour bar."""

from __future__ import annotations

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from tui.widgets.heatmap import HeatMap, Overlay, colorbar_text

WHITE, BLACK, MAGENTA = (255, 255, 255), (0, 0, 0), (255, 0, 255)


class MapApp(App):
    """A single HeatMap filling the screen (stretch) or sized by its data (pixel)."""

    def __init__(self, z, fit="stretch", cmap="gray", **data) -> None:
        super().__init__()
        self.z, self.fit, self.cmap, self.data = z, fit, cmap, data

    def compose(self) -> ComposeResult:
        yield HeatMap(cmap=self.cmap, fit=self.fit)

    def on_mount(self) -> None:
        self.query_one(HeatMap).set_data(np.asarray(self.z, float), **self.data)


def cells(hm: HeatMap, y: int) -> list[tuple[str, tuple | None, tuple | None]]:
    """(char, fg rgb, bg rgb) for every cell of rendered line y."""
    out = []
    for seg in hm.render_line(y):
        rgb = [c.get_truecolor() if c is not None else None for c in (seg.style.color, seg.style.bgcolor)]
        out += [(ch, *rgb) for ch in seg.text]
    return out


async def test_pixel_fit_gray_colours_and_size():
    app = MapApp([[0, 1], [1, 0]], fit="pixel", vmin=0, vmax=1)
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        hm = app.query_one(HeatMap)
        assert hm.size == (2, 1)
        assert cells(hm, 0) == [("▀", BLACK, WHITE), ("▀", WHITE, BLACK)]


async def test_pixel_fit_digit_is_28_by_14_and_odd_rows_pad():
    app = MapApp(np.zeros((28, 28)), fit="pixel")
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        hm = app.query_one(HeatMap)
        assert hm.size == (28, 14)
        hm.set_data(np.ones((3, 2)))
        await pilot.pause()
        assert hm.size == (2, 2)
        assert [bg for _, _, bg in cells(hm, 1)] == [None, None]  # no pixel under the last odd row


async def test_nan_and_inf_are_magenta():
    app = MapApp([[np.nan, 0.0], [np.inf, 1.0]], fit="pixel")
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        assert cells(app.query_one(HeatMap), 0) == [("▀", MAGENTA, MAGENTA), ("▀", BLACK, WHITE)]


async def test_extent_puts_row_zero_at_the_bottom():
    app = MapApp([[0, 0], [1, 1]], fit="pixel", extent=(0, 1, 0, 1))
    async with app.run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        assert cells(app.query_one(HeatMap), 0) == [("▀", WHITE, BLACK)] * 2


def surface() -> np.ndarray:
    x = np.linspace(-2, 2, 41)
    return x[None, :] ** 2 + np.linspace(-1, 1, 21)[:, None] ** 2


async def test_overlay_points_map_through_the_extent():
    app = MapApp(surface(), cmap="viridis", extent=(-2, 2, -1, 1))
    async with app.run_test(size=(60, 10)) as pilot:
        hm = app.query_one(HeatMap)
        hm.set_overlays([Overlay([0, -2, 2, 2.5, 0], [0, 1, -1, 0, -1.5], "#ff3030", "★", line=False)])
        await pilot.pause()
        grid = hm.overlay_grid()
        # 60x10 cells = 60x20 pixels: x 0 -> column 30, y 0 -> pixel row 10 -> cell row 5; corners go to corners.
        assert {tuple(map(int, rc)) for rc in np.argwhere(grid >= 0)} == {(5, 30), (0, 0), (9, 59)}
        char, fg, bg = cells(hm, 5)[30]
        assert char == "★" and fg == (255, 48, 48)
        assert bg == cells(hm, 5)[29][2]  # keeps the lower pixel's colour behind the glyph


async def test_lines_fill_between_points_and_clip_at_the_edge():
    app = MapApp(surface(), cmap="viridis", extent=(-2, 2, -1, 1))
    async with app.run_test(size=(60, 10)) as pilot:
        hm = app.query_one(HeatMap)
        hm.set_overlays(
            [
                Overlay([-1, 1], [0, 0], "white"),  # cells 15..45 on row 5
                Overlay([0, 3], [0.5, 0.5], "cyan"),  # leaves the map on the right: clipped, row 2
                Overlay([5, 6], [0, 0], "red"),  # wholly outside: nothing
                Overlay([0.0], [0.0], "yellow", "★"),  # drawn last, so on top of the white line
            ]
        )
        await pilot.pause()
        grid = hm.overlay_grid()
        assert np.flatnonzero(grid[5] >= 0).tolist() == list(range(15, 46))
        assert grid[5, 30] == 3 and grid[5, 29] == 0
        assert np.flatnonzero(grid[2] == 1).tolist() == list(range(30, 60))
        assert (grid == 2).sum() == 0 and (grid >= 0).sum() == 31 + 30
        assert "".join(ch for ch, *_ in cells(hm, 5))[15:46] == "•" * 15 + "★" + "•" * 15


async def test_index_coordinates_without_extent():
    app = MapApp(np.zeros((28, 28)), fit="pixel")
    async with app.run_test(size=(60, 20)) as pilot:
        hm = app.query_one(HeatMap)
        hm.set_overlays([Overlay([3, 27, 28], [4, 27, -1], "red", line=False)])  # (col, row); last is off
        await pilot.pause()
        assert {tuple(map(int, rc)) for rc in np.argwhere(hm.overlay_grid() >= 0)} == {(2, 3), (13, 27)}


def test_ranges_and_colorbar():
    hm = HeatMap(cmap="rdbu")
    hm.set_data(np.array([[-1.0, 3.0], [np.nan, 0.0]]))
    assert (hm.vmin, hm.vmax) == (-3.0, 3.0)  # diverging: symmetric about zero
    hm.set_data(np.array([[-1.0, 3.0]]), vmin=-1, vmax=1)
    assert (hm.vmin, hm.vmax) == (-1.0, 1.0)
    hm.set_data(np.array([[2.0, 5.0]]), cmap="viridis")
    assert (hm.vmin, hm.vmax) == (2.0, 5.0)
    bar = colorbar_text(0.001, 2.5, "viridis", 30)
    assert bar.cell_len == 30 and bar.plain.startswith("0.001 █") and bar.plain.endswith("█ 2.5")
    with pytest.raises(ValueError):
        HeatMap(cmap="jet")


class SnapshotApp(App):
    CSS = """
    #top { height: auto; }
    #surface { width: 1fr; height: 10; }
    #side { width: 18; height: auto; padding-left: 1; }
    Static { height: 1; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield HeatMap(id="surface", cmap="viridis")
            with Vertical(id="side"):
                yield HeatMap(id="digit", cmap="gray", fit="pixel")
                yield HeatMap(id="filter", cmap="rdbu", fit="pixel")
        yield Static(id="bar")

    def on_mount(self) -> None:
        x, y = np.linspace(-2, 2, 81), np.linspace(-1, 1, 41)
        z = 0.5 * x[None, :] ** 2 + 4 * y[:, None] ** 2
        surface = self.query_one("#surface", HeatMap)
        surface.set_data(z, extent=(-2, 2, -1, 1))
        t = np.arange(60)
        surface.set_overlays(
            [
                Overlay(-1.8 * 0.95**t, 0.9 * (-0.8) ** t, "white", label="SGD"),
                Overlay(-1.8 * 0.9**t * np.cos(0.3 * t), 0.9 * 0.9**t, "#ff3030", label="momentum"),
                Overlay([0.0], [0.0], "yellow", "★", line=False),
            ]
        )
        r = np.hypot(*np.meshgrid(np.arange(16) - 7.5, np.arange(16) - 7.5))
        self.query_one("#digit", HeatMap).set_data(np.exp(-((r - 5) ** 2)))
        weights = np.sin(np.arange(48).reshape(6, 8) / 3) - 0.3
        weights[0, 0] = np.nan
        self.query_one("#filter", HeatMap).set_data(weights)
        self.query_one("#bar", Static).update(colorbar_text(surface.vmin, surface.vmax, "viridis", 40))


def test_snapshot(snap_compare):
    assert snap_compare(SnapshotApp(), terminal_size=(60, 12))


async def test_moving_a_marker_rebuilds_only_the_rows_it_left_and_entered():
    app = MapApp(surface(), cmap="viridis", extent=(-2, 2, -1, 1))
    async with app.run_test(size=(60, 10)) as pilot:
        hm = app.query_one(HeatMap)
        path = Overlay([-1.5, -1, 0, 1], [-0.8, -0.4, 0, 0.6], "white")
        hm.set_overlays([path, Overlay([-1], [-0.4], "red", "●", line=False)])
        await pilot.pause()
        before = list(hm._strips)
        hm.set_overlays([path, Overlay([0], [0], "red", "●", line=False)])  # the marker moves on along the path
        after = list(hm._strips)
        changed = [r for r, (a, b) in enumerate(zip(before, after)) if a is not b]
        assert changed == [5, 7]  # rows 7 (left) and 5 (entered); the others are the same Strip objects
        hm.set_data(surface(), extent=(-2, 2, -1, 1))  # and it equals the map drawn from scratch
        assert [list(s) for s in hm._strips] == [list(s) for s in after]
        after = list(hm._strips)
        hm.set_overlays([path, Overlay([0], [0], "yellow", "●", line=False)])  # same cell, another colour
        assert [r for r, (a, b) in enumerate(zip(after, hm._strips)) if a is not b] == [5]


async def test_contours_follow_the_iso_lines_under_the_overlays():
    x = np.linspace(-2, 2, 81)
    bowl = x[None, :] ** 2 + x[:, None] ** 2  # circles around the origin
    app = MapApp(bowl, cmap="viridis", extent=(-2, 2, -2, 2))
    async with app.run_test(size=(40, 20)) as pilot:  # 40 x 40 square pixels
        hm = app.query_one(HeatMap)
        hm.set_contours([1.0])
        await pilot.pause()
        grid = hm.contour_grid()
        on = np.argwhere(grid >= 0)
        # every marked cell lies near the unit circle: its centre in data units is about 1 from the origin
        cx, cy = (on[:, 1] + 0.5) / 40 * 4 - 2, 2 - (on[:, 0] + 0.5) / 20 * 4
        radius = np.hypot(cx, cy)
        assert len(on) > 20 and np.abs(radius - 1).max() < 0.25
        text = [hm.render_line(y).text for y in range(20)]

        def near(px: float, py: float) -> set[str]:
            """The glyphs drawn in and around the cell of data point (px, py)."""
            r, c = int((2 - py) / 4 * 20), int((px + 2) / 4 * 40)
            return {text[i][j] for i in range(r - 1, r + 2) for j in range(c - 1, c + 2)} - {"▀"}

        assert near(0, 1) == {"─"} and near(0, -1) == {"─"}  # top and bottom of the circle
        assert near(1, 0) == {"│"} and near(-1, 0) == {"│"}  # its sides
        assert near(0.72, 0.72) == {"╲"} and near(-0.72, 0.72) == {"╱"}  # upper right falls, upper left rises
        assert max(len(row.strip("▀")) - len(row.strip("▀").replace("│", "")) for row in text) == 2  # one cell thin
        hm.set_overlays([Overlay([0.0], [1.0], "red", "★", line=False)])  # an overlay wins over a contour
        assert hm.render_line(int((2 - 1) / 4 * 20)).text[20] == "★"
        hm.set_contours([])
        assert (hm.contour_grid() < 0).all() and "─" not in "".join(hm.render_line(y).text for y in range(20))
