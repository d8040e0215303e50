"""RevealChart: curves shown up to an x value by cutting two cached plotext pictures, not rebuilt per frame."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.widgets.reveal_chart import RevealChart

BRAILLE = {chr(c) for c in range(0x2801, 0x2900)}


def drawer(plt) -> None:
    plt.xlim(0, 100)
    plt.ylim(-3, 3)
    plt.horizontal_line(0, color=(110, 110, 110))
    plt.plot(list(range(100)), [((i % 20) - 10) / 4 for i in range(100)], marker="braille", color=(255, 80, 80))


class ChartApp(App):
    def compose(self) -> ComposeResult:
        yield RevealChart(drawer)


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
        builds = []
        real = chart.plt.build
        chart.plt.build = lambda: builds.append(1) or real()
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


async def test_more_data_rebuilds_only_the_full_picture():
    data = list(range(40))

    def streaming(plt) -> None:
        plt.xlim(0, 100)
        plt.ylim(-3, 3)
        plt.plot(data, [((i % 20) - 10) / 4 for i in data], marker="braille")

    app = ChartApp()
    async with app.run_test(size=(60, 16)) as pilot:
        chart = app.query_one(RevealChart)
        builds = []
        real = chart.plt.build
        chart.plt.build = lambda: builds.append(1) or real()
        chart.draw_growing(streaming, upto=90)
        await pilot.pause()
        before = lines(chart)
        data.extend(range(40, 80))
        chart.curves_changed()
        await pilot.pause()
        assert len(builds) == 3  # the full picture twice, its empty axes once
        after = lines(chart)
        col = chart._column_of(60, chart._pictures[3])
        assert before != after and BRAILLE & set("".join(line[col - 3 : col] for line in after))
