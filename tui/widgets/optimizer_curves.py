"""Loss curves of several optimizers, one panel each or overlaid, raw and EMA-smoothed, up to a chosen iteration."""

from __future__ import annotations

import math
import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.reactive import reactive
from textual.widget import Widget

from ..charts.chart import Chart, dimmed
from ..charts.reveal_chart import RevealChart
from ..charts.smoothing import Ema

SMOOTHING = 0.9  # EMA weight: about the last ten iterations
YLIM = (0.0, 2.5)  # the course's y-limits
FAINT = (88, 88, 96)  # the raw curve under a smoothed one
SAME = 5e-4  # a learner's (smoothed) loss this close to the reference's reads "as the reference"
GROW_EVERY = 0.05  # seconds between two rebuilds of a chart for streamed data (one frame at 20 a second)...
GROW_SHARE = 0.2  # ...or longer, so that those rebuilds take at most this share of the UI's core


class OptimizerCurves(Widget):
    """Loss per iteration of named runs; `view` is "panels" or "overlay", `smoothed` adds the EMA.

    Data arrives in pieces (`add`); a run that went non-finite is marked with `diverge(name, k)`
    so its curve ends at iteration k. `upto` (None: everything) is the last iteration drawn, for
    playback; a dot marks where each cut curve ends. `log_y` draws the loss on a log axis. Charts
    coalesce redraws, so data can arrive as often as it likes. Curves added with `reference=True` are
    the reference's run beside the learner's (same seed): drawn dimmed under theirs, so a wrong rule
    shows as a second curve, and named in the summary where they differ.

    While the playhead moves (`moving`), each chart shows its whole curves cut at `upto`
    (RevealChart: two pictures built once, a cut of them per frame) instead of a plotext build per
    chart per frame (three builds, 40-60% of a core at 30 frames a second); the dot and the
    "diverged at" title come back, exact, when it stops. Data streamed in while it moves is only
    noted (RevealChart.grown): a chart is rebuilt when the cut reaches a column it lacks, not for
    every piece (three plotext builds per piece were most of the UI's core while Section 7 trained).
    """

    DEFAULT_CSS = """
    OptimizerCurves { height: 1fr; min-height: 8; }
    OptimizerCurves > Horizontal { height: 1fr; }
    OptimizerCurves .panel { width: 1fr; height: 1fr; min-height: 6; }
    OptimizerCurves #overlay { height: 1fr; display: none; }
    """

    # Its own picture is blank (the charts cover it): repainting it for a key repainted the whole area too (~2-4 ms).
    view: reactive[str] = reactive("panels", init=False, repaint=False)
    smoothed: reactive[bool] = reactive(True, init=False, repaint=False)
    log_y: reactive[bool] = reactive(False, init=False, repaint=False)
    upto: reactive[int | None] = reactive(None, init=False, repaint=False)
    moving = False  # the playhead is moving: charts are cut, not rebuilt (see show_upto)
    _next_grow = 0.0  # monotonic time before which no chart is rebuilt for streamed data

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
        self.reference: dict[str, list[float]] = {}  # the reference's run beside the learner's, when there is one
        self.reference_diverged_at: dict[str, int] = {}
        self._smooth: dict[tuple[str, bool], tuple[list[float], Ema]] = {}  # each curve's EMA so far (see _ema)
        self._chart_list: list[RevealChart] = []

    def compose(self) -> ComposeResult:
        with Horizontal():
            for i, name in enumerate(self.names):
                yield RevealChart(self._panel_drawer(name), id=f"panel-{i}", classes="panel")
        yield RevealChart(self._overlay_drawer, id="overlay")

    # -- data ---------------------------------------------------------------------------------
    def reset(self, max_steps: int) -> None:
        self.max_steps = max_steps
        self.losses = {n: [] for n in self.names}
        self.diverged_at = {}
        self.reference, self.reference_diverged_at = {}, {}
        self._smooth = {}
        self.redraw()

    def add(self, name: str, start: int, values, reference: bool = False) -> None:
        curve = self.reference.setdefault(name, []) if reference else self.losses[name]
        if start < len(curve):
            self._smooth.pop((name, reference), None)  # a repeated chunk: its EMA is worked out again
        del curve[start:]  # a repeated chunk replaces, never duplicates
        curve.extend(values)
        if self.moving and self.upto is not None:
            for chart in self._charts():  # hidden ones too: shown again, they know what they lack
                chart.grown(max(0, start - 1), self._last_x())
        if not self.moving or self.upto is None or start == 0:  # a new run's first points: its pictures anew
            self.redraw()

    def diverge(self, name: str, iteration: int, reference: bool = False) -> None:
        (self.reference_diverged_at if reference else self.diverged_at)[name] = iteration
        self.redraw()

    @property
    def length(self) -> int:
        """Iterations computed so far: the longest curve (a diverged one stops early)."""
        return max((len(v) for v in self.losses.values()), default=0)

    # -- drawing ------------------------------------------------------------------------------
    def watch_view(self, view: str) -> None:
        # Each one's display, not a class on this widget: a class makes Textual restyle the whole subtree (~5 ms).
        self.query_one(Horizontal).display = view == "panels"
        self.query_one("#overlay", RevealChart).display = view == "overlay"
        if self.moving and self.upto is not None:
            for chart in self._visible():  # shown again: what they lack now, not one at a time
                if chart.revealing and chart.lacks(self.upto):
                    chart.curves_changed(at_once=True)
            self._next_grow = time.monotonic() + GROW_EVERY  # no rebuild for streamed data in the key's frame
            self.show_upto(self.upto, moving=True)  # their cached cut if they have one, else one now
        else:
            self.redraw()

    def watch_smoothed(self) -> None:
        self.redraw(at_once=True)

    def watch_log_y(self, log_y: bool) -> None:
        for chart in self.query(Chart):
            chart.log_y = log_y
        if self.moving and self.upto is not None:
            self.redraw(at_once=True)  # a cut chart's cached pictures have the other axis

    def show_upto(self, upto: int | None, moving: bool) -> None:
        """Show the curves up to iteration `upto`; `moving`: the playhead goes on (cut cached pictures)."""
        was_moving, self.moving = self.moving, moving
        self.upto = upto
        if moving and upto is not None:
            charts = self._visible()
            # Streamed data: one chart rebuilt at a time, the longest waiting, at most one build per GROW_SHARE of
            # the time; the others' cuts wait at the last column they have (three at once delayed a key ~30 ms).
            # A chart built less than GROW_EVERY ago waits too: a key's frame that built it (v, s) is often later than
            # the key's own _next_grow, and the data after it rebuilt the same chart again at once (twice a key).
            now = time.monotonic()
            due = [c for c in charts if was_moving and c.revealing and c.lacks(upto) and now - c.built_at >= GROW_EVERY]
            pick = min(due, key=lambda c: c.built_at) if due and now >= self._next_grow else None
            for chart in charts:
                if not chart.revealing or not was_moving:
                    chart.draw_growing(self._whole_drawer(chart), upto, data_end=self._last_x())
                else:
                    chart.reveal(upto, rebuild=chart is pick)
            if pick is not None:
                self._next_grow = now + max(GROW_EVERY, pick.build_seconds / GROW_SHARE)
        else:
            self.redraw()

    def _last_x(self) -> int:
        """The last iteration any curve has (the reference's too)."""
        return max((len(v) for v in (*self.losses.values(), *self.reference.values())), default=0) - 1

    def _visible(self) -> list[RevealChart]:
        charts = self._charts()
        return charts[-1:] if self.view == "overlay" else charts[:-1]

    def _charts(self) -> list[RevealChart]:
        """The panels, then the overlay (looked up once: redraw and show_upto ask many times a second)."""
        if not self._chart_list:
            self._chart_list = [*self.query(".panel").results(RevealChart), self.query_one("#overlay", RevealChart)]
        return self._chart_list

    def _whole_drawer(self, chart: RevealChart):
        """The chart's drawer over every iteration computed (RevealChart cuts it at `upto`)."""
        if chart.id == "overlay":
            return lambda plt: self._overlay_drawer(plt, whole=True)
        name = self.names[int((chart.id or "panel-0").rsplit("-", 1)[1])]
        return self._panel_drawer(name, whole=True)

    def redraw(self, *, at_once: bool = False) -> None:
        """Ask the visible charts for a new picture (the others are drawn when shown); `at_once`: for a key,
        at the next frame (streamed data waits for each chart's interval)."""
        if not self.is_mounted:
            return
        if at_once:  # the key rebuilds the shown charts: no rebuild for streamed data in its frame
            self._next_grow = time.monotonic() + GROW_EVERY
        visible = self._visible()
        for chart in self._charts():
            if self.moving and self.upto is not None and chart.revealing:
                chart.curves_changed(at_once=at_once or chart not in visible)  # hidden: only marked stale
            elif chart in visible:
                chart.draw(self._exact_drawer(chart))

    def _exact_drawer(self, chart: RevealChart):
        if chart.id == "overlay":
            return self._overlay_drawer
        return self._panel_drawer(self.names[int((chart.id or "panel-0").rsplit("-", 1)[1])])

    def _shown(self, name: str, whole: bool = False, reference: bool = False) -> tuple[list[float], list[float]]:
        """Raw and (if smoothing) smoothed losses up to `upto`; the EMA is causal, so a cut of it is exact."""
        raw = self.reference.get(name, []) if reference else self.losses[name]
        smooth = self._ema(name, reference, raw) if self.smoothed else raw
        stop = len(raw) if self.upto is None or whole else min(len(raw), self.upto + 1)
        return raw[:stop], smooth[:stop]

    def _ema(self, name: str, reference: bool, raw: list[float]) -> list[float]:
        """The curve's EMA, extended by the values added since the last call (the summary asks at every frame)."""
        smooth, state = self._smooth.get((name, reference)) or ([], Ema(SMOOTHING))
        if len(smooth) > len(raw):
            smooth, state = [], Ema(SMOOTHING)
        smooth.extend(state(v) for v in raw[len(smooth) :])
        self._smooth[name, reference] = (smooth, state)
        return smooth

    def _frame(self, plt, title, size, names) -> None:
        plt.title(title)
        plt.xlim(0, self.max_steps)
        plt.ylim(self._y_floor(names) if self.log_y else YLIM[0], YLIM[1])
        ticks = iteration_ticks(self.max_steps, max(2, size.width // 8))
        plt.xticks(ticks, [str(t) for t in ticks])
        # Half-unit ticks when there are rows for them (title, frame and x axis take about 5).
        yticks = [0, 0.5, 1, 1.5, 2, 2.5] if size.height - 5 >= 10 else [0, 1, 2]
        plt.yticks(yticks, [f"{t:g}" for t in yticks])  # a log axis puts its own ticks
        plt.xlabel("iteration")

    def _y_floor(self, names) -> float | None:
        """A log axis's bottom: the lowest loss of the whole run, so it stays put while the curves grow."""
        low = [v for n in names for v in self.losses[n] if math.isfinite(v) and v > 0]
        return min(low) if low else None

    def _curve(self, plt, xs, ys, color) -> None:
        plt.plot(xs, ys, color=color, marker="braille")

    def _head(self, plt, name: str, ys: list[float]) -> None:
        """A dot where a curve is cut by playback, so the eye finds the current iteration."""
        if self.upto is not None and ys and len(ys) < len(self.losses[name]):
            plt.scatter([len(ys) - 1], [ys[-1]], color=self.series_colors[name], marker="●")

    def _panel_drawer(self, name: str, whole: bool = False):
        """One optimizer's panel at `upto`; `whole`: every iteration computed, no dot (for a cut)."""

        def draw(plt) -> None:
            chart = self.query_one(f"#panel-{self.names.index(name)}", Chart)
            k = self.diverged_at.get(name)
            shown_k = k is not None and (self.upto is None or whole or self.upto >= k)
            title = name if not shown_k else (f"{name}: diverged at {k}", f"{name} ✗ at {k}", f"{name} ✗")
            self._frame(plt, title, chart.size, [name])
            self._reference_curve(plt, name, whole)
            raw, smooth = self._shown(name, whole)
            if not raw:
                return
            xs = list(range(len(raw)))
            if self.smoothed:
                self._curve(plt, xs, raw, FAINT)
            self._curve(plt, xs, smooth, self.series_colors[name])
            if not whole:
                self._head(plt, name, smooth)

        return draw

    def _overlay_drawer(self, plt, whole: bool = False) -> None:
        size = self.query_one("#overlay", Chart).size
        self._frame(plt, "loss, smoothed (EMA 0.9)" if self.smoothed else "loss", size, self.names)
        # No plotext legend: it covers the top-left, where every curve starts; the summary
        # line above the chart names each optimizer in its colour instead.
        for name in self.names:
            self._reference_curve(plt, name, whole)
        for name in self.names:
            _, smooth = self._shown(name, whole)
            if smooth:
                self._curve(plt, list(range(len(smooth))), smooth, self.series_colors[name])
                if not whole:
                    self._head(plt, name, smooth)

    def _reference_curve(self, plt, name: str, whole: bool = False) -> None:
        """The reference's (smoothed) curve, dimmed: drawn first, so the learner's covers it where they agree."""
        _, smooth = self._shown(name, whole, reference=True)
        if smooth:
            self._curve(plt, list(range(len(smooth))), smooth, dimmed(self.series_colors[name]))

    def summary(self) -> Text:
        """One line: each optimizer's (smoothed) loss at the iteration shown, or where it diverged."""
        at = "" if self.upto is None else f" at {self.upto}"
        parts: list = [("EMA loss" if self.smoothed else "loss") + at + "  "]
        for i, name in enumerate(self.names):
            if i:
                parts.append(" · ")
            k = self.diverged_at.get(name)
            parts.append((name, "bold rgb({},{},{})".format(*self.series_colors[name])))
            _, smooth = self._shown(name)
            if k is not None and (self.upto is None or self.upto >= k):
                parts.append((f" diverged at {k}", "bold yellow"))
                continue
            value = smooth[-1] if smooth else None
            parts.append(" –" if value is None or not math.isfinite(value) else f" {loss_text(value)}")
            parts.append(self._against_reference(name, value))
        return Text.assemble(*parts)

    def _against_reference(self, name: str, value: float | None) -> tuple[str, str] | str:
        """ "" without a reference run; else " (ref 0.172)" where the learner's differs from it."""
        if not self.reference:
            return ""
        _, ref = self._shown(name, reference=True)
        k = self.reference_diverged_at.get(name)
        if k is not None and (self.upto is None or self.upto >= k):
            return (f" (ref diverged at {k})", "dim")
        if not ref or value is None or not math.isfinite(value) or not math.isfinite(ref[-1]):
            return ""
        return "" if abs(ref[-1] - value) <= SAME else (f" (ref {loss_text(ref[-1])})", "bold yellow")

    def gap(self) -> float | None:
        """The largest difference between the learner's (raw) losses and the reference's so far (None: no reference)."""
        if not self.reference:
            return None
        gaps = [
            abs(a - b)
            for name in self.names
            for a, b in zip(self.losses[name], self.reference.get(name, []))
            if math.isfinite(a) and math.isfinite(b)
        ]
        return max(gaps, default=0.0)


def loss_text(value: float) -> str:
    """0.172, or 7.49e+05 for a loss that blew up (three decimals of a huge number only take room)."""
    return f"{value:.3f}" if abs(value) < 1000 else f"{value:.3g}"


def iteration_ticks(max_steps: int, most: int) -> list[int]:
    """Round iteration numbers from 0 for the x axis, at most `most` of them."""
    for step in (10, 20, 25, 50, 100, 200, 250, 500):
        if max_steps // step + 1 <= most:
            return list(range(0, max_steps + 1, step))
    return [0, max_steps]
