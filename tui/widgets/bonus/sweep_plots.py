"""Plotext drawers of the Sweep tab: every copy's validation curve as it trains, and the final result against the
swept value (the U-shaped curve of a learning-rate sweep)."""

from __future__ import annotations

import math

from engine.contracts.sweep import SWEEPABLE, value_text

from ...charts.ticks import round_ticks
from .plots import nice_ticks
from .sweep_live import SweepLive

# One 256-colour code per copy (plotext takes the number, Rich "color(n)"): 16 that stay apart on dark terminals.
PALETTE = (51, 208, 46, 201, 226, 196, 33, 255, 123, 214, 118, 213, 229, 203, 75, 250)
BEST = "★"


def copy_colour(copy: int) -> int:
    return PALETTE[copy % len(PALETTE)]


def rich_colour(copy: int) -> str:
    return f"color({copy_colour(copy)})"


def _metric(metric: str, loss: float, acc: float) -> float:
    return 100 * acc if metric == "acc" else loss


def _y_range(values: list[float], metric: str) -> tuple[float, float]:
    """A range that shows the copies apart: accuracy from a little under the lowest (not from 0)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return (0.0, 100.0) if metric == "acc" else (0.0, 1.0)
    lo, hi = min(finite), max(finite)
    pad = max((hi - lo) * 0.08, 0.5 if metric == "acc" else 1e-3)
    lo, hi = lo - pad, hi + pad
    if metric == "acc":
        return max(0.0, lo), min(100.0, hi)
    return max(0.0, lo), hi


def draw_sweep_curves(plt, live: SweepLive, metric: str = "acc") -> None:
    """Each copy's validation accuracy (or loss) against epochs, one colour per copy, as the copies train."""
    plt.title("validation accuracy % · each copy" if metric == "acc" else "validation loss · each copy")
    plotted: list[float] = []
    right = 1.0
    for copy in range(len(live.copies)):
        bpe = live.batches_per_epoch(copy)
        right = max(right, live.total_steps[copy] / bpe if copy < len(live.total_steps) else 1.0)
        points = live.vals.get(copy, [])
        xs = [s / bpe for s, _, _ in points]
        ys = [_metric(metric, loss, acc) for _, loss, acc in points]
        keep = [(x, y) for x, y in zip(xs, ys) if math.isfinite(y)]
        if not keep:
            continue
        xs, ys = [p[0] for p in keep], [p[1] for p in keep]
        plt.plot(xs, ys, color=copy_colour(copy), marker="braille")
        plt.scatter(xs[-1:], ys[-1:], color=copy_colour(copy), marker="●")
        plotted += ys
    plt.xlabel("epoch")
    plt.xlim(0, right)
    plt.xticks(*nice_ticks(0, right, 5))
    lo, hi = _y_range(plotted, metric)
    plt.ylim(lo, hi)
    plt.yticks(*round_ticks(lo, hi, 4))


def _x(value: float, log: bool) -> float:
    return math.log10(value) if log else float(value)


def draw_sweep_result(plt, live: SweepLive, metric: str = "acc") -> None:
    """Final validation accuracy (or loss) of each copy against the first swept value; with two swept settings,
    one line per value of the second. The best copy is marked ★; diverged copies are named in the title."""
    if not live.result or not live.axes:
        plt.title("the result appears when the sweep ends")
        return
    first = live.axes[0]
    second = live.axes[1] if len(live.axes) > 1 else None
    values = sorted({row.values[first] for row in live.result})
    log = SWEEPABLE[first].log_grid and min(values) > 0
    diverged = [row for row in live.result if not math.isfinite(row.val_acc)]
    what = "final validation accuracy %" if metric == "acc" else "final validation loss"
    plt.title(what + (f" · ✗ {len(diverged)} diverged" if diverged else ""))
    lines = sorted({row.values[second] for row in live.result}) if second else [None]
    plotted: list[float] = []
    for i, line in enumerate(lines):
        rows = [r for r in live.result if line is None or r.values[second] == line]
        rows = sorted((r for r in rows if math.isfinite(r.val_acc)), key=lambda r: r.values[first])
        if not rows:
            continue
        xs = [_x(r.values[first], log) for r in rows]
        ys = [_metric(metric, r.val_loss, r.val_acc) for r in rows]
        colour = copy_colour(i) if second else copy_colour(0)
        label = f"{SWEEPABLE[second].label} {value_text(line)}" if second else None
        plt.plot(xs, ys, color=colour, marker="braille", label=label)
        plt.scatter(xs, ys, color=colour, marker="●")
        plotted += ys
    best = live.best()
    if best is not None:
        plt.scatter(
            [_x(best.values[first], log)], [_metric(metric, best.val_loss, best.val_acc)], color="white", marker=BEST
        )
    shown = values if len(values) <= 6 else values[:: math.ceil(len(values) / 6)]
    plt.xticks([_x(v, log) for v in shown], [value_text(v) for v in shown])
    lo_x, hi_x = _x(values[0], log), _x(values[-1], log)
    pad = (hi_x - lo_x) * 0.05 or 1.0
    plt.xlim(lo_x - pad, hi_x + pad)
    plt.xlabel(SWEEPABLE[first].label + (" (log axis)" if log else ""))
    lo, hi = _y_range(plotted, metric)
    plt.ylim(lo, hi)
    plt.yticks(*round_ticks(lo, hi, 4))
