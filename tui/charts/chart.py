"""A plotext chart rebuilt by its drawer at each render: bounded input, coalesced redraws, labels that fit."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence

import plotext._utility as plotext_utility  # type: ignore[import-untyped]
from rich.control import STRIP_CONTROL_CODES
from rich.style import Style
from rich.text import Span, Text
from textual.reactive import reactive
from textual.timer import Timer
from textual_plotext import PlotextPlot

from . import plotext_lines, plotext_series
from .bounds import BLANK, Y_CAP, BoundedPlot, fit
from .picture import Picture
from .smoothing import ema as ema  # re-exported: its home is tui.charts.smoothing
from .ticks import number_text, round_ticks  # re-exported for drawers that set their own ticks

Drawer = Callable[..., None]

plotext_lines.install()  # the same dots between a curve's points, a third of plotext's cost (issue 23)
plotext_series.install()  # the same blank matrix without a call per cell

MIN_INTERVAL = 1 / 25  # seconds between two builds of one chart: what the eye needs of a live curve
NOTE_STYLE = Style(color="yellow")  # what was clipped or not drawn stands out from the labels
HEADROOM = 3.0  # a chart waits this many times its own build time between builds, so drawing never hogs the UI


class Chart(PlotextPlot):
    """PlotextPlot whose figure is rebuilt by a drawer function at every render.

    plotext transforms stored data while building (its log scale is applied in place),
    so a figure built twice can be wrong; rebuilding from our own data each time avoids
    that class of bug entirely, and resizes come for free. The drawer gets a BoundedPlot,
    so whatever it plots (1e30, NaN, inf, a million points) costs a bounded amount of work.
    `redraw()` is the way to ask for a new picture while data streams: it draws at once when
    the chart has been quiet, else once at the end of the interval, however often it is called.
    """

    DEFAULT_CSS = "Chart { width: 1fr; height: 1fr; min-height: 6; }"
    ALLOW_SELECT = False  # braille and box lines, not text: its rows are drawn without selection offsets (Picture)

    log_y: reactive[bool] = reactive(False, init=False)

    def __init__(
        self,
        drawer: Drawer | None = None,
        *,
        y_cap: float = Y_CAP,
        log_y: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ):
        super().__init__(id=id, classes=classes)
        self.auto_links = False  # no links in a chart: Textual would copy every row's strip to style them
        self._drawer = drawer
        self.y_cap = y_cap
        self.set_reactive(Chart.log_y, log_y)
        self.last_plot: BoundedPlot | None = None  # what the last build sent (tests read its work)
        self.build_seconds = 0.0
        self.builds = 0
        self._next_build = 0.0  # monotonic time before which redraw() waits
        self._pending: Timer | None = None

    def draw(self, drawer: Drawer | None) -> None:
        """Replace what the chart shows; `drawer(plt)` gets a cleared, bounded plotext figure."""
        self._drawer = drawer
        self.redraw()

    def redraw(self) -> None:
        """Ask for a new picture: now if the chart is idle, else once when its interval is over."""
        wait = self._next_build - time.monotonic()
        if wait <= 0:
            self.refresh()
        elif self._pending is None:
            self._pending = self.set_timer(wait, self._redraw_now)

    @property
    def redraw_pending(self) -> bool:
        """Whether a coalesced redraw is still to come (tests wait for it before a screenshot)."""
        return self._pending is not None

    def _redraw_now(self) -> None:
        self._pending = None
        self.refresh()

    def watch_log_y(self) -> None:
        self.redraw()

    def render(self):
        started = time.perf_counter()
        picture, plot = self.figure(self._drawer)
        self.last_plot = plot
        self.builds += 1
        self.build_seconds = time.perf_counter() - started
        self._next_build = time.monotonic() + max(MIN_INTERVAL, HEADROOM * self.build_seconds)
        return picture

    def figure(self, drawer: Drawer | None):
        """Build `drawer`'s picture at the chart's size: a cleared figure, bounded input, labels placed."""
        self.plt.clear_figure()
        plot = BoundedPlot(self.plt, self.size.width, self.size.height, log_y=self.log_y, y_cap=self.y_cap)
        if drawer is not None:
            drawer(plot)
        plot.finish()
        picture = self._plotext_picture()
        if isinstance(picture, list):
            picture = Picture(label_lines(picture, plot))
        elif isinstance(picture, Text):  # plotext's own fast path
            picture = label_rows(picture, plot)
        return picture, plot

    def _plotext_picture(self):
        """plotext's figure as the rich Text of each row, read from its cell matrix.

        PlotextPlot.render has plotext write the figure as an ANSI string, which rich then parses back
        (Text.from_ansi): 2-7 ms of a 13-38 ms build at 100x30-200x60. The cells and their colours are
        taken here straight from plotext's matrix, each colour triple styled as from_ansi would style it.
        """
        plt = self.plt
        w, h = self.size.width, self.size.height
        plt.plotsize(w, h)
        plt._set_size(w, h)  # as PlotextPlot.render does (textual-plotext issue 5)
        plt.theme(self._get_plotext_theme_name(self.app.theme))
        plt._set_sizes()
        plotext_series.build(plt)  # plotext's frame, our curves on it (the same cells)
        if plt.monitor.fast_plot:  # plotext's own shortcut path writes its canvas itself
            return super().render()
        return matrix_lines(plt.monitor.matrix)


CONTROL_CODES = frozenset(map(chr, STRIP_CONTROL_CODES))  # what rich's Text strips from its text
_STYLES: dict[tuple, Style | None] = {}  # plotext's (foreground, style, background) -> the Style from_ansi gives


def _cell_style(colors: tuple) -> Style | None:
    style = _STYLES.get(colors, _STYLES)
    if style is _STYLES:
        probe = Text.from_ansi(plotext_utility.colors_to_ansi(*colors) + "x" + plotext_utility.ansi_end)
        styles = [span.style for span in probe.spans]
        style = _STYLES[colors] = (
            Style.combine(s if isinstance(s, Style) else Style.parse(s) for s in styles) if styles else None
        )
    return style  # type: ignore[return-value]


def matrix_text(matrix) -> Text:
    """The Text of plotext's cell matrix (its top row first), as Text.from_ansi(matrix.set_canvas()) would be."""
    return Text("\n").join(matrix_lines(matrix))


def matrix_lines(matrix) -> list[Text]:
    """The Text of each row of plotext's cell matrix (its top row first), as from_ansi reads them: one span a run."""
    lines: list[Text] = []
    for row in reversed(matrix.Rows):
        markers, fg, style, bg = matrix.marker[row], matrix.fullground[row], matrix.style[row], matrix.background[row]
        cols = len(markers)
        start = 0
        spans: list[Span] = []
        while start < cols:
            colors = (fg[start], style[start], bg[start])
            stop = start + 1
            while stop < cols and fg[stop] == colors[0] and style[stop] == colors[1] and bg[stop] == colors[2]:
                stop += 1
            cell_style = _cell_style(colors)
            if cell_style is not None:
                spans.append(Span(start, stop, cell_style))
            start = stop
        lines.append(_row("".join(markers), spans))
    return lines


def _row(plain: str, spans: list[Span]) -> Text:
    """Text(plain, spans=spans, end=""): without its pass over every character where no control code is there to
    strip (str.translate on braille: ~0.6 ms of a 200x48 picture, a seventh of a RevealChart's build)."""
    if not CONTROL_CODES.isdisjoint(plain):
        return Text(plain, spans=spans, end="")
    row = Text(spans=spans, end="")
    row._text, row._length = [plain], len(plain)  # what Text.__init__ sets from text it has nothing to strip from
    return row


def label_rows(picture: Text, plot: BoundedPlot) -> Text:
    """Write the title, the y label (top left, above its axis) and the notes into the chart's outer rows.

    plotext puts a y label in the bottom-left corner, far from its axis, and silently drops a
    title that does not fit; here each goes where it is read, in the first wording that fits.
    """
    return Text("\n").join(label_lines(list(picture.split("\n", include_separator=False)), plot))


def label_lines(lines: list[Text], plot: BoundedPlot) -> list[Text]:
    """label_rows on the chart's rows (top first): the rows, the outer two rewritten."""
    if len(lines) < 3:
        return lines
    width = max(len(line.plain) for line in lines)
    style = _label_style(lines)
    top, bottom = lines[0], lines[-1]
    top_free = [c in (" ", BLANK) for c in top.plain.ljust(width)]
    room = len(plot.ylabel_text) + 2 if plot.ylabel_text else 0  # the y label's place, top left, and a gap
    # The first wording that leaves the y label its place, else the first that fits at all.
    title = fit(plot.title_text, width - room) if _any_fits(plot.title_text, width - room) else None
    title = title or fit(plot.title_text, width)
    if title and title.strip():
        start = _title_start(lines[1].plain, width, len(title))
        if room and start < room and room + len(title) <= width:
            start = room  # off centre, rather than sending the y label to the bottom corner
        top = _put(top, start, title, style)
        top_free[start : start + len(title)] = [False] * len(title)
    bottom_free = [c == " " for c in bottom.plain.ljust(width)] if plot.has_xlabel else [False] * width
    if plot.ylabel_text:
        label = plot.ylabel_text
        if _fits(top_free, 0, len(label)):
            top = _put(top, 0, label, style)
            top_free[: len(label)] = [False] * len(label)
        elif _fits(bottom_free, 0, len(label)):
            bottom = _put(bottom, 0, label, style)
            bottom_free[: len(label)] = [False] * len(label)
    notes = plot.note_variants()
    if notes:
        top, bottom = _put_note(notes, (top, top_free), (bottom, bottom_free), style + NOTE_STYLE, plot.has_xlabel)
    lines[0], lines[-1] = top, bottom
    return lines


def _put_note(
    notes: list[str], top: tuple[Text, list[bool]], bottom: tuple[Text, list[bool]], warn: Style, has_xlabel: bool
) -> tuple[Text, Text]:
    """The first wording of the note that fits at the right of the top or bottom row, else the shortest over the
    x label; returns both rows."""
    (top_row, top_free), (bottom_row, bottom_free) = top, bottom
    width = len(top_free)
    for text in notes:  # two free cells apart, so a note never reads as part of a label
        if _fits(top_free, width - len(text), len(text), gap=2):
            return _put(top_row, width - len(text), text, warn), bottom_row
        if _fits(bottom_free, width - len(text), len(text), gap=2):
            return top_row, _put(bottom_row, width - len(text), text, warn)
    text = notes[-1][:width]  # nothing free is wide enough: the note replaces the x label, which matters less
    if has_xlabel:
        return top_row, _put(bottom_row, 0, text.center(width), warn)
    return _put(top_row, 0, text, warn), bottom_row


def _any_fits(text, width: int) -> bool:
    variants = [text] if isinstance(text, str) else list(text or ())
    return any(len(v) <= width for v in variants)


def _title_start(frame_row: str, width: int, length: int) -> int:
    """Where plotext would centre a title on the canvas (between the frame's top corners)."""
    left, right = frame_row.find("┌"), frame_row.rfind("┐")
    if left < 0 or right <= left:
        left, right = -1, width
    col_start, canvas = left + 1, right - left - 1
    start = col_start + canvas // 2 - length // 2
    return max(0, min(start, width - length))


def _fits(free: list[bool], start: int, length: int, gap: int = 1) -> bool:
    """Whether [start, start + length) is free, with `gap` free cells between it and anything else."""
    if start < 0 or start + length > len(free):
        return False
    lo, hi = max(0, start - gap), min(len(free), start + length + gap)
    return all(free[lo:hi])


def _put(line: Text, start: int, text: str, style) -> Text:
    end = start + len(text)
    pad = Text(" " * max(0, end - len(line.plain)))
    line = line + pad if pad.plain else line
    return Text.assemble(line[:start], Text(text, style=style), line[end:])


def _label_style(lines: Sequence[Text]) -> Style:
    """The style plotext gives tick labels (colour and background), taken from a digit it drew."""
    for line in reversed(lines):
        for i, ch in enumerate(line.plain):
            if ch.isdigit():
                return _style_at(line, i)
    return _style_at(lines[0], 0)


def _style_at(line: Text, i: int) -> Style:
    styles = [line.style] + [span.style for span in line.spans if span.start <= i < span.end]
    return Style.combine(Style.parse(s) if isinstance(s, str) else s for s in styles)


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


def dimmed(color: tuple[int, int, int], amount: float = 0.45) -> tuple[int, int, int]:
    """`color` faded towards a dark background: a reference curve drawn under the learner's."""
    return (round(color[0] * amount), round(color[1] * amount), round(color[2] * amount))


__all__ = [
    "Chart",
    "decade_label",
    "decade_ticks",
    "dimmed",
    "downsample",
    "ema",
    "log10_clamped",
    "number_text",
    "round_ticks",
]
