"""A half-block heat map widget (two pixels per cell) with trajectory overlays, plus a colour-bar helper."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from rich.color import Color as RichColor
from rich.color import ColorParseError
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

LEVELS = 64  # colours per map: plenty for a terminal, and it keeps the Style cache small
NAN = LEVELS  # level index of NaN / inf pixels
BLANK = LEVELS + 1  # level index of the padding pixel under an odd last row (no colour)
NAN_RGB = (255, 0, 255)
CONTOUR_CHARS = "─╲│╱"  # an iso-line's glyph by its direction: across, falling, up, rising

_ANCHORS = {
    "gray": ["#000000", "#ffffff"],
    "gray_r": ["#ffffff", "#000000"],
    "viridis": ["#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39", "#fde725"],
    "coolwarm": ["#3b4cc0", "#7b9ff9", "#c0d4f5", "#dddddd", "#f2cbb7", "#ee8468", "#b40426"],
    "rdbu": ["#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582", "#d6604d", "#b2182b"],
}
DIVERGING = {"coolwarm", "rdbu"}


def _interpolate(anchors: list[str]) -> np.ndarray:
    """(LEVELS, 3) uint8 colours interpolated linearly between the anchors."""
    rgb = np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in anchors], float)
    at, t = np.linspace(0, 1, len(rgb)), np.linspace(0, 1, LEVELS)
    return np.stack([np.interp(t, at, rgb[:, k]) for k in range(3)], 1).round().astype(np.uint8)


LUTS = {name: _interpolate(anchors) for name, anchors in _ANCHORS.items()}


def _lut(cmap: str) -> np.ndarray:
    if cmap not in LUTS:
        raise ValueError(f"unknown cmap {cmap!r}; choose from {sorted(LUTS)}")
    return LUTS[cmap]


def _color(c: int | str, cmap: str) -> RichColor | None:
    """A level index through the map (NaN magenta, BLANK none), or an overlay's colour name."""
    if isinstance(c, str):
        try:
            return RichColor.parse(c)
        except ColorParseError:  # Textual-only spellings such as "hsl(...)"
            return Color.parse(c).rich_color
    return None if c == BLANK else RichColor.from_rgb(*map(int, NAN_RGB if c == NAN else LUTS[cmap][c]))


def auto_range(z: np.ndarray, cmap: str, vmin: float | None, vmax: float | None) -> tuple[float, float]:
    """Fill in a missing vmin/vmax from the finite data; diverging maps get a range symmetric about 0."""
    finite = z[np.isfinite(z)]
    if cmap in DIVERGING and vmin is None and vmax is None:
        m = float(np.abs(finite).max()) if finite.size else 1.0
        return -m, m
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return (lo if vmin is None else vmin), (hi if vmax is None else vmax)


def quantise(z: np.ndarray, vmin: float, vmax: float) -> np.ndarray:
    """Level indices 0..LEVELS-1 for finite values (clipped to the range), NAN elsewhere."""
    with np.errstate(invalid="ignore", over="ignore"):
        t = (z - vmin) / (vmax - vmin) if vmax > vmin else np.full(z.shape, 0.5)
        levels = np.clip(np.floor(t * LEVELS), 0, LEVELS - 1)
    return np.where(np.isfinite(z), levels, NAN).astype(np.int16)


@dataclass(frozen=True)
class Overlay:
    """A trajectory or marker drawn over the map, in data coordinates."""

    xs: Sequence[float]
    ys: Sequence[float]
    color: str
    char: str = "•"
    label: str = ""
    line: bool = True  # connect consecutive points by filling the cells between them


def _clip(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float] | None:
    """Liang-Barsky: the part of a segment inside the unit square, or None."""
    t0, t1, dx, dy = 0.0, 1.0, x1 - x0, y1 - y0
    for p, q in ((-dx, x0), (dx, 1 - x0), (-dy, y0), (dy, 1 - y0)):
        if p == 0 and q < 0:
            return None
        if p < 0:
            t0 = max(t0, q / p)
        elif p > 0:
            t1 = min(t1, q / p)
    return None if t0 > t1 else (x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy)


class HeatMap(Widget):
    """Draws z with "▀" cells (upper pixel as foreground, lower as background) and overlays on top."""

    DEFAULT_CSS = """
    HeatMap { width: 1fr; height: 1fr; }
    HeatMap.-pixel { width: auto; height: auto; }
    """

    _STYLES: dict[tuple, Style] = {}  # shared by all instances, keyed by (cmap, foreground, lower level)
    _GLYPHS: dict[tuple[str, str], int] = {}  # (char, colour) of an overlay -> a number, shared by all instances

    def __init__(
        self,
        *,
        cmap: str = "viridis",
        fit: Literal["stretch", "pixel"] = "stretch",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        _lut(cmap)
        self.cmap, self.fit = cmap, fit
        self.set_class(fit == "pixel", "-pixel")
        self.z: np.ndarray = np.zeros((0, 0))
        self.extent: tuple[float, float, float, float] | None = None
        self.vmin, self.vmax = 0.0, 1.0
        self.overlays: tuple[Overlay, ...] = ()
        self._levels = np.zeros((0, 0), np.int16)
        self._strips: list[Strip] = []
        self._base: tuple | None = None  # ((ph, pw), upper, lower, colour-pair codes) of the resampled pixels
        self._glyphs = np.zeros((0, 0), np.int32)  # the overlay glyph codes the strips were built with
        self.contour_levels: tuple[float, ...] = ()
        self.contour_color = "white"

    def set_data(
        self,
        z: np.ndarray | Sequence[Sequence[float]],
        *,
        extent: tuple[float, float, float, float] | None = None,
        vmin: float | None = None,
        vmax: float | None = None,
        cmap: str | None = None,
    ) -> None:
        """Show z (rows, cols); with an extent, row 0 is at the bottom and overlays use data units."""
        z = np.asarray(z, dtype=float)
        if z.ndim != 2:
            raise ValueError(f"z must be 2-D, got shape {z.shape}")
        if cmap is not None:
            _lut(cmap)
            self.cmap = cmap
        reshaped = z.shape != self.z.shape
        self.z, self.extent = z, extent
        self.vmin, self.vmax = auto_range(z, self.cmap, vmin, vmax)
        self._levels = quantise(z, self.vmin, self.vmax)
        self._base = None
        self._rebuild(layout=reshaped and self.fit == "pixel")

    def set_overlays(self, overlays: Sequence[Overlay]) -> None:
        self.overlays = tuple(overlays)
        self._rebuild()

    def on_resize(self) -> None:
        self._rebuild()

    def get_content_width(self, container, viewport) -> int:
        return self.z.shape[1] if self.fit == "pixel" else super().get_content_width(container, viewport)

    def get_content_height(self, container, viewport, width: int) -> int:
        fits = self.fit == "pixel"
        return (self.z.shape[0] + 1) // 2 if fits else super().get_content_height(container, viewport, width)

    def render_line(self, y: int) -> Strip:
        return self._strips[y] if y < len(self._strips) else Strip.blank(self.size.width)

    def pixel_shape(self) -> tuple[int, int]:
        """(rows, cols) of pixels drawn: the data's own in pixel fit, two per cell row in stretch."""
        return self.z.shape if self.fit == "pixel" else (2 * self.size.height, self.size.width)

    def to_unit(self, xs: Sequence[float], ys: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        """Data coordinates to fractions of the drawn area, across from the left and down from the top."""
        x, y = np.asarray(xs, float), np.asarray(ys, float)
        if self.extent is None:  # (col, row) indices; pixel j spans [j - 0.5, j + 0.5]
            rows, cols = self.z.shape
            return (x + 0.5) / cols, (y + 0.5) / rows
        x0, x1, y0, y1 = self.extent
        return (x - x0) / (x1 - x0), (y1 - y) / (y1 - y0)

    def _sample_index(self, ph: int, pw: int) -> tuple[np.ndarray, np.ndarray]:
        """Nearest-neighbour rows and columns of the data for (ph, pw) display pixels, top row first."""
        rows, cols = self._levels.shape
        if self.fit == "pixel":
            ri, ci = np.arange(rows), np.arange(cols)
            return (ri if self.extent is None else ri[::-1]), ci
        fy, fx = (np.arange(ph) + 0.5) / ph, (np.arange(pw) + 0.5) / pw
        if self.extent is None:
            return (fy * rows).astype(int), (fx * cols).astype(int)
        # a surface: grid points sit on the extent's ends, and y grows upward
        return np.rint((1 - fy) * (rows - 1)).astype(int), np.rint(fx * (cols - 1)).astype(int)

    def _sampled(self, ph: int, pw: int) -> np.ndarray:
        """Nearest-neighbour resample of the levels to (ph, pw) display pixels, top row first."""
        return self._levels[np.ix_(*self._sample_index(ph, pw))]

    def set_contours(self, levels: Sequence[float], color: str = "white") -> None:
        """Draw iso-lines of z at these levels over the map (under the overlays), as ─ ╲ │ ╱ along each line."""
        self.contour_levels, self.contour_color = tuple(float(v) for v in levels), color
        self._base = None
        self._rebuild()

    def contour_grid(self) -> np.ndarray:
        """(cell rows, cols) of indices into CONTOUR_CHARS where an iso-line crosses the cell, -1 elsewhere.

        z is sampled at the cells' centres; where a level falls between two neighbouring cells,
        the one nearer the level carries the line (so lines are one cell thin), with the glyph
        along the line: across the gradient, a cell being twice as tall as it is wide.
        """
        ph, pw = self.pixel_shape()
        h = (ph + 1) // 2
        out = np.full((h, pw), -1, np.int32)
        if not (self.contour_levels and h and pw and self.z.size):
            return out
        z = self.z[np.ix_(*self._sample_index(h, pw))]
        on = np.zeros(z.shape, bool)
        with np.errstate(invalid="ignore"):
            for level in self.contour_levels:
                d = z - level
                for a, b in (
                    ((slice(None), slice(None, -1)), (slice(None), slice(1, None))),
                    ((slice(None, -1),), (slice(1, None),)),
                ):
                    cross = (d[a] > 0) != (d[b] > 0)
                    near_a = np.abs(d[a]) <= np.abs(d[b])
                    on[a] |= cross & near_a
                    on[b] |= cross & ~near_a
            on &= np.isfinite(z)
            gy, gx = np.gradient(np.where(np.isfinite(z), z, np.nanmean(z))) if min(z.shape) > 1 else (z * 0, z * 0)
        angle = np.mod(np.arctan2(2 * gx, -gy), np.pi)  # the line's direction on screen, rows growing downward
        out[on] = (np.rint(angle / (np.pi / 4)).astype(np.int32) % 4)[on]  # 0 ─, 1 ╲, 2 │, 3 ╱
        return out

    def overlay_grid(self) -> np.ndarray:
        """(cell rows, cols) of overlay indices, -1 where none; later overlays win, off-map points are dropped."""
        ph, w = self.pixel_shape()
        h = (ph + 1) // 2
        grid = np.full((h, w), -1, np.int32)
        if not h or not w or not self.z.size:
            return grid

        def cells(fx: np.ndarray, fy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return np.minimum((fy * ph / 2).astype(int), h - 1), np.minimum((fx * w).astype(int), w - 1)

        for i, ov in enumerate(self.overlays):
            fx, fy = self.to_unit(ov.xs, ov.ys)
            with np.errstate(invalid="ignore"):
                inside = (fx >= 0) & (fx <= 1) & (fy >= 0) & (fy <= 1)
            grid[cells(fx[inside], fy[inside])] = i
            if not ov.line or len(fx) < 2:
                continue
            both = inside[:-1] & inside[1:]
            finite = np.isfinite(fx) & np.isfinite(fy)
            # Segments crossing the edge (rare) are clipped to the map; then all are filled in one pass.
            crossing = np.flatnonzero(~both & finite[:-1] & finite[1:])
            clipped = [cut for j in crossing if (cut := _clip(fx[j], fy[j], fx[j + 1], fy[j + 1])) is not None]
            seg = np.vstack([np.stack([fx[:-1], fy[:-1], fx[1:], fy[1:]], 1)[both], np.reshape(clipped, (-1, 4))])
            (r0, c0), (r1, c1) = cells(seg[:, 0], seg[:, 1]), cells(seg[:, 2], seg[:, 3])
            n = np.maximum(np.abs(r1 - r0), np.abs(c1 - c0))
            s = np.repeat(np.arange(len(n)), n + 1)  # segment of each filled cell, n + 1 cells per segment
            t = (np.arange(len(s)) - np.repeat(np.cumsum(n + 1) - n - 1, n + 1)) / np.maximum(n[s], 1)
            grid[np.rint(r0[s] + t * (r1 - r0)[s]).astype(int), np.rint(c0[s] + t * (c1 - c0)[s]).astype(int)] = i
        return grid

    def _style(self, fg: int | str, lower: int) -> Style:
        key = (self.cmap, fg, lower)
        if (style := self._STYLES.get(key)) is None:
            bold = isinstance(fg, str) or None  # overlay glyphs are bold
            style = Style(color=_color(fg, self.cmap), bgcolor=_color(lower, self.cmap), bold=bold)
            self._STYLES[key] = style
        return style

    def _rebuild(self, layout: bool = False) -> None:
        """Precompute one Strip per cell row, so render_line is a list lookup.

        The resampled pixels are kept until the data or the size change; after that only the rows
        whose overlay glyphs changed are rebuilt and repainted, so moving a marker (an animation
        frame) costs a row or two, not the whole map.
        """
        ph, pw = self.pixel_shape()
        if not (ph and pw and self._levels.size):
            self._strips, self._base = [], None
            self.refresh(layout=layout)
            return
        if self._base is None or self._base[0] != (ph, pw):
            px = self._sampled(ph, pw)
            if ph % 2:
                px = np.vstack([px, np.full((1, pw), BLANK, np.int16)])
            upper, lower = px[0::2], px[1::2]
            contours = self.contour_grid()
            code = upper.astype(np.int32) * (BLANK + 1) + lower
            code = np.where(contours >= 0, -2 - contours, code)  # a contour glyph is a colour pair of its own
            self._base = ((ph, pw), upper, lower, code, contours)
            self._strips, self._glyphs = [], np.zeros((0, 0), np.int32)
        _, upper, lower, code, contours = self._base
        marks = self.overlay_grid()
        glyphs = self._glyph_codes(marks)
        if len(self._strips) == len(code) and self._glyphs.shape == glyphs.shape:
            rows = np.flatnonzero((glyphs != self._glyphs).any(1)).tolist()
        else:
            rows, self._strips = list(range(len(code))), [Strip.blank(0)] * len(code)
        self._glyphs = glyphs
        for r in rows:
            # A segment starts wherever the colour pair changes, and at and after every overlay glyph.
            starts = np.ones(code.shape[1], bool)
            starts[1:] = (code[r, 1:] != code[r, :-1]) | (marks[r, 1:] >= 0) | (marks[r, :-1] >= 0)
            starts[1:] |= (contours[r, 1:] >= 0) | (contours[r, :-1] >= 0)
            self._strips[r] = self._row(
                upper[r].tolist(),
                lower[r].tolist(),
                marks[r].tolist(),
                np.flatnonzero(starts).tolist(),
                contours[r].tolist(),
            )
        if layout or len(rows) == len(code):
            self.refresh(layout=layout)
        elif rows:
            self.refresh(*(Region(0, r, pw, 1) for r in rows))

    def _glyph_codes(self, marks: np.ndarray) -> np.ndarray:
        """What each cell shows of the overlays, as comparable numbers: -1 none, else its (char, colour)'s id."""
        ids = np.array([self._GLYPHS.setdefault((ov.char, ov.color), len(self._GLYPHS)) for ov in self.overlays])
        return np.where(marks >= 0, ids[np.maximum(marks, 0)] if len(ids) else -1, -1).astype(np.int32)

    def _row(
        self, upper: list[int], lower: list[int], marks: list[int], starts: list[int], contours: list[int]
    ) -> Strip:
        segments = []
        for s, e in zip(starts, starts[1:] + [len(upper)]):
            if marks[s] >= 0:
                ov = self.overlays[marks[s]]
                segments.append(Segment(ov.char, self._style(ov.color, lower[s])))
            elif contours[s] >= 0:  # over the lower pixel's colour, as an overlay glyph
                segments.append(Segment(CONTOUR_CHARS[contours[s]], self._style(self.contour_color, lower[s])))
            else:
                segments.append(Segment("▀" * (e - s), self._style(upper[s], lower[s])))
        return Strip(segments, len(upper))


def colorbar_text(vmin: float, vmax: float, cmap: str, width: int) -> Text:
    """One line `vmin ████████ vmax`, coloured through the map, for a legend under a HeatMap."""
    lo, hi = f"{vmin:.3g}", f"{vmax:.3g}"
    lut = _lut(cmap)
    text = Text(lo + " ", no_wrap=True)
    for i in np.rint(np.linspace(0, LEVELS - 1, max(1, width - len(lo) - len(hi) - 2))).astype(int):
        text.append("█", Style(color=RichColor.from_rgb(*map(int, lut[i]))))
    return text.append(" " + hi)
