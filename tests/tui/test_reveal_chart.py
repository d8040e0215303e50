"""RevealChart: curves shown up to an x value by cutting two cached plotext pictures, not rebuilt per frame."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.strip import Strip

from tui.charts import reveal_chart
from tui.charts.reveal_chart import RevealChart

BRAILLE = {chr(c) for c in range(0x2801, 0x2900)}


def drawer(plt) -> None:
    plt.xlim(0, 100)
    plt.ylim(-3, 3)
    plt.horizontal_line(0, color=(110, 110, 110))
    plt.plot(list(range(100)), [((i % 20) - 10) / 4 for i in range(100)], marker="braille", color=(255, 80, 80))


class ChartApp(App):
    def compose(self) -> ComposeResult:
        yield RevealChart(drawer)


def count_builds(chart: RevealChart) -> list:
    """A list that grows by one at each build of one of the chart's pictures (Chart.figure: plotext's build, or
    its frame for the same axes reused from tui.charts.plotext_series.FRAMES with the curves drawn anew)."""
    builds: list = []
    real = chart.figure
    chart.figure = lambda drawer: builds.append(1) or real(drawer)  # type: ignore[method-assign]
    return builds


def lines(chart: RevealChart) -> list[str]:
    return [chart.render_line(y).text for y in range(chart.size.height)]


async def test_revealing_everything_is_the_whole_picture_and_a_cut_hides_what_comes_later():
    app = ChartApp()
    async with app.run_test(size=(60, 16)) as pilot:
        await pilot.pause()
        chart = app.query_one(RevealChart)
        whole = lines(chart)
        chart.draw_growing(drawer, upto=99)
        await pilot.pause()
        assert lines(chart) == whole
        chart.reveal(40)
        await pilot.pause()
        cut = lines(chart)
        col = chart._column_of(40, chart._pictures[3])
        assert 20 < col < 40
        assert [line[: col + 1] for line in cut] == [line[: col + 1] for line in whole]
        after = "".join(line[col + 1 : -1] for line in cut[1:-3])  # inside the frame, right of the cut
        assert not BRAILLE & set(after) and "─" * 20 in cut[7]  # no curve; the guide at 0 runs on
        assert BRAILLE & set("".join(line[col + 1 :] for line in whole))
        chart.reveal(None)
        await pilot.pause()
        assert lines(chart) == whole


async def test_frames_cut_cached_pictures_and_a_resize_rebuilds_them():
    app = ChartApp()
    async with app.run_test(size=(60, 16)) as pilot:
        chart = app.query_one(RevealChart)
        builds = count_builds(chart)
        chart.draw_growing(drawer, upto=0)
        await pilot.pause()
        assert len(builds) == 2  # the picture and its empty axes, once
        for x in range(0, 100, 3):
            chart.reveal(x)
            await pilot.pause()
        assert len(builds) == 2
        await pilot.resize_terminal(80, 20)
        await pilot.pause()
        assert len(builds) == 4 and chart.size.width == 80


def streaming_drawer(data: list[int]):
    """A saw-tooth curve over `data` (a list the test grows) on fixed axes: a run that streams in."""

    def streaming(plt) -> None:
        plt.xlim(0, 100)
        plt.ylim(-3, 3)
        plt.plot(data, [((i % 20) - 10) / 4 for i in data], marker="braille")

    return streaming


async def test_more_data_rebuilds_only_the_full_picture(monkeypatch):
    # The interval after a build outlasts a loaded machine's pause between the build and the new data (a build
    # of ~3 ms waits the 40 ms minimum, which a loaded 2-core machine could spend before curves_changed ran).
    monkeypatch.setattr(reveal_chart, "MIN_INTERVAL", 0.5)
    data = list(range(40))

    streaming = streaming_drawer(data)

    app = ChartApp()
    async with app.run_test(size=(60, 16)) as pilot:
        chart = app.query_one(RevealChart)
        builds = count_builds(chart)
        chart.draw_growing(streaming, upto=90)
        await pilot.pause()
        before = lines(chart)
        data.extend(range(40, 80))
        chart.curves_changed()  # just built: the rebuild waits for the chart's interval, as Chart.redraw
        assert len(builds) == 2 and chart.redraw_pending
        while chart.redraw_pending:
            await pilot.pause(0.02)
        await pilot.pause()
        assert len(builds) == 3  # the full picture twice, its empty axes once
        after = lines(chart)
        col = chart._column_of(60, chart._pictures[3])
        assert before != after and BRAILLE & set("".join(line[col - 3 : col] for line in after))


async def test_streamed_data_that_moves_the_ticks_rebuilds_the_empty_axes_too():
    """Section 4 streams its run: when more data changes the y ticks, the part right of the cut must
    have the same axes as the part left of it (it had the first data's: a doubled guide, a second frame)."""
    ys: list[float] = [1.0, 0.5]

    def streaming(plt) -> None:
        lo = min(ys)
        plt.xlim(0, 100)
        plt.ylim(lo, 1)
        plt.yticks([lo, 1], [f"{lo:.6f}", "1"])  # the labels' width changes with the data
        plt.xlabel("iteration")
        plt.vertical_line(50, color=(110, 110, 110))
        plt.plot(list(range(len(ys))), ys, marker="braille")

    app = ChartApp()
    async with app.run_test(size=(60, 16)) as pilot:
        chart = app.query_one(RevealChart)
        chart.draw_growing(streaming, upto=1)
        await pilot.pause()
        ys.extend(-1000.0 * i for i in range(1, 99))
        chart.curves_changed()
        chart.reveal(10)
        await pilot.pause()
        _, full, base, canvas = chart._current()
        col0 = canvas[0]
        assert [f.crop(0, col0).text for f in full] == [b.crop(0, col0).text for b in base]
        assert full[-2].text == base[-2].text


async def test_a_frame_after_new_data_repaints_the_whole_chart():
    """reveal() after curves_changed() rebuilds the pictures: repainting only the columns between the
    old and the new cut left the old picture's columns on screen (two guides, two frames in Section 4)."""
    ys: list[float] = [1.0, 0.5]

    def streaming(plt) -> None:
        plt.xlim(0, 100)
        plt.ylim(min(ys), 1)
        plt.xlabel("iteration")
        plt.plot(list(range(len(ys))), ys, marker="braille")

    app = ChartApp()
    async with app.run_test(size=(60, 16)) as pilot:
        chart = app.query_one(RevealChart)
        chart.draw_growing(streaming, upto=1)
        await pilot.pause()
        repainted = []
        real = chart.refresh
        chart.refresh = lambda *regions, **kw: repainted.append(regions) or real(*regions, **kw)
        ys.extend(-1000.0 * i for i in range(1, 99))
        chart._next_build = 0.0  # the chart has been quiet: the new data is taken at once
        chart.curves_changed()
        repainted.clear()
        chart.reveal(2)
        assert repainted == [()]  # the whole widget, not a strip of columns


async def test_a_new_run_on_the_same_axes_builds_one_picture_and_new_axes_build_both():
    app = ChartApp()
    async with app.run_test(size=(60, 16)) as pilot:
        chart = app.query_one(RevealChart)
        chart.draw_growing(drawer, upto=10)
        await pilot.pause()
        builds = count_builds(chart)

        def other_run(plt) -> None:  # another lr: other curves, the same limits and guide
            drawer(plt)
            plt.plot(list(range(100)), [2 - i / 50 for i in range(100)], marker="braille")

        chart.draw_growing(other_run, upto=10)
        await pilot.pause()
        assert len(builds) == 1
        _, full, base, canvas = chart._current()
        assert [f.crop(0, canvas[0]).text for f in full] == [b.crop(0, canvas[0]).text for b in base]

        def other_axes(plt) -> None:
            drawer(plt)
            plt.ylim(-30, 30)

        builds.clear()
        chart.draw_growing(other_axes, upto=10)
        await pilot.pause()
        assert len(builds) == 2
        _, full, base, canvas = chart._current()
        assert [f.crop(0, canvas[0]).text for f in full] == [b.crop(0, canvas[0]).text for b in base]


async def test_a_cut_row_is_the_two_pictures_joined_and_a_move_repaints_only_rows_with_curve_cells():
    app = ChartApp()
    async with app.run_test(size=(60, 16)) as pilot:
        chart = app.query_one(RevealChart)
        chart.draw_growing(drawer, upto=0)
        await pilot.pause()
        _, full, base, canvas = chart._current()
        for x in range(0, 100, 7):
            chart.reveal(x)
            cut = chart._column_of(x, canvas) + 1
            for y in range(1, len(full) - 1):
                joined = Strip.join([full[y].crop(0, cut), base[y].crop(cut, 60)])
                assert list(chart.render_line(y)) == list(joined), (x, y)
        chart.reveal(0)
        await pilot.pause()
        repainted: list = []
        real = chart.refresh
        chart.refresh = lambda *regions, **kw: repainted.append(regions) or real(*regions, **kw)
        chart.reveal(50)
        (regions,) = repainted
        rows = {y for r in regions for y in range(r.y, r.bottom)}
        curve_rows = {y for y in range(1, len(full) - 1) if BRAILLE & set(full[y].text)}
        assert rows and rows <= curve_rows and len(rows) < len(full) - 2  # not the guide's row nor the frame's


async def test_streamed_data_rebuilds_once_the_cut_passes_a_column_the_picture_lacks():
    """A streaming run (Section 7 training) says grown(): no plotext build for data right of the cut, one
    once the cut moves right of the column the picture was built to."""
    data = list(range(40))

    streaming = streaming_drawer(data)

    app = ChartApp()
    async with app.run_test(size=(60, 16)) as pilot:
        chart = app.query_one(RevealChart)
        chart.draw_growing(streaming, upto=39, data_end=39)
        await pilot.pause()
        builds = count_builds(chart)
        canvas = chart._pictures[3]
        for more in range(40, 80):
            data.append(more)
            chart.grown(more - 1, more)
            if chart._column_of(more - 1, canvas) == chart._column_of(39, canvas):
                chart.reveal(more - 1)
                await pilot.pause()
        assert not builds  # the cut stayed in the column of the last point it was built with
        repainted: list = []
        real = chart.refresh
        chart.refresh = lambda *regions, **kw: repainted.append(regions) or real(*regions, **kw)
        chart.reveal(79)
        assert len(builds) == 1  # the full picture, with all 80 points; the empty axes kept
        (regions,) = repainted  # only the cells that changed: the new curve's, in its rows
        assert regions and all(r.height == 1 for r in regions) and len(regions) < 14
        assert all(BRAILLE & set(chart.render_line(r.y).text[r.x : r.right]) for r in regions)
        await pilot.pause()
        col = chart._column_of(70, canvas)
        assert BRAILLE & {chart.render_line(y).text[col] for y in range(1, 15)}
