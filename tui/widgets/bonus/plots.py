"""Plotext drawers for the Bonus screen: a run's live loss/accuracy and several runs overlaid."""

from __future__ import annotations

import math
from collections.abc import Sequence

from ...charts.chart import decade_ticks, downsample
from ...charts.smoothing import ema
from .live import SMOOTHING, LiveRun

POINTS = 240  # points per curve after downsampling: ~2 per braille column of a wide chart
RAW, SMOOTH, VALID = "gray", "cyan", "orange"
RUN_COLOURS = ("cyan", "orange", "green", "magenta", "yellow", "red", "blue", "white")
RICH = {"orange": "dark_orange", "gray": "grey50"}  # plotext colour names Rich spells differently
LOG_ABOVE = 20.0  # a loss curve reaching this is drawn on a log10 axis (diverging runs stay readable)


def nice_ticks(lo: float, hi: float, n: int = 5) -> tuple[list[float], list[str]]:
    """About n round ticks (steps of 1, 2, 2.5 or 5 times a power of ten) covering [lo, hi]."""
    raw = max(hi - lo, 1e-9) / max(1, n - 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw * (1 - 1e-9))
    ticks = [k * step for k in range(math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9) + 1)]
    return ticks, [f"{t:,.0f}" if step >= 1 else f"{t:g}" for t in ticks]


def _finite(xs: Sequence[float], ys: Sequence[float]) -> tuple[list[float], list[float]]:
    pairs = [(x, y) for x, y in zip(xs, ys) if math.isfinite(y)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _curve(plt, xs, ys, colour: str, label: str | None = None) -> None:
    xs, ys = _finite(*downsample(xs, ys, POINTS))
    if xs:
        plt.plot(xs, ys, color=colour, marker="braille", label=label)


def _points(plt, xs, ys, colour: str) -> None:
    xs, ys = _finite(xs, ys)
    if xs:
        plt.plot(xs, ys, color=colour, marker="braille")
        plt.scatter(xs, ys, color=colour, marker="●")


class Axis:
    """Maps loss or accuracy values to what is plotted: %, linear, or log10 for exploding losses.

    With `log_view` (the learner's y key) a loss goes to the chart as it is: the Chart's own log
    axis (Chart.log_y) takes its log and picks the ticks, whatever the values.
    """

    def __init__(self, metric: str, values: Sequence[float], log_view: bool = False) -> None:
        self.metric = metric
        self.log_view = log_view and metric == "loss"
        finite = [v for v in values if math.isfinite(v)]
        self.log = not self.log_view and metric == "loss" and bool(finite) and max(finite) > LOG_ABOVE

    def __call__(self, ys: Sequence[float]) -> list[float]:
        if self.metric == "acc":
            return [100 * y for y in ys]
        if self.log:
            return [math.log10(y) if math.isfinite(y) and y > 0 else math.nan for y in ys]
        return list(ys)

    def finish(self, plt, plotted: Sequence[float]) -> None:
        if self.log_view:
            return  # the chart's log axis sets its range and decade ticks
        if self.metric == "acc":
            plt.ylim(0, 100)
        elif self.log:
            finite = [v for v in plotted if math.isfinite(v)]
            if finite:
                # At most a tick every other row: where two ticks share a row plotext keeps one of
                # them, and which one changed with the last digits of the range (a flaky snapshot).
                rows = getattr(plt, "height", 24) - 4
                ticks, labels = decade_ticks(min(finite), max(finite), max_ticks=max(2, min(5, rows // 2 + 1)))
                plt.yticks(ticks, labels)
        else:
            plt.ylim(0, None)


def draw_live(plt, live: LiveRun, metric: str, smooth: bool, log_view: bool = False) -> None:
    """One metric ("loss" or "acc") of the current run: train per iteration, validation at its points.

    `log_view`: the loss goes to a chart whose log_y is on (the learner asked for a log axis)."""
    raw = live.losses if metric == "loss" else live.accs
    smoothed = live.smooth_losses if metric == "loss" else live.smooth_accs
    vals = live.val_losses if metric == "loss" else live.val_accs
    axis = Axis(metric, list(raw) + list(vals), log_view)
    scale = " (log y)" if axis.log_view else " (log scale)" if axis.log else ""
    title = "loss" + scale if metric == "loss" else "accuracy %"
    plt.title(title + (" · a loaded model has no curves" if live.evaluating_only else ""))
    right = max(live.total_steps, live.steps, 2)
    plt.xlim(0, right)
    plt.xticks(*nice_ticks(0, right, 6))
    xs = list(range(1, len(raw) + 1))
    plotted: list[float] = []
    if raw:
        y_raw = axis(raw)
        if smooth:
            _curve(plt, xs, y_raw, RAW)
            y_smooth = axis(smoothed)
            _curve(plt, xs, y_smooth, SMOOTH)
            plotted += y_smooth
        else:
            _curve(plt, xs, y_raw, SMOOTH)
        plotted += y_raw
    if vals:
        y_val = axis(vals)
        _points(plt, live.val_steps, y_val, VALID)
        plotted += y_val
    axis.finish(plt, plotted)


def run_label(record) -> str:
    c = record.config
    return f"#{record.id} {c.get('optimizer', '?')} {c.get('lr', 0):.0e}"


def batches_per_epoch(config: dict) -> int:
    """The course's batch count: ceil(training examples / batch size)."""
    n = config.get("train_limit") or 50_000
    return max(1, math.ceil(n / max(1, int(config.get("batch_size", 64)))))


def draw_overlay(plt, records: Sequence, metric: str, log_view: bool = False) -> None:
    """Several runs on one chart, x in epochs so different batch sizes line up; one colour per run.

    `log_view`: the loss goes to a chart whose log_y is on."""
    curves, plotted = [], []
    for record in records:
        raw = record.train_loss if metric == "loss" else record.train_acc
        vals = record.val_loss if metric == "loss" else record.val_acc
        curves.append((record, ema(list(raw), SMOOTHING), list(vals)))
        plotted += [v for v in raw if math.isfinite(v)] + list(vals)
    axis = Axis(metric, plotted, log_view)
    plt.title(
        ("train loss (smoothed) · valid ●" + (" · log y" if axis.log_view else " · log" if axis.log else ""))
        if metric == "loss"
        else "train accuracy % (smoothed) · valid ●"
    )
    all_y: list[float] = []
    right = 0.0
    for i, (record, smooth, vals) in enumerate(curves):
        colour = RUN_COLOURS[i % len(RUN_COLOURS)]
        per_epoch = batches_per_epoch(record.config)
        xs = [(k + 1) / per_epoch for k in range(len(smooth))]
        right = max(right, xs[-1] if xs else 0.0)
        ys = axis(smooth)
        _curve(plt, xs, ys, colour)
        if vals:
            vy = axis(vals)
            _points(plt, [s / per_epoch for s in record.val_steps], vy, colour)
            all_y += vy
        all_y += ys
    plt.xlabel("epoch")
    if right > 0:
        plt.xlim(0, right)
        plt.xticks(*nice_ticks(0, right, 5))
    axis.finish(plt, all_y)
