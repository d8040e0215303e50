"""A Section 7 panel built by plotext alone versus through BoundedPlot: a course-like run, and lr 1 (1e5 .. 1e30, NaN).

Prints, per terminal size, the median build time and the pixels plotext interpolates. plotext alone
is only timed on the course-like run: on the exploding one its pixel count is computed, not drawn
(it would take minutes and gigabytes).
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import plotext._utility as ut
from textual_plotext.plot import Plot

from tui.charts.bounds import BoundedPlot

SIZES = {"80x24": (26, 12), "100x30": (33, 17), "200x60": (66, 40)}  # one of three panels
PIXELS = [0]
_line = ut.get_line


def counted_line(x, y):
    line = _line(x, y)
    PIXELS[0] += len(line[0])
    return line


ut.get_line = counted_line


def course_like(n: int = 500) -> tuple[list[float], list[float]]:
    rng = random.Random(0)
    raw = [max(0.02, 0.15 + 2.15 * math.exp(-i / 60) + rng.gauss(0, 0.12)) for i in range(n)]
    smooth, s = [], raw[0]
    for v in raw:
        s = 0.9 * s + 0.1 * v
        smooth.append(s)
    return raw, smooth


def exploding(n: int = 500) -> tuple[list[float], list[float]]:
    values = [2.3, 1e5, 3e9, 1e15, 1e30, math.nan, math.inf]
    raw = [values[i % len(values)] for i in range(n)]
    return raw, raw


def build(size: tuple[int, int], series, bounded: bool) -> tuple[float, int]:
    plot = Plot()
    plot.plotsize(*size)
    plot._set_size(*size)
    plt = BoundedPlot(plot, *size) if bounded else plot
    plt.title("SGD")
    plt.xlabel("iteration")
    plt.xlim(0, len(series[0]))
    plt.ylim(0, 2.5)
    for ys in series:
        plt.plot(list(range(len(ys))), ys, marker="braille")
    if bounded:
        plt.finish()
    PIXELS[0] = 0
    start = time.perf_counter()
    plot.build()
    return time.perf_counter() - start, PIXELS[0]


def unbounded_pixels(size: tuple[int, int], ys: list[float]) -> int:
    """What plotext alone would interpolate for ys on the 0-2.5 axis (its get_line count, not drawn)."""
    height = 4 * size[1]  # braille rows, an upper bound of the canvas
    rows = [(y / 2.5) * height for y in ys if math.isfinite(y)]
    return int(sum(abs(b - a) + 1 for a, b in zip(rows, rows[1:])))


def main() -> None:
    for name, size in SIZES.items():
        times_plain, times_bounded = [], []
        for _ in range(5):
            t, plain_px = build(size, course_like(), bounded=False)
            times_plain.append(t)
            t, bounded_px = build(size, course_like(), bounded=True)
            times_bounded.append(t)
        t_huge, huge_px = min(build(size, exploding(), bounded=True) for _ in range(3))
        plain, bounded = statistics.median(times_plain), statistics.median(times_bounded)
        print(
            f"{name:>7} panel {size[0]}x{size[1]}: course-like run plotext {1e3 * plain:.1f} ms ({plain_px} px), "
            f"bounded {1e3 * bounded:.1f} ms ({bounded_px} px), ratio {plain / bounded:.2f}; "
            f"lr 1 bounded {1e3 * t_huge:.1f} ms ({huge_px} px), plotext alone would draw "
            f"{unbounded_pixels(size, exploding()[0]):.2e} px"
        )


if __name__ == "__main__":
    main()
