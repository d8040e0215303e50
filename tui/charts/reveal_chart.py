"""A Chart whose curves can grow along x frame by frame at almost no cost: two pictures built once, cut per frame."""

from __future__ import annotations

import math
import time

from textual.geometry import Region
from textual.strip import Strip
from textual.timer import Timer

from .chart import HEADROOM, MIN_INTERVAL, Chart, Drawer
from .cuts import Cuts
from .picture import Picture


class RevealChart(Chart):
    """A Chart that can show its curves only up to some x, for animations.

    `draw(drawer)` shows a whole picture, as Chart does. `draw_growing(drawer)` takes a picture whose
    curves `reveal(x)` then shows up to x: the columns of the picture up to x's column, and after
    it the same picture with every plot/scatter call reduced to an invisible dot at its first
    point (same axes, ticks and guides, no curves). Both pictures are built by plotext once per
    size (the costly part, tens of ms), so a frame is a cut of cached strips, and only the
    cells that changed are repainted: the rows where the curves have cells between the old cut and
    the new one. Curves must run in increasing x (a loss over iterations) and the drawer must set
    xlim and ylim, so both pictures share their layout. `reveal(None)` shows the whole picture
    through Chart's own path. A streaming run says `grown(from_x, to_x)`: the picture is rebuilt only
    once the cut passes a column whose dots it lacks, not for every piece of data.
    """

    def __init__(self, drawer: Drawer | None = None, *, id: str | None = None, classes: str | None = None):
        super().__init__(drawer, id=id, classes=classes)
        self._base: Drawer | None = None
        self._upto: float | None = None
        self._column = -1  # the last column of the full picture on show while revealing
        self._pictures: tuple | None = None  # (key, full strips, base strips, (col0, width, x0, x1))
        self._stale_full = False  # only the full picture needs rebuilding (more data, same axes)
        self._more_data: Timer | None = None  # a curves_changed() waiting for the chart's interval
        self._cuts: Cuts | None = None  # the rows of the pictures on show, ready to cut (built with them)
        self._frame_pictures: tuple | None = None  # the pictures of the render pass under way (render_lines)
        self._data_end = math.inf  # the curves' last x, where more may come (grown); inf: they are whole
        self._exact_to = math.inf  # the full picture has every dot of the columns left of this x's
        self.built_at = 0.0  # monotonic time of the last build of its pictures

    def draw(self, drawer: Drawer | None) -> None:
        self._base, self._upto, self._pictures = None, None, None
        super().draw(drawer)

    def draw_growing(self, drawer: Drawer, upto: float | None = None, *, data_end: float = math.inf) -> None:
        """Show `drawer`'s curves up to x = upto (None: all of them); `data_end`: their last x while more may come
        (see grown).

        A new run on the same axes (the usual case: a learner changed lr) keeps the empty axes'
        picture and builds only the full one: half the cost of a key press. The axes are compared
        where they are drawn (the y labels and the x axis rows), so guides must follow from them.
        """
        self._drawer, self._base = drawer, without_curves(drawer)
        self._upto, self._column = upto, -1
        self._data_end = data_end
        if self._pictures is not None:
            self._pictures, self._stale_full = (None, *self._pictures[1:]), True
        self.refresh()

    def reveal(self, upto: float | None, *, rebuild: bool = True) -> None:
        """Move the cut to x = upto; repaint only the columns between the old cut and the new one.

        Where the cut would pass a column that lacks streamed dots (see grown), the full picture is rebuilt;
        with rebuild=False the cut waits at the last column it has instead (a caller spreading rebuilds)."""
        if self._base is None:
            return
        if upto is None or self._upto is None:
            self._upto, self._column = upto, -1
            self.refresh()
            return
        self._upto = upto
        before = self._pictures
        pictures = self._current()
        if pictures is None or pictures is not before:  # rebuilt: every column may have changed
            self._column = -1
            self.refresh()
            return
        column = self._column_of(upto, pictures[3])
        exact = self._column_of(self._exact_to, pictures[3])
        if column > exact and rebuild:  # a column left of the cut lacks streamed dots
            self._rebuild_now(upto)
            return
        if column > exact:
            column, self._upto = exact, self._exact_to
        if column != self._column:
            lo, hi = sorted((column, self._column))
            self._column = column
            # Only the cells between the two cuts change, and of them only where the curves differ from the empty axes.
            cuts = self._cuts
            self.refresh(*cuts.changed(lo + 1, hi + 1)) if cuts else self.refresh(
                Region(lo + 1, 0, hi - lo, len(pictures[1]))
            )

    def _rebuild_now(self, upto: float) -> None:
        """The full picture again with the streamed data, cut at upto, repainting only the cells that change."""
        old, old_cut = self._cuts, self._column + 1
        if self._more_data is not None:
            self._more_data.stop()
            self._more_data = None
        if self._pictures is not None:
            self._pictures, self._stale_full = (None, *self._pictures[1:]), True
        pictures = self._current()
        self._column = -1
        if pictures is None or old is None or self._cuts is None:
            self.refresh()
            return
        column = self._column_of(upto, pictures[3])
        regions = self._cuts.changes_from(old, old_cut, column + 1)
        if regions is None:  # other axes, or a picture that is not plain cells: all of it
            self.refresh()
            return
        self._column = column
        if regions:
            self.refresh(*regions)

    def lacks(self, upto: float | None) -> bool:
        """Whether a cut at x = upto would pass a column whose streamed dots the full picture lacks."""
        pictures = self._pictures
        if upto is None or pictures is None or pictures[0] is None:
            return False
        return self._column_of(upto, pictures[3]) > self._column_of(self._exact_to, pictures[3])

    def grown(self, from_x: float, to_x: float) -> None:
        """A streaming run's curves have new points from x = from_x (the last one they had) to x = to_x.

        Nothing is built here: the full picture keeps what it had, and reveal() rebuilds it once the cut
        moves right of from_x's column (the dots of the column the cut stands in may lag until it moves on).
        """
        self._exact_to = min(self._exact_to, from_x)
        self._data_end = to_x

    def curves_changed(self, *, at_once: bool = False) -> None:
        """The drawer's curves have more points (a streaming run): rebuild the full picture, keep the empty axes.

        As Chart.redraw: at once when the chart has been quiet, else once at the end of its interval
        (data can stream in many times a frame; each rebuild is a plotext build). `at_once`: the learner's
        key changed the curves (smoothing, a log axis): at the next frame, whatever the interval."""
        wait = self._next_build - time.monotonic()
        if wait > 0 and not at_once:
            if self._more_data is None:
                self._more_data = self.set_timer(wait, self._rebuild_full)
            return
        if at_once and self.revealing and self._cuts is not None and self._upto is not None:
            self._rebuild_now(self._upto)  # now, repainting only the cells that change (a key: s, y)
            return
        if self._more_data is not None:  # this rebuild is the one it waited for
            self._more_data.stop()
        self._rebuild_full()

    @property
    def redraw_pending(self) -> bool:
        return super().redraw_pending or self._more_data is not None

    def _rebuild_full(self) -> None:
        self._more_data = None
        if self._pictures is not None:
            self._pictures = (None, *self._pictures[1:])  # a key that never matches: rebuilt on the next frame
            self._stale_full = True
        self.refresh()

    @property
    def revealing(self) -> bool:
        return self._base is not None and self._upto is not None

    def render_lines(self, crop: Region) -> list[Strip]:
        # The pictures are looked up once per render pass, not once per line (self.size walks the compositor).
        self._frame_pictures = self._current() if self.revealing else None
        try:
            return super().render_lines(crop)
        finally:
            self._frame_pictures = None

    def render_line(self, y: int) -> Strip:
        if not self.revealing:
            return super().render_line(y)
        pictures = self._frame_pictures or self._current()
        if pictures is None or y >= len(pictures[1]):
            return Strip.blank(self.size.width)
        full, canvas = pictures[1], pictures[3]
        cut = self._column_of(self._upto, canvas) + 1
        self._column = cut - 1
        if y in (0, len(full) - 1) or self._cuts is None:  # the title, label and note rows hold no curve
            return full[y]
        return self._cuts.row(y, cut)

    def on_resize(self) -> None:
        # A render at the new size may have come first and built them already (_current keys them by size).
        key = self._pictures[0] if self._pictures is not None else None
        if key is None or key[:2] != tuple(self.size):
            self._pictures, self._cuts = None, None

    # -- the two pictures -----------------------------------------------------------------
    def _current(self) -> tuple | None:
        w, h = self.size
        if not (w and h and self.is_mounted):
            return None
        key = (w, h, self.app.theme)
        started = time.perf_counter()
        before = self._pictures
        if self._pictures is not None and self._pictures[0] is None and self._stale_full:
            _, _, base, canvas = self._pictures
            if len(base) == h and base and base[0].cell_length == w:  # same size: the empty axes may still hold
                full, new_canvas = self._picture(self._drawer, w, h)
                cuts = Cuts(full, base, w, self._cuts)
                if new_canvas == canvas and cuts.same_axes(canvas[0]):
                    self._pictures, self._stale_full = (key, full, base, canvas), False
                else:  # more data moved the limits or the ticks: the empty axes must follow
                    base, _ = self._picture(self._base, w, h)
                    cuts = Cuts(full, base, w)
                    self._pictures, self._stale_full = (key, full, base, new_canvas), False
                self._cuts = cuts
        if self._pictures is None or self._pictures[0] != key:
            full, canvas = self._picture(self._drawer, w, h)
            base, _ = self._picture(self._base, w, h)
            self._pictures, self._stale_full = (key, full, base, canvas), False
            self._cuts = Cuts(full, base, w)
        if self._pictures is not before:  # built: the next rebuild for streamed data waits, as Chart.render does
            self._exact_to = self._data_end
            self.built_at = time.monotonic()
            self.build_seconds = time.perf_counter() - started
            self.builds += 1
            self._next_build = time.monotonic() + max(MIN_INTERVAL, HEADROOM * self.build_seconds)
        return self._pictures

    def _picture(self, drawer: Drawer | None, w: int, h: int) -> tuple[list[Strip], tuple]:
        """One plotext picture as strips, and where its canvas lies: (first column, width, x0, x1)."""
        text, plot = self.figure(drawer)  # as Chart builds it: bounded input, round ticks, labels placed
        if drawer is self._drawer:
            self.last_plot = plot  # what the picture with the curves sent (tests read its work and notes)
        monitor = getattr(self.plt, "monitor")  # noqa: B009 - plotext's figure keeps it untyped
        cols, (x0, x1) = monitor.matrix.Cols_canvas, monitor.xlim[0]
        strips = text.rich_strips(w, h, self.rich_style) if isinstance(text, Picture) else None
        if strips is None:
            console = self.app.console
            options = console.options.update(width=w, height=h, no_wrap=True, overflow="crop")
            lines = console.render_lines(text, options, style=self.rich_style, pad=True)
            strips = [Strip(line, w) for line in lines[:h]]
        return strips, (cols.start, len(cols), x0, x1)

    @staticmethod
    def _column_of(x: float | None, canvas: tuple) -> int:
        """The canvas column that holds x (plotext's own mapping for braille, two dots per column)."""
        col0, width, x0, x1 = canvas
        if x is None or x0 is None or x1 is None or x1 == x0 or not math.isfinite(x):
            return col0 + width
        dot = math.floor(round(0.5 + (2 * width - 1) * (x - x0) / (x1 - x0), 8))
        return col0 + min(max(dot // 2, -1), width)


class _NoCurves:
    """plt as a drawer sees it, except that each curve becomes invisible dots at its extreme points.

    The dots (its first and last point, its lowest and highest y) give the figure the same data
    range as the full picture, so the bounded plot picks the same limits and ticks and both
    pictures share their layout; and they keep each axis in use (plotext drops the ticks of an
    axis without data), while drawing nothing a later frame would need to hide.
    """

    def __init__(self, plt) -> None:
        self._plt = plt

    def __getattr__(self, name: str):
        return getattr(self._plt, name)

    def plot(self, *args, **kwargs) -> None:
        xs, ys = args[:2] if len(args) >= 2 else (range(1, len(args[0]) + 1), args[0])
        log_y = bool(getattr(self._plt, "log_y", False))
        points = [
            (float(x), float(y))
            for x, y in zip(xs, ys)
            if math.isfinite(float(x)) and math.isfinite(float(y)) and (float(y) > 0 or not log_y)
        ]
        if not points:
            return
        keep = {points[0], points[-1], min(points, key=lambda p: p[1]), max(points, key=lambda p: p[1])}
        keep |= {min(points), max(points)}
        sides = {k: kwargs[k] for k in ("xside", "yside") if k in kwargs}
        chosen = sorted(keep)
        self._plt.scatter([p[0] for p in chosen], [p[1] for p in chosen], marker=" ", **sides)

    scatter = plot


def without_curves(drawer: Drawer | None) -> Drawer:
    """The drawer's axes, limits, labels and guides, without its curves."""

    def base(plt) -> None:
        if drawer is not None:
            drawer(_NoCurves(plt))

    return base
