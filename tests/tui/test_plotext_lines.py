"""tui.charts.plotext_lines.get_lines gives plotext's own get_lines result: every chart's picture is unchanged."""

from __future__ import annotations

import math
import random

import pytest

from tui.charts import plotext_lines


def _case(rng: random.Random) -> tuple[list, ...]:
    n = rng.choice([0, 1, 2, rng.randint(3, 120)])
    x = sorted(rng.randint(-3, 180) for _ in range(n))
    y = [rng.choice([rng.randint(-5, 120), rng.randint(40, 42)]) for _ in range(n)]
    for i in range(n):  # gaps as plotext gets them: None (a missing value) or nan
        if rng.random() < 0.05:
            y[i] = None
        if rng.random() < 0.03:
            x[i] = math.nan
    markers = [rng.choice(["hd", "braille", "•"]) for _ in range(n)]
    colors = [rng.choice([(1, 2, 3), "red", None]) for _ in range(n)]
    return x, y, markers, colors, ["default"] * n


@pytest.mark.parametrize("seed", range(4))
def test_the_same_dots_as_plotext(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(150):
        x, y, *other = _case(rng)
        expected = plotext_lines.ORIGINAL(list(x), list(y), *[list(o) for o in other])
        assert repr(plotext_lines.get_lines(x, y, *other)) == repr(expected)


def test_installed_where_plotext_builds() -> None:
    import plotext._build as build  # type: ignore[import-untyped]

    import tui.charts.chart  # noqa: F401  installs it

    assert build.ut.get_lines is plotext_lines.get_lines
    assert plotext_lines.ORIGINAL is not plotext_lines.get_lines
