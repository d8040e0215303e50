"""tui.charts.plotext_series draws a figure's curves cell for cell as plotext's own build does, on random figures."""

from __future__ import annotations

import copy
import random

import pytest
from textual_plotext.plot import Plot

from tui.charts import plotext_series

MARKERS = ["braille", "braille", "hd", "fhd", "•", "●", "x"]
COLORS = [(255, 80, 80), (140, 150, 170), "red", "cyan", 33]


def _figure(rng: random.Random) -> Plot:
    """A random figure as our drawers make them: curves and dots on either axis, limits, ticks, guides."""
    plt = Plot()
    w, h = rng.randint(8, 130), rng.randint(4, 50)
    plt.plotsize(w, h)
    plt._set_size(w, h)
    plt.theme(rng.choice(["pro", "dark", "clear"]))
    lo, hi = sorted(rng.uniform(-50, 50) for _ in range(2))
    hi += rng.choice([1e-3, 1.0, 30.0])
    if rng.random() < 0.2:
        plt.bar([1, 2, 3], [rng.uniform(lo, hi) for _ in range(3)])  # a series plotext draws itself, before ours
    for _ in range(rng.randint(0, 6)):
        _series(plt, rng, lo, hi)
    if rng.random() < 0.5:
        plt.ylim(lo, hi)
    if rng.random() < 0.4:
        plt.xlim(rng.choice([None, 0.0]), rng.choice([None, 300.0]))
    for _ in range(rng.randint(0, 2)):
        plt.horizontal_line(rng.uniform(lo, hi), color=(110, 110, 110))
        plt.vertical_line(rng.uniform(0, 300), color=(110, 110, 110))
    if rng.random() < 0.5:
        plt.xticks([0, 100, 200, 300], ["0", "100", "200", "300"])
    if rng.random() < 0.5:
        plt.title("a title")
    if rng.random() < 0.5:
        plt.xlabel("iteration")
    if rng.random() < 0.05:
        plt.text("a text: plotext's own path", 10, lo)
    plt._set_sizes()
    return plt


def _series(plt: Plot, rng: random.Random, lo: float, hi: float) -> None:
    """A curve or dots, mostly in the y range (some beyond it), on a random pair of axes."""
    n = rng.choice([0, 1, 2, rng.randint(3, 400)])
    xs = [rng.uniform(-10, 500) for _ in range(n)]
    if rng.random() < 0.7:
        xs.sort()
    span = hi - lo
    ys = [rng.choice([rng.uniform(lo, hi), rng.uniform(lo - span, hi + span), lo]) for _ in range(n)]
    options = {
        "marker": rng.choice(MARKERS),
        "color": rng.choice(COLORS),
        "xside": rng.choice(["lower", "upper", None]),
        "yside": rng.choice(["left", "right", None]),
    }
    if n and rng.random() < 0.05:  # (plotext fails on a legend of an empty series)
        options["label"] = "a legend: plotext's own path"
    getattr(plt, rng.choice(["plot", "plot", "scatter"]))(xs, ys, **options)


def _cells(plt: Plot) -> tuple:
    m = plt.monitor
    matrix = m.matrix
    return matrix.marker, matrix.fullground, matrix.style, matrix.background, m.xlim, m.ylim


@pytest.mark.parametrize("seed", range(3))
def test_the_same_cells_as_plotext(seed: int) -> None:
    rng = random.Random(seed)
    drawn = 0
    for _ in range(50):
        ours = _figure(rng)
        theirs = copy.deepcopy(ours)
        drawn += plotext_series.hold(copy.deepcopy(ours).monitor) is not None
        try:
            theirs._build_matrix()
        except (TypeError, IndexError, ZeroDivisionError) as failed:  # plotext's own faults (ticks on an empty axis)
            with pytest.raises(type(failed)):
                plotext_series.build(ours)
            continue
        plotext_series.build(ours)
        assert _cells(ours) == _cells(theirs)
    assert drawn > 25  # most figures took our path


def test_a_figure_it_cannot_match_is_left_to_plotext() -> None:
    plt = Plot()
    plt.plot([1, 2, 3], [1, 3, 2], label="legend")  # plotext draws legends over the data
    assert plotext_series.hold(plt.monitor) is None
    plt = Plot()
    plt.plot([1, 2], [1, 2], marker="braille")
    plt.bar([1, 2], [2, 1])  # a series plotext must draw, after one of ours
    assert plotext_series.hold(plt.monitor) is None


def test_the_same_blank_matrix_as_plotext() -> None:
    from plotext._matrix import matrix_class  # type: ignore[import-untyped]

    rng = random.Random(7)
    for _ in range(200):
        ours, theirs = matrix_class(), matrix_class()
        cols, rows = rng.randint(0, 40), rng.randint(0, 20)
        area = sorted(rng.randint(-2, cols + 2) for _ in range(2)) + sorted(rng.randint(-2, rows + 2) for _ in range(2))
        for m in (ours, theirs):
            m.set_size(cols, rows)
            m.set_canvas_area(*area)
            m.set_canvas_color("white")
            m.set_axes_color("black")
        plotext_series.set_matrices(ours)
        plotext_series.ORIGINAL_SET_MATRICES(theirs)
        assert (ours.marker, ours.fullground, ours.background, ours.style) == (
            theirs.marker,
            theirs.fullground,
            theirs.background,
            theirs.style,
        )
        assert len({id(row) for row in ours.background}) == rows  # every row its own list, as plotext's


def test_blank_dots_keep_the_guides_under_them():
    """RevealChart's picture without curves keeps each curve's range with blank dots at its extremes; plotext
    blanked the guide cells under them (holes in the 1e-6 line right of Section 4's playhead)."""
    plt = Plot()
    plt.plotsize(40, 12)
    plt._set_size(40, 12)
    plt.scatter([0.0, 50.0, 100.0], [0.0, 1.0, 2.0], marker=" ")
    plt.horizontal_line(1.0, color=(110, 110, 110))
    plt.vertical_line(50.0, color=(110, 110, 110))
    plt.xlim(0, 100)
    plt.ylim(0, 2)
    plt._set_sizes()
    plotext_series.build(plt)
    matrix = plt.monitor.matrix
    (guide,) = ["".join(row) for row in matrix.marker if "".join(row).startswith("1.00")]
    canvas = guide[matrix.Cols_canvas.start : matrix.Cols_canvas.stop]
    assert canvas == "─" * 17 + "┼" + "─" * 16, guide  # the dots at (50, 1) and on the lines left them whole


def _axes(rng: random.Random, curves: list[list[float]]) -> Plot:
    """A figure with fixed axes (limits, guides, ticks, labels) and the given curves drawn in it."""
    plt = Plot()
    plt.plotsize(70, 22)
    plt._set_size(70, 22)
    for k, ys in enumerate(curves):
        plt.plot(list(range(len(ys))), ys, marker="braille", color=COLORS[k % len(COLORS)])
    plt.xlim(0, 300)
    plt.ylim(-8, 1)
    plt.horizontal_line(-6, color=(110, 110, 110))
    plt.vertical_line(100, color=(110, 110, 110))
    plt.yticks([-8, -6, -4, -2, 0], ["1e-8", "1e-6", "1e-4", "0.01", "1"])
    plt.xlabel("iteration")
    plt._set_sizes()
    return plt


def test_a_frame_built_before_carries_new_curves_with_the_same_cells(monkeypatch) -> None:
    """A new run on the same axes (a Section 4 key) reuses plotext's frame built for the last one: the cells are
    plotext's own build of the new figure, and the frame is not built again."""
    rng = random.Random(11)
    builds = []
    original = Plot._build_matrix
    monkeypatch.setattr(Plot, "_build_matrix", lambda self: (builds.append(1), original(self))[1])
    monkeypatch.setattr(plotext_series, "FRAMES", plotext_series.OrderedDict())
    for _ in range(6):
        curves = [[rng.uniform(-8, 1) for _ in range(rng.randint(50, 300))] for _ in range(4)]
        ours, theirs = _axes(rng, curves), _axes(rng, curves)
        plotext_series.build(ours)
        original(theirs)
        assert _cells(ours) == _cells(theirs)
    assert len(builds) == 1  # the first run's frame, reused by the five after it
