"""What a chart's drawer plots, bounded before plotext sees it: finite, in range, a few points per cell, round ticks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .ticks import log_ticks, number_text, round_ticks

# plotext joins consecutive points by every pixel in between (plotext._utility.get_line), off-canvas
# ones included, and only then drops what falls outside. A loss of 1e5 on a 0-2.5 axis is a line of
# millions of pixels per segment: seconds to minutes per redraw and ~80 MB/s of lists. inf and
# 1e308 make its axis maths NaN and the build raises. So every value reaching plotext is finite and
# inside the visible range, and every series has at most two points per pixel column.
Y_CAP = 1e6  # |y| above this is clipped on every chart (a chart may ask for less)
X_CAP = 1e15  # |x| above this is not drawn
LOG_DECADES = 12  # a log axis shows at most this many decades below its top
COLUMNS_PER_CELL = 2  # braille cells are 2 pixels wide; each pixel column keeps its lowest and highest point
BLANK = "\u2800"  # an empty braille cell: a title plotext keeps (it drops blank ones) that shows nothing


@dataclass
class Series:
    """One plotext data call as the drawer made it: plot, scatter or bar, with its options."""

    kind: str
    xs: Sequence[float] | np.ndarray  # float arrays while finish() bounds them, lists once sent
    ys: Sequence[float] | np.ndarray
    options: dict = field(default_factory=dict)


@dataclass
class Notes:
    """What was not drawn as given, said on the chart."""

    nonfinite: int = 0
    nonpositive: int = 0  # on a log axis
    above: float | None = None  # the top of the visible range, when values above it were clipped
    below: float | None = None

    def variants(self, log: bool) -> list[str]:
        """The notes joined, from the longest wording to the shortest."""
        long, mid, short = [], [], []
        if self.above is not None:
            v = number_text(10**self.above if log else self.above)
            long.append(f"values above {v} clipped")
            mid.append(f"above {v} clipped")
            short.append(f"▲>{v}")
        if self.below is not None:
            v = number_text(10**self.below if log else self.below)
            long.append(f"values below {v} clipped")
            mid.append(f"below {v} clipped")
            short.append(f"▼<{v}")
        if self.nonfinite:
            long.append(f"{self.nonfinite} NaN/inf not drawn")
            mid.append(f"{self.nonfinite} NaN/inf")
            short.append(f"{self.nonfinite} NaN")
        if self.nonpositive:
            long.append(f"{self.nonpositive} values ≤ 0 not drawn on a log axis")
            mid.append(f"{self.nonpositive} ≤ 0 not drawn")
            short.append(f"{self.nonpositive}≤0")
        if not long:
            return []
        return [" · ".join(long), " · ".join(mid), " ".join(short)]


class BoundedPlot:
    """Stands in for the plotext figure a drawer gets: the same calls, bounded when `finish()` sends them.

    Data calls (plot, scatter, bar, horizontal_line, vertical_line), limits, ticks, the title and
    the y label are recorded; everything else goes to plotext at once. `finish()` drops non-finite
    points, clips y to the visible range (the drawer's ylim, else the data's, never beyond
    `y_cap`), keeps the lowest and highest point of each character cell, picks round ticks where
    the drawer set none, and with `log_y` plots log10(y) on decade ticks. `notes` says what was
    clipped or dropped; `points` counts the points handed to plotext (tests bound the work with it).
    The width used is the widget's, a little more than the canvas's: never fewer columns than drawn.
    """

    def __init__(self, plt, width: int, height: int, *, log_y: bool = False, y_cap: float = Y_CAP):
        self._plt = plt
        self.width, self.height = max(1, width), max(1, height)
        self.log_y, self.y_cap = log_y, y_cap
        self.series: list[Series] = []
        self.hlines: list[tuple[float, dict]] = []
        self.vlines: list[tuple[float, dict]] = []
        self._xlim: tuple[float | None, float | None] = (None, None)
        self._ylim: tuple[float | None, float | None] = (None, None)
        self._xticks: tuple | None = None
        self._yticks: tuple | None = None
        self.title_text: str | None = None
        self.ylabel_text: str | None = None
        self.has_xlabel = False
        self.notes = Notes()
        self.points = 0

    def __getattr__(self, name: str):
        return getattr(self._plt, name)

    # -- recorded calls (plotext's signatures) ------------------------------------------------
    def plot(self, *args, **options) -> None:
        self._record("plot", args, options)

    def scatter(self, *args, **options) -> None:
        self._record("scatter", args, options)

    def bar(self, *args, **options) -> None:
        self._record("bar", args, options)

    def horizontal_line(self, coordinate, color=None, yside=None) -> None:
        self.hlines.append((coordinate, {"color": color, "yside": yside}))

    def vertical_line(self, coordinate, color=None, xside=None) -> None:
        self.vlines.append((coordinate, {"color": color, "xside": xside}))

    def xlim(self, lower=None, upper=None, xside=None) -> None:
        self._xlim = (lower, upper)

    def ylim(self, lower=None, upper=None, yside=None) -> None:
        self._ylim = (lower, upper)

    def xticks(self, ticks=None, labels=None, xside=None) -> None:
        self._xticks = None if ticks is None else (list(ticks), None if labels is None else list(labels))

    def yticks(self, ticks=None, labels=None, yside=None) -> None:
        self._yticks = None if ticks is None else (list(ticks), None if labels is None else list(labels))

    def title(self, label=None) -> None:
        """The title; a tuple gives wordings from the longest to the shortest, the first that fits is drawn."""
        self.title_text = label

    def ylabel(self, label=None, yside=None) -> None:
        self.ylabel_text = label

    def xlabel(self, label=None, xside=None) -> None:
        self.has_xlabel = self.has_xlabel or bool(label)
        self._plt.xlabel(label, xside)

    def _record(self, kind: str, args: tuple, options: dict) -> None:
        if len(args) == 1:
            ys = list(args[0])
            xs = list(range(1, len(ys) + 1))  # plotext's x for plot(y)
        elif len(args) >= 2:
            xs, ys = list(args[0]), list(args[1])
        else:
            return
        self.series.append(Series(kind, _floats(xs), _floats(ys), options))

    # -- sending ------------------------------------------------------------------------------
    def finish(self) -> None:
        """Send the recorded figure to plotext, bounded."""
        plt = self._plt
        x_lo, x_hi = _limits(self._xlim)
        for s in self.series:
            self._clean(s, x_lo, x_hi)
        lo, hi = self._y_range()
        if lo is not None and hi is not None:
            for s in self.series:
                self._clip(s, lo, hi)
        xr = self._x_range(x_lo, x_hi)
        self._send_series(xr)
        self._send_lines(lo, hi, xr)
        if lo is not None and hi is not None:
            plt.ylim(lo, hi)
            plt.yticks(*self._y_ticks(lo, hi))
        self._send_x_axis(xr, x_lo, x_hi)
        # The top row is reserved with a blank title: the Chart writes the title, the y label and the
        # notes there itself (plotext would drop a title that does not fit, and put the y label at the bottom).
        if self.title_text or self.ylabel_text or self.note_variants():
            plt.title(BLANK)

    def _send_series(self, xr: tuple[float, float] | None) -> None:
        columns = COLUMNS_PER_CELL * self.width
        for s in self.series:
            if s.kind != "bar":
                s.xs, s.ys = envelope(s.xs, s.ys, columns, xr)
            else:
                s.xs, s.ys = _list(s.xs), _list(s.ys)
            if not len(s.xs):
                continue
            self.points += len(s.xs)
            getattr(self._plt, s.kind)(s.xs, s.ys, **s.options)

    def _send_lines(self, lo: float | None, hi: float | None, xr: tuple[float, float] | None) -> None:
        """The horizontal and vertical guide lines that fall inside the drawn ranges."""
        for y_given, options in self.hlines:
            y = self._y(y_given)
            if y is not None and lo is not None and hi is not None and lo <= y <= hi:
                self._plt.horizontal_line(y, **options)
        for x_given, options in self.vlines:
            x = _float(x_given)
            if math.isfinite(x) and (xr is None or xr[0] <= x <= xr[1]):
                self._plt.vertical_line(x, **options)

    def _send_x_axis(self, xr: tuple[float, float] | None, x_lo: float | None, x_hi: float | None) -> None:
        plt = self._plt
        if xr is None:
            if self._xticks is not None:
                plt.xticks(*self._xticks)
            return
        if self._xlim != (None, None):
            plt.xlim(*xr)
        if self._xticks is not None:
            plt.xticks(*self._xticks)
        else:
            ends = tuple(v for v in (x_lo, x_hi) if v is not None)
            plt.xticks(*round_ticks(*xr, most=max(2, self.width // 7), ends=ends))

    def note_variants(self) -> list[str]:
        return self.notes.variants(self.log_y)

    def _y(self, y) -> float | None:
        """A y value as plotted (log10 on a log axis), or None when it cannot be drawn."""
        y = _float(y)
        if not math.isfinite(y):
            return None
        if self.log_y:
            return math.log10(y) if y > 0 else None
        return y

    def _clean(self, s: Series, x_lo: float | None, x_hi: float | None) -> None:
        """Drop points that cannot be drawn; cap |y| at y_cap; y as plotted (numpy: a point at a time was a fifth
        of a Section 4 chart build)."""
        cap = math.log10(self.y_cap) if self.log_y else self.y_cap
        x, y = np.asarray(s.xs, dtype=float), np.asarray(s.ys, dtype=float)
        with np.errstate(invalid="ignore"):
            keep = np.isfinite(x) & (np.abs(x) <= X_CAP)
            if x_lo is not None:
                keep &= x >= x_lo
            if x_hi is not None:
                keep &= x <= x_hi
            x, y = x[keep], y[keep]
            finite = np.isfinite(y)
            self.notes.nonfinite += int(len(y) - np.count_nonzero(finite))
            x, y = x[finite], y[finite]
            if self.log_y:
                positive = y > 0
                self.notes.nonpositive += int(len(y) - np.count_nonzero(positive))
                x, y = x[positive], np.log10(y[positive])
            if np.any(y > cap):
                self.notes.above, y = cap, np.minimum(y, cap)
            if not self.log_y and np.any(y < -cap):  # a log axis has no floor here: LOG_DECADES bounds it
                self.notes.below, y = -cap, np.maximum(y, -cap)
        s.xs, s.ys = x, y

    def _y_range(self) -> tuple[float | None, float | None]:
        """The visible y range: the drawer's limits where given (as plotted), else the data's."""
        lo, hi = self._ylim
        lo = None if lo is None else self._y(lo)
        hi = None if hi is None else self._y(hi)
        ends = [float(f(s.ys)) for s in self.series if len(s.ys) for f in (np.min, np.max)]
        ends += [y for y in (self._y(h) for h, _ in self.hlines) if y is not None]
        if self.series and any(s.kind == "bar" for s in self.series) and not self.log_y:
            ends.append(0.0)  # bars stand on zero
        if not ends and (lo is None or hi is None):
            return lo, hi
        lo = min(ends) if lo is None else lo
        hi = max(ends) if hi is None else hi
        if lo > hi:
            lo, hi = hi, lo
        if self.log_y and hi - lo > LOG_DECADES:
            lo = hi - LOG_DECADES
        if hi == lo:  # as plotext does for a flat line
            lo, hi = (lo - 0.5, hi + 0.5) if self.log_y or lo == 0 else (lo - abs(lo) / 2, hi + abs(hi) / 2)
        return lo, hi

    def _clip(self, s: Series, lo: float, hi: float) -> None:
        ys = np.asarray(s.ys, dtype=float)
        if np.any(ys > hi):
            self.notes.above = hi
        if np.any(ys < lo):
            self.notes.below = lo
        s.ys = np.clip(ys, lo, hi)

    def _x_range(self, x_lo: float | None, x_hi: float | None) -> tuple[float, float] | None:
        ends = [float(f(s.xs)) for s in self.series if len(s.xs) for f in (np.min, np.max)]
        if not ends and (x_lo is None or x_hi is None):
            return None
        lo = min(ends) if x_lo is None else x_lo
        hi = max(ends) if x_hi is None else x_hi
        return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)

    def _y_ticks(self, lo: float, hi: float) -> tuple[list[float], list[str]]:
        most = max(2, (self.height - 4) // 2 + 1)  # a tick every other row at most
        if self.log_y:
            return log_ticks(lo, hi, most)
        if self._yticks is not None:
            ticks, labels = self._yticks
            return ticks, labels if labels is not None else [number_text(t) for t in ticks]
        ends = tuple(v for v in _limits(self._ylim) if v is not None)
        return round_ticks(lo, hi, most=most, ends=ends)


def envelope(
    xs: Sequence[float] | np.ndarray,
    ys: Sequence[float] | np.ndarray,
    columns: int,
    x_range: tuple[float, float] | None,
) -> tuple[list[float], list[float]]:
    """At most two points per pixel column: each column's lowest and highest, in their order.

    Columns split the x range when x never decreases (a curve), else the points into runs of
    equal length (a path). Spikes survive, unlike a mean, and each column spans what drawing
    every point would: the picture is the same. (numpy: a third of a Section 4 chart build in Python.)
    """
    n = len(xs)
    if n <= 2 * columns:
        return _list(xs), _list(ys)
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    if bool(np.all(x[:-1] <= x[1:])) and x_range is not None and x_range[1] > x_range[0]:
        lo, width = x_range[0], (x_range[1] - x_range[0]) / columns
        keys = np.clip(np.trunc((x - lo) / width), 0, columns - 1)
    else:
        keys = np.arange(n) * columns // n
    first = np.empty(n, dtype=bool)
    first[0], first[1:] = True, keys[1:] != keys[:-1]
    run = np.cumsum(first) - 1  # the run of equal keys (a column) of each point
    starts = np.flatnonzero(first)
    keep = np.zeros(n, dtype=bool)
    keep[_first_where(y == np.minimum.reduceat(y, starts)[run], run)] = True  # each run's first lowest point
    keep[_first_where(y == np.maximum.reduceat(y, starts)[run], run)] = True  # and its first highest
    kept = np.flatnonzero(keep)
    if isinstance(xs, np.ndarray) and isinstance(ys, np.ndarray):
        return xs[kept].tolist(), ys[kept].tolist()
    return [xs[i] for i in kept.tolist()], [ys[i] for i in kept.tolist()]


def _list(values) -> list:
    return values.tolist() if isinstance(values, np.ndarray) else list(values)


def _first_where(mask: np.ndarray, run: np.ndarray) -> np.ndarray:
    """The first index in each run where mask holds (runs are consecutive: no sort, unlike np.unique, whose
    first call also imports numpy.ma, 45 ms of a learner's first key)."""
    where = np.flatnonzero(mask)
    runs = run[where]
    first = np.ones(len(where), dtype=bool)
    first[1:] = runs[1:] != runs[:-1]
    return where[first]


def fit(text, width: int) -> str | None:
    """The first of `text`'s wordings (a str or a tuple, longest first) that fits in `width`, else the last cut."""
    if text is None:
        return None
    variants = [text] if isinstance(text, str) else list(text)
    for v in variants:
        if len(v) <= width:
            return v
    return variants[-1][: max(0, width)] if variants else None


def _limits(pair) -> tuple[float | None, float | None]:
    lo, hi = pair
    lo = None if lo is None or not math.isfinite(_float(lo)) else _float(lo)
    hi = None if hi is None or not math.isfinite(_float(hi)) else _float(hi)
    return lo, hi


def _floats(values) -> np.ndarray:
    """Each value as a float, NaN where it is none (None, text): one numpy call where they all are numbers."""
    try:
        floats = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        floats = None
    if floats is None or floats.ndim != 1:
        floats = np.array([_float(v) for v in values], dtype=float)
    return floats


def _float(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan
