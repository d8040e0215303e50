"""A plotext figure's curves drawn onto the frame plotext builds without them: the same cells at a fraction of the cost.

plotext 5.3 turns each curve into dots through generic list helpers (the coordinates, the dots
between points, a set to drop duplicates, the braille grouping, a cell at a time): 60-70% of a
chart's build (issue 23: a Section 4 key's distance chart). Here plotext still builds the whole
frame (limits, ticks, labels, guides, the axes each curve uses) with every curve held back as
one undrawable point, after the limits it would have taken from them are set explicitly; the
curves are then drawn onto its matrix with plotext's own arithmetic on numpy arrays, in plotext's
order (data after the frame and guides); a frame built before from the same settings (FRAMES: a new run
on the same axes) is reused, not built again. tests/tui/test_plotext_series.py holds every cell equal
to plotext's own build on random figures; the one difference: a curve of blank markers draws
nothing, where plotext blanks the cells under it (guides and axes). Figures this cannot match (legends and texts, drawn
after the data; fills; log scales; dates; a curve before a series plotext must draw) keep
plotext's own path.
"""

from __future__ import annotations

import copy
import math
import pickle
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import plotext._utility as ut  # type: ignore[import-untyped]
from plotext._matrix import matrix_class  # type: ignore[import-untyped]

ENABLED = True  # tests compare against plotext's own build by turning it off
ORIGINAL_SET_MATRICES = matrix_class.set_matrices


@dataclass
class _Curve:
    signal: int
    x: np.ndarray
    y: np.ndarray
    lines: bool
    marker: str
    color: object
    style: object


class Held:
    """The curves taken out of a monitor before its build, to be drawn onto its matrix after it."""

    def __init__(self, curves: list[_Curve]) -> None:
        self.curves = curves
        self.taken: dict[int, tuple] = {}  # signal -> its data, markers, colours and styles as the drawer gave them

    def give_back(self, monitor) -> None:
        """Put the curves' data back in the monitor (a figure built again, as a test does, draws them too)."""
        for s, lists in self.taken.items():
            monitor.x[s], monitor.y[s], monitor.marker[s], monitor.color[s], monitor.style[s] = lists

    def draw(self, monitor) -> None:
        """Draw the held curves onto the matrix plotext just built (its canvas area, its final limits)."""
        matrix = monitor.matrix
        cols, rows = matrix.Cols_canvas, matrix.Rows_canvas
        width, height = len(cols), len(rows)
        if width <= 0 or height <= 0:
            return
        lower_x, lower_y = monitor.default.xside[0], monitor.default.yside[0]
        for c in self.curves:
            if not len(c.x) or c.marker == ut.space:
                continue  # blank dots (RevealChart's, that keep a range) draw nothing: plotext blanked the guides
            xlim = monitor.xlim[0] if monitor.xside[c.signal] == lower_x else monitor.xlim[1]
            ylim = monitor.ylim[0] if monitor.yside[c.signal] == lower_y else monitor.ylim[1]
            xf = ut.marker_factor(c.marker, 2, 2, 2)
            yf = ut.marker_factor(c.marker, 2, 3, 4)
            px = _matrix_data(c.x, xlim, width * xf)
            py = _matrix_data(c.y, ylim, height * yf)
            if c.lines:
                px, py = _lines(px, py)
            cells = _cells(px, py, xf, yf, width, height)
            if xf * yf != 1:
                table = _hd_table(xf, yf)
                marks = [table[bits] for bits in cells[cells > 0].tolist()]
            else:
                marks = [c.marker] * int(np.count_nonzero(cells))
            marker, fullground, style = matrix.marker, matrix.fullground, matrix.style
            for index, mark in zip(np.flatnonzero(cells).tolist(), marks):
                row, col = divmod(index, width)
                row, col = row + rows.start, col + cols.start
                if 0 <= col < matrix.cols and 0 <= row < matrix.rows:  # matrix.legal
                    marker[row][col] = mark
                    if c.color is not None:
                        fullground[row][col] = c.color
                    if c.style is not None:
                        style[row][col] = c.style


def set_matrices(self) -> None:
    """plotext's matrix_class.set_matrices (blank cells; the canvas's background inside its area, the axes' outside)
    without a function call per cell: 40-60% of plotext's build of a frame."""
    cols, rows = self.cols, self.Rows
    self.marker = [[ut.space] * cols for _ in rows]
    self.fullground = [[ut.no_color] * cols for _ in rows]
    inside = [self.canvas_color if col in self.Cols_canvas else self.axes_color for col in self.Cols]
    self.background = [list(inside) if row in self.Rows_canvas else [self.axes_color] * cols for row in rows]
    self.style = [[ut.no_color] * cols for _ in rows]


def install() -> None:
    """Have plotext's builds set up their matrices through set_matrices."""
    matrix_class.set_matrices = set_matrices


@dataclass
class _Frame:
    """plotext's build of a figure with our curves held back: its matrix (never drawn on) and final limits."""

    matrix: object
    xlim: list
    ylim: list

    @classmethod
    def of(cls, monitor) -> _Frame:
        return cls(_matrix_copy(monitor.matrix), copy.deepcopy(monitor.xlim), copy.deepcopy(monitor.ylim))

    def put(self, monitor) -> None:
        monitor.matrix = _matrix_copy(self.matrix)
        monitor.xlim, monitor.ylim = copy.deepcopy(self.xlim), copy.deepcopy(self.ylim)


# Frames by everything plotext builds them from: a new run on the same axes (a Section 4 key at another lr)
# draws its curves on the frame built for the last one, not on a new build of the same axes and ticks.
FRAMES: OrderedDict[bytes, _Frame] = OrderedDict()
FRAMES_KEPT = 16


def build(plt) -> None:
    """plt._build_matrix(): plotext's matrix of the figure, its curves drawn by us where we can, on a frame
    plotext built before from the same figure without them when there is one (FRAMES)."""
    monitor = plt.monitor
    held = hold(monitor)
    key = _frame_key(plt) if held is not None else None
    frame = FRAMES.get(key) if key is not None else None
    try:
        if frame is not None and key is not None:
            FRAMES.move_to_end(key)
            frame.put(monitor)
        else:
            plt._build_matrix()
    finally:
        if held is not None:
            held.give_back(monitor)
    if held is None or monitor.fast_plot:
        return
    if key is not None and frame is None:
        FRAMES[key] = _Frame.of(monitor)
        while len(FRAMES) > FRAMES_KEPT:
            FRAMES.popitem(last=False)
    held.draw(monitor)


def _frame_key(plt) -> bytes | None:
    """What plotext builds the frame from (the monitor's settings and data, our curves held back): its pickle."""
    if not ENABLED or not plt._no_plots:  # subplots join matrices of their own
        return None
    state = {name: value for name, value in vars(plt.monitor).items() if name != "matrix"}
    try:
        return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:  # noqa: BLE001  anything plotext holds that cannot be pickled: no reuse, a build
        return None


def _matrix_copy(matrix):
    """A copy of plotext's matrix whose rows of cells are lists of their own (Held.draw writes in them)."""
    out = copy.copy(matrix)
    for name in ("marker", "fullground", "style", "background"):
        setattr(out, name, [list(row) for row in getattr(matrix, name)])
    return out


def hold(monitor) -> Held | None:
    """Take the curves out of `monitor` (plotext's, before build_plot), fixing the limits they would give.

    Returns None, touching nothing, where plotext must draw the figure itself.
    """
    curves = _curves(monitor) if ENABLED and _plain(monitor) else []
    if not curves:
        return None
    xlim, ylim = _limits(monitor, curves)
    if any(lim[0] == lim[1] for lim in (*xlim, *ylim) if None not in lim):
        return None  # plotext divides by the span
    monitor.xlim, monitor.ylim = xlim, ylim
    held = Held(curves)
    for c in curves:
        if len(c.x):  # one point that maps nowhere: the axis stays in use, nothing is drawn
            s = c.signal
            held.taken[s] = (monitor.x[s], monitor.y[s], monitor.marker[s], monitor.color[s], monitor.style[s])
            monitor.x[s], monitor.y[s] = [math.nan], [math.nan]
            for name in ("marker", "color", "style"):
                getattr(monitor, name)[s] = getattr(monitor, name)[s][:1]
    return held


def _plain(monitor) -> bool:
    """No legend or text (plotext draws them over the data), linear scales, no dates."""
    if monitor.fast_plot or monitor.text or any(label is not None for label in monitor.label):
        return False
    linear = [monitor.default.xscale[0]] * 2, [monitor.default.yscale[0]] * 2
    return (monitor.xscale, monitor.yscale) == linear and not any(monitor.x_date) and not any(monitor.y_date)


def _curves(monitor) -> list[_Curve]:
    """The signals as curves we draw; none where a series plotext must draw comes after one of ours (the order)."""
    curves: list[_Curve] = []
    for s in range(len(monitor.x)):
        curve = _curve(monitor, s)
        if curve is None and curves:
            return []
        if curve is not None:
            curves.append(curve)
    return curves


def _curve(monitor, s: int) -> _Curve | None:
    """Signal s as a curve we can draw, or None (fills, mixed markers or colours, non-finite or text data)."""
    if monitor.fillx[s] is not False or monitor.filly[s] is not False:
        return None
    markers, colors, styles = monitor.marker[s], monitor.color[s], monitor.style[s]
    x, y = monitor.x[s], monitor.y[s]
    n = min(len(x), len(y), len(markers), len(colors), len(styles))
    if n != len(x) or n != len(y):
        return None
    if n and not (_uniform(markers) and _uniform(colors) and _uniform(styles)):
        return None
    marker = markers[0] if n else "braille"
    if n and marker not in ut.hd_symbols and len(marker) != 1:
        return None
    try:
        xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    except (TypeError, ValueError):
        return None
    if xa.ndim != 1 or ya.ndim != 1 or not (np.isfinite(xa).all() and np.isfinite(ya).all()):
        return None
    return _Curve(s, xa, ya, bool(monitor.lines[s]), marker, colors[0] if n else None, styles[0] if n else None)


def _uniform(values) -> bool:
    """Whether every value equals the first: plotext keeps a marker, colour and style per point, and list.count
    compares them in C (a generator per point was an eighth of a Section 4 chart's build)."""
    try:
        return values.count(values[0]) == len(values)
    except AttributeError:
        return all(v == values[0] for v in values)


def _limits(monitor, curves: list[_Curve]) -> tuple[list, list]:
    """The limits plotext's build_plot takes for each axis: the given ones, else the data's (and guides')."""
    ours = {c.signal: c for c in curves}
    sides_x, sides_y = monitor.default.xside, monitor.default.yside
    xlim, ylim = [], []
    for i in (0, 1):
        xs = _ends(monitor.x, [s for s, side in enumerate(monitor.xside) if side == sides_x[i]], ours, "x")
        xs += list(monitor.vcoord[i])
        found = ut.get_lim(xs) if xs else [None, None]
        xlim.append(ut.replace_none(monitor.xlim[i], found))
        ys = _ends(monitor.y, [s for s, side in enumerate(monitor.yside) if side == sides_y[i]], ours, "y")
        ys += list(monitor.hcoord[i])
        ylim.append(ut.replace_none(monitor.ylim[i], ut.get_lim(ys)))
    return xlim, ylim


def _ends(data: list, signals: list[int], ours: dict, axis: str) -> list:
    """Values with the get_lim of the signals' data: the lowest and highest of each of our curves, the rest as is."""
    out: list = []
    for s in signals:
        values = getattr(ours[s], axis) if s in ours else data[s]
        if s not in ours:
            out += list(values)
        elif len(values):
            out += [float(values.min()), float(values.max())]
    return out


def _matrix_data(data: np.ndarray, lim, bins: int) -> np.ndarray:
    """plotext's get_matrix_data: floor(round(0.5 + (bins - 1)(v - lo)/(hi - lo), 8)), its round half up."""
    n = (0.5 + (bins - 1) * (data - lim[0]) / (lim[1] - lim[0])) * 10**8
    f = np.floor(n)
    r = np.where(n - f < 0.5, f, np.ceil(n)) * 10 ** (-8)
    return np.floor(r).astype(np.int64)


def _lines(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """plotext's get_lines on integer coordinates: each segment's dots but its last, then the last point."""
    if len(x) < 2:
        return x, y
    dx, dy = np.diff(x), np.diff(y)
    a = np.maximum(np.abs(dx), np.abs(dy)) + 1  # dots per segment, its end included
    steps = a - 1  # dots kept per segment (a > 1), none for a segment within one dot
    total = int(steps.sum())
    seg = np.repeat(np.arange(len(dx)), steps)
    k = np.arange(total) - np.repeat(np.cumsum(steps) - steps, steps)
    div = np.maximum(steps, 1)[seg]
    sx, sy = dx[seg] / div, dy[seg] / div  # plotext's (x1 - x0) / (a - 1), in float
    xl = np.trunc(x[:-1][seg] + k * sx).astype(np.int64)
    yl = np.trunc(y[:-1][seg] + k * sy).astype(np.int64)
    return np.append(xl, x[-1]), np.append(yl, y[-1])


_HD: dict[tuple[int, int], list[str]] = {}  # (xf, yf) -> the marker of each pattern of dots in a cell


def _hd_table(xf: int, yf: int) -> list[str]:
    table = _HD.get((xf, yf))
    if table is None:
        table = _HD[xf, yf] = [_marker_of(bits, xf, yf) for bits in range(1 << (xf * yf))]
    return table


def _cells(px: np.ndarray, py: np.ndarray, xf: int, yf: int, width: int, height: int) -> np.ndarray:
    """plotext's hd_group and remove_outsiders: per canvas cell (row-major from the bottom row), the dots set in it
    as bits (bit yk * xf + xk for the dot at (xk, yk) of the cell); 0 where none is."""
    cx, cy = px // xf, py // yf
    inside = (cx >= 0) & (cx < width) & (cy >= 0) & (cy < height)
    bits = np.left_shift(1, (py % yf) * xf + (px % xf))[inside]
    cells = np.zeros(width * height, dtype=np.int64)
    np.bitwise_or.at(cells, cy[inside] * width + cx[inside], bits)
    return cells


def _marker_of(bits: int, xf: int, yf: int) -> str:
    """The character plotext gives a cell whose dot (xk, yk) is set where bit yk * xf + xk is."""
    m = [[(bits >> (yk * xf + xk)) & 1 for xk in range(xf)] for yk in range(yf)]
    return ut.get_hd_marker(tuple(ut.join(m[::-1]))) if bits else ut.space  # no cell is drawn without a dot
