"""The Chart widget: bounded work whatever the data, notes on what it clipped, round ticks, labels, coalescing."""

from __future__ import annotations

import asyncio
import math
import time

import pytest
from textual.app import App, ComposeResult

from tui.charts.bounds import Y_CAP, envelope
from tui.charts.chart import MIN_INTERVAL, Chart
from tui.charts.ticks import log_ticks, number_text, round_ticks

from .chart_budget import PIXEL_LIMIT

SIZE = (60, 20)


class ChartApp(App):
    def __init__(self, drawer, **options) -> None:
        super().__init__()
        self.drawer, self.options = drawer, options

    def compose(self) -> ComposeResult:
        yield Chart(self.drawer, **self.options)


async def picture(drawer, size=SIZE, **options) -> tuple[Chart, list[str]]:
    """Build the chart once at `size` and return it with its rendered rows."""
    app = ChartApp(drawer, **options)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        chart = app.query_one(Chart)
        rows = [line.plain for line in chart.render().split("\n", include_separator=False)]
        return chart, rows


HUGE = [2.3, 2.1, 1e5, 3e7, 1e12, 1e30, math.nan, math.inf, -math.inf, 1e308, -1e308, 2.0]


async def test_huge_and_non_finite_losses_on_a_fixed_axis_cost_bounded_work_and_are_said(pixels):
    ys = [HUGE[i % len(HUGE)] for i in range(3000)]

    def draw(plt):
        plt.title("SGD")
        plt.xlabel("iteration")
        plt.ylim(0, 2.5)
        plt.xlim(0, len(ys))
        plt.plot(list(range(len(ys))), ys, marker="braille")
        plt.plot(list(range(len(ys))), [v * 0.5 for v in ys], marker="braille")

    chart, rows = await picture(draw)
    plot = chart.last_plot
    assert 0 < pixels[0] <= PIXEL_LIMIT
    assert plot.points <= 2 * 4 * SIZE[0]  # two series, at most two points per pixel column (two per cell)
    assert all(0 <= y <= 2.5 for s in plot.series for y in s.ys)
    assert plot.notes.above == 2.5 and plot.notes.nonfinite > 0
    assert any(v in rows[0] for v in plot.note_variants()) and "▲>2.5" in rows[0]
    # with room, the whole sentence
    _, wide = await picture(draw, size=(160, 20))
    assert "values above 2.5 clipped · values below 0 clipped · 1500 NaN/inf not drawn" in wide[0]


async def test_huge_values_on_a_free_axis_are_capped_and_inf_no_longer_breaks_the_build(pixels):
    # plotext alone raises on inf (its axis maths turns NaN) and on ±1e308 (the range overflows).
    def draw(plt):
        plt.plot(list(range(len(HUGE))), HUGE, marker="braille")
        plt.ylabel("Loss")

    chart, rows = await picture(draw)
    ys = [y for s in chart.last_plot.series for y in s.ys]
    assert max(ys) == Y_CAP and min(ys) == -Y_CAP
    assert any("clipped" in row for row in (rows[0], rows[-1]))


async def test_a_long_series_is_cut_to_two_points_per_cell_keeping_its_spikes(pixels):
    n = 100_000
    ys = [0.1] * n
    ys[54_321] = 2.0  # one spike: a mean over its bucket would flatten it

    def draw(plt):
        plt.plot(list(range(n)), ys, marker="braille")

    chart, _ = await picture(draw)
    (series,) = chart.last_plot.series
    assert len(series.xs) <= 4 * SIZE[0] and max(series.ys) == 2.0
    assert pixels[0] <= 40 * SIZE[0] * SIZE[1]


def test_envelope_keeps_each_cells_extremes_in_order_and_handles_paths():
    xs, ys = envelope(list(range(8)), [3, 1, 4, 1, 5, 9, 2, 6], 2, (0, 8))
    assert (xs, ys) == ([1, 2, 5, 6], [1, 4, 9, 2])
    # a path (x goes back): cells are runs of points, still at most two each
    px, py = envelope([0, 1, 2, 1, 0, 1], [0, 1, 2, 3, 4, 5], 2, None)
    assert len(px) <= 4 and py[0] == 0 and py[-1] == 5
    assert envelope([0, 1], [5, 6], 10, (0, 1)) == ([0, 1], [5, 6])


def test_round_ticks_and_axes_that_end_at_their_limits():
    ticks, labels = round_ticks(0, 2.5, most=6, ends=(0, 2.5))
    assert ticks == [0, 0.5, 1.0, 1.5, 2.0, 2.5] and labels == ["0", "0.5", "1.0", "1.5", "2.0", "2.5"]
    assert round_ticks(0, 2.5, most=3, ends=(0, 2.5)) == ([0, 1.0, 2.5], ["0", "1", "2.5"])
    ticks, labels = round_ticks(2.248, 2.343, most=4)
    assert ticks == pytest.approx([2.25, 2.30]) and labels == ["2.25", "2.30"]
    assert round_ticks(0, 25000.5, most=6)[1] == ["0", "5k", "10k", "15k", "20k", "25k"]
    assert round_ticks(12.3, 61.4, most=5)[1] == ["20", "30", "40", "50", "60"]
    assert round_ticks(12.3, 61.4, most=3)[1] == ["20", "40", "60"]
    assert number_text(1e6) == "1e6" and number_text(3e-5) == "3e-5" and number_text(2.5) == "2.5"


def test_log_ticks_use_1_2_5_within_a_few_decades_else_decades():
    ticks, labels = log_ticks(math.log10(0.05), math.log10(2.5), most=6)
    assert labels == ["0.05", "0.1", "0.2", "0.5", "1", "2"]
    assert ticks == pytest.approx([math.log10(v) for v in (0.05, 0.1, 0.2, 0.5, 1, 2)])
    assert log_ticks(-6, 2, most=5)[1] == ["1e-6", "0.0001", "0.01", "1", "100"]
    # within less than a decade (a curve from 2.14 to 2.5): round values, placed on the log axis
    ticks, labels = log_ticks(math.log10(2.141), math.log10(2.5), most=4)
    assert labels == ["2.2", "2.3", "2.4", "2.5"] and ticks == pytest.approx(
        [math.log10(v) for v in (2.2, 2.3, 2.4, 2.5)]
    )


async def test_the_y_label_is_above_its_axis_and_a_long_title_gives_way_to_its_short_wording(pixels):
    def draw(plt):
        plt.title(("Batch size 20: a title far too long for this narrow chart", "Batch size 20"))
        plt.xlabel("Seconds")
        plt.ylabel("Loss")
        plt.plot([0, 1, 2], [2.3, 1.0, 0.5], marker="braille")

    _, rows = await picture(draw, size=(30, 12))
    assert rows[0].startswith("Loss") and "Batch size 20" in rows[0]
    assert "Loss" not in rows[-1] and "Seconds" in rows[-1]


async def test_a_centred_title_moves_over_or_shortens_so_the_y_label_stays_above_its_axis(pixels):
    """Issue 10: a centred title that left no room at the top left sent the y label to the bottom corner."""

    def draw(title):
        def drawer(plt):
            plt.title(title)
            plt.xlabel("change in loss")
            plt.ylabel("directions")
            plt.plot([0, 1, 2], [5, 9, 3], marker="braille")

        return drawer

    _, rows = await picture(draw("Initialization (J = 2.471)"), size=(40, 12))  # centred, it would start at 10
    assert rows[0].startswith("directions  Initialization (J = 2.471)") and "directions" not in rows[-1]
    wordings = ("Partially trained (J = 0.099)", "Partially trained J=0.099")
    _, rows = await picture(draw(wordings), size=(40, 12))  # the long wording and the label do not both fit
    assert rows[0].startswith("directions") and "Partially trained J=0.099" in rows[0]
    _, rows = await picture(draw(wordings), size=(80, 12))  # room for both: the long one, centred
    assert rows[0].startswith("directions") and "Partially trained (J = 0.099)" in rows[0]


async def test_a_log_axis_draws_decades_and_says_what_it_cannot_draw(pixels):
    def draw(plt):
        plt.ylim(0, 2.5)
        plt.plot([0, 1, 2, 3, 4], [2.3, 0.5, 0.0, -1.0, 0.05], marker="braille")

    chart, rows = await picture(draw, log_y=True)
    plot = chart.last_plot
    assert plot.notes.nonpositive == 2 and any("≤ 0" in row or "≤0" in row for row in rows)
    (series,) = plot.series
    assert series.ys == pytest.approx([math.log10(v) for v in (2.3, 0.5, 0.05)])
    assert any(row.lstrip().startswith("0.1") for row in rows) and any(row.lstrip().startswith("1") for row in rows)


async def test_redraws_are_coalesced_and_the_last_one_is_always_drawn():
    values = [1.0]

    def draw(plt):
        plt.plot(list(range(len(values))), values, marker="braille")

    app = ChartApp(draw)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        chart = app.query_one(Chart)
        before, started = chart.builds, time.monotonic()
        for i in range(200):  # a stream asking for a picture every 5 ms, far more often than the eye needs
            values.append(float(i))
            chart.redraw()
            await asyncio.sleep(0.005)
        # at most one build per interval (the bound only grows on a slower machine, so it cannot flake)
        assert chart.builds - before <= (time.monotonic() - started) / MIN_INTERVAL + 2
        assert chart.builds - before < 100
        while chart.redraw_pending:
            await pilot.pause(0.02)
        await pilot.pause()
        assert chart.last_plot.series[0].ys[-1] == 199.0  # the final data made it to the screen


@pytest.mark.parametrize("size", [SIZE, (107, 49)])
async def test_the_picture_read_from_plotexts_cells_equals_its_ansi_text(size):
    """Chart reads plotext's cell matrix instead of parsing its ANSI string: the same text, the same styles."""
    from rich.segment import Segment
    from rich.text import Text

    from tui.charts.chart import label_rows

    def drawer(plt) -> None:
        plt.title("loss")
        plt.ylabel("distance")
        plt.plot([1, 2, 3, 4, 5, 6], [2.0, 1.5, 0.7, 0.9, 0.2, 0.1], color="red")
        plt.scatter([1.5, 4.5], [1.0, 0.5], color=(20, 200, 20), marker="●")
        plt.horizontal_line(1.2, color="blue")
        plt.xlim(1, 6)
        plt.ylim(0, 2.5)

    app = ChartApp(drawer)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        chart = app.query_one(Chart)
        ours, plot = chart.figure(drawer)
        theirs = label_rows(Text.from_ansi(chart.plt.build()), plot)  # the same figure, as plotext writes it

        def cells(text: Text) -> list[tuple[str, object]]:
            lines = Segment.split_and_crop_lines(text.render(app.console), chart.size.width, pad=True)
            return [(ch, seg.style) for line in lines for seg in line for ch in seg.text]

        assert ours.plain == theirs.plain and len(ours.plain) > 100
        assert cells(ours) == cells(theirs)


def _envelope_as_written_first(xs, ys, columns, x_range):
    """envelope's first version, in plain Python: what the numpy one must give."""
    n = len(xs)
    if n <= 2 * columns:
        return list(xs), list(ys)
    if all(a <= b for a, b in zip(xs, xs[1:])) and x_range is not None and x_range[1] > x_range[0]:
        lo, width = x_range[0], (x_range[1] - x_range[0]) / columns
        keys = [min(columns - 1, max(0, int((x - lo) / width))) for x in xs]
    else:
        keys = [i * columns // n for i in range(n)]
    out_x, out_y, start = [], [], 0
    while start < n:
        stop = start
        while stop < n and keys[stop] == keys[start]:
            stop += 1
        i_min, i_max = min(range(start, stop), key=ys.__getitem__), max(range(start, stop), key=ys.__getitem__)
        for i in sorted({i_min, i_max}):
            out_x.append(xs[i])
            out_y.append(ys[i])
        start = stop
    return out_x, out_y


def test_envelope_equals_its_plain_python_form_on_random_curves_and_paths():
    import random

    rng = random.Random(3)
    for _ in range(300):
        n, columns = rng.randint(0, 600), rng.randint(1, 120)
        xs = [rng.choice([rng.uniform(-5, 400), float(rng.randint(0, 50))]) for _ in range(n)]
        if rng.random() < 0.7:
            xs.sort()
        ys = [rng.choice([rng.uniform(-1, 1), float(rng.randint(0, 3))]) for _ in range(n)]  # ties too
        x_range = rng.choice([None, (0.0, 300.0), (min(xs, default=0.0), max(xs, default=1.0)), (5.0, 5.0)])
        assert envelope(xs, ys, columns, x_range) == _envelope_as_written_first(xs, ys, columns, x_range)
