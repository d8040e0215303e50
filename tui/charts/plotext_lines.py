"""plotext's get_lines (the dots between a curve's points) with the same output at a third of the cost.

plotext 5.3 builds each segment through generic helpers (a recursive flatten, a numeric check
of a list, a linspace, slices and concatenations): 10 ms of a 35 ms Section 4 distance chart build
at 100x30, for curves whose segments mostly span one or two dots. This is the same arithmetic
(plotext's linspace: lower + k * slope, truncated by int) without the helpers, so every picture is
unchanged (tests/tui/test_plotext_lines.py holds it to plotext's own on random input).
"""

from __future__ import annotations

import plotext._utility as plotext_utility  # type: ignore[import-untyped]

ORIGINAL = plotext_utility.get_lines
numerical = plotext_utility.numerical


def get_lines(x: list, y: list, *other: list) -> list[list]:
    """The points of the lines between (x[i], y[i]) and (x[i + 1], y[i + 1]), and `other` (markers, colours,
    styles) repeated along them: plotext._utility.get_lines's result."""
    o = plotext_utility.transpose(other, len(other))
    xl: list = []
    yl: list = []
    ol: list = []
    for n in range(len(x) - 1):
        x0, x1, y0, y1 = x[n], x[n + 1], y[n], y[n + 1]
        if numerical(x0) and numerical(x1) and numerical(y0) and numerical(y1):
            a = int(max(abs(int(x1) - int(x0)), abs(int(y1) - int(y0))) + 1)
            if a > 1:  # plotext keeps every point of the segment but its last (the next one's first)
                sx, sy = (x1 - x0) / (a - 1), (y1 - y0) / (a - 1)
                xl.extend([int(x0 + k * sx) for k in range(a - 1)])
                yl.extend([int(y0 + k * sy) for k in range(a - 1)])
                ol.extend([o[n]] * (a - 1))
        else:  # a gap (None or nan): plotext keeps the point as given
            xl.append(x0)
            yl.append(y0)
            ol.append(o[n])
    if x != []:
        xl, yl, ol = [*xl, x[-1]], [*yl, y[-1]], [*ol, o[-1]]
    return [xl, yl, *plotext_utility.transpose(ol, len(other))]


def install() -> None:
    """Have plotext's builds use get_lines (plotext._build calls it through the module, so this is where)."""
    plotext_utility.get_lines = get_lines
