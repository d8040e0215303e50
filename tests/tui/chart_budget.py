"""A budget on plotext's work for chart tests: the pixels it interpolates between points are counted and capped."""

from __future__ import annotations

import math

import plotext._utility as plotext_utility

# plotext joins points by every pixel in between; a 60x20 braille chart has 120x80 pixels, so a
# bounded figure of a few series draws at most a few tens of thousands. The old code drew ~10^8
# for one loss of 1e5 on a 0-2.5 axis (minutes): the guard stops such a build at once.
PIXEL_LIMIT = 200_000


class PixelBudgetExceeded(AssertionError):
    pass


def count_pixels(monkeypatch) -> list[int]:
    """Count the pixels plotext interpolates between points ([count]); fail fast past PIXEL_LIMIT."""
    drawn = [0]
    original = plotext_utility.get_line

    def counting(x, y):
        # The size of the line is known before plotext builds it (one segment of 1e30 would never end).
        if all(isinstance(v, (int, float)) and math.isfinite(v) for v in (*x, *y)):
            size = int(max(abs(int(x[1]) - int(x[0])), abs(int(y[1]) - int(y[0]))) + 1)
            if drawn[0] + size > PIXEL_LIMIT:
                raise PixelBudgetExceeded(f"plotext would interpolate more than {PIXEL_LIMIT} pixels")
        line = original(x, y)
        drawn[0] += len(line[0])
        return line

    monkeypatch.setattr(plotext_utility, "get_line", counting)
    return drawn
