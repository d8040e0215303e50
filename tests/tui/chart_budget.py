"""A budget on plotext's work for chart tests: the pixels it interpolates between points are counted and capped."""

from __future__ import annotations

import math

import numpy as np
import plotext._utility as plotext_utility

from tui.charts import plotext_series

# plotext joins points by every pixel in between; a 60x20 braille chart has 120x80 pixels, so a
# bounded figure of a few series draws at most a few tens of thousands. The old code drew ~10^8
# for one loss of 1e5 on a 0-2.5 axis (minutes): the guard stops such a build at once.
PIXEL_LIMIT = 200_000


class PixelBudgetExceeded(AssertionError):
    pass


def count_pixels(monkeypatch) -> list[int]:
    """Count the pixels plotext interpolates between points ([count], over the whole test); fail fast when
    one series of one build goes past PIXEL_LIMIT.

    plotext's get_lines is where (tui.charts.plotext_lines installs the app's own, same output): the
    size of each segment is known before it is built (one segment of 1e30 would never end). The cap is
    per series, not per test: a streaming test builds as many frames as the machine's speed allows, and
    a cap on their sum failed on a loaded machine with every build bounded."""
    drawn = [0]
    original = plotext_utility.get_lines

    def counting(x, y, *other):
        series = 0
        for n in range(len(x) - 1):
            ends = (x[n], x[n + 1], y[n], y[n + 1])
            if all(isinstance(v, (int, float)) and math.isfinite(v) for v in ends):
                series += int(max(abs(int(ends[1]) - int(ends[0])), abs(int(ends[3]) - int(ends[2]))) + 1)
                if series > PIXEL_LIMIT:
                    raise PixelBudgetExceeded(f"plotext would interpolate more than {PIXEL_LIMIT} pixels")
        drawn[0] += series
        return original(x, y, *other)

    ours = plotext_series._lines

    def counting_ours(x, y):  # the app draws most curves itself (tui.charts.plotext_series): the same dots
        if len(x) > 1:
            series = int((np.maximum(np.abs(np.diff(x)), np.abs(np.diff(y))) + 1).sum())
            if series > PIXEL_LIMIT:
                raise PixelBudgetExceeded(f"plotext would interpolate more than {PIXEL_LIMIT} pixels")
            drawn[0] += series
        return ours(x, y)

    monkeypatch.setattr(plotext_utility, "get_lines", counting)
    monkeypatch.setattr(plotext_series, "_lines", counting_ours)
    return drawn
