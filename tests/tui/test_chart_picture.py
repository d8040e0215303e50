"""A chart's Picture draws the cells and colours Textual's Content draws from the same Text, on random figures."""

from __future__ import annotations

import math
import random
from types import SimpleNamespace

from rich.style import Style
from rich.text import Span, Text
from textual.app import App, ComposeResult
from textual.content import Content
from textual.strip import Strip
from textual.visual import Visual

from tui.charts.chart import Chart
from tui.charts.picture import Picture

THEMES = ["textual-dark", "textual-light", "nord", "gruvbox"]


def _drawer(rng: random.Random):
    """Curves in colour, guides, a title, a y label and (sometimes) clipped values with their note."""
    n = rng.randint(2, 400)
    curves = [[rng.uniform(-3, 3) * math.exp(-i / n) for i in range(n)] for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.3:
        curves[0][n // 2] = 1e9  # clipped: a note in the outer rows
    colors = [(235, 235, 235), (255, 80, 80), "red", "cyan", 33]

    def draw(plt) -> None:
        if rng.random() < 0.5:
            plt.title("distance to the optimum")
        if rng.random() < 0.5:
            plt.ylabel("loss")
        plt.xlabel("iteration")
        plt.ylim(-3, 3)
        plt.horizontal_line(-1, color=(110, 110, 110))
        plt.vertical_line(n // 3, color=(110, 110, 110))
        for ys in curves:
            plt.plot(list(range(n)), ys, marker="braille", color=rng.choice(colors))

    return draw


def _cells(strips) -> list[list[tuple]]:
    """Each cell's character and style, without the selection offsets Content adds to each segment."""
    rows = []
    for strip in strips:
        row = []
        for text, style, _ in strip:
            plain = None if style is None else (style.clear_meta_and_links(), style.link)
            row += [(ch, plain) for ch in text]
        rows.append(row)
    return rows


class ChartApp(App):
    def compose(self) -> ComposeResult:
        yield Chart(id="chart")


async def _random_figures(app, pilot, rng: random.Random):
    """24 random figures, each drawn at a random size and theme: (chart, picture, width, height)."""
    chart = app.query_one(Chart)
    for _ in range(24):
        app.theme = rng.choice(THEMES)
        w, h = rng.randint(12, 110), rng.randint(6, 38)
        chart.styles.width, chart.styles.height = w, h
        await pilot.pause()
        picture, _ = chart.figure(_drawer(rng))
        yield chart, picture, w, h


async def test_the_same_cells_and_colours_as_content_draws() -> None:
    rng = random.Random(5)
    app = ChartApp()
    async with app.run_test(size=(120, 40)) as pilot:
        drawn = 0
        async for chart, picture, w, h in _random_figures(app, pilot, rng):
            assert isinstance(picture, Picture)
            style = chart.visual_style
            ours = Visual.to_strips(chart, picture, w, h, style)
            as_text = Text(picture.plain, spans=picture.spans)  # what Chart.render gave Textual before
            theirs = Visual.to_strips(chart, Content.from_rich_text(as_text), w, h, style)
            assert _cells(ours) == _cells(theirs)
            assert not any(style.meta for strip in ours for _, style, _ in strip if style)  # drawn from the runs
            assert [s.cell_length for s in ours] == [w] * h
            drawn += 1
        assert drawn == 24


async def test_the_cut_pictures_are_the_cells_and_colours_the_console_draws() -> None:
    """RevealChart's two pictures (cut per frame) as rich's console draws them on the widget's style."""
    rng = random.Random(8)
    app = ChartApp()
    async with app.run_test(size=(120, 40)) as pilot:
        async for chart, picture, w, h in _random_figures(app, pilot, rng):
            ours = picture.rich_strips(w, h, chart.rich_style)
            console = app.console
            options = console.options.update(width=w, height=h, no_wrap=True, overflow="crop")
            lines = console.render_lines(picture, options, style=chart.rich_style, pad=True)
            theirs = [Strip(line, w) for line in lines]
            assert ours is not None and _cells(ours) == _cells(theirs[:h])


def test_the_rows_are_joined_only_when_read_and_then_as_text_join_joins_them() -> None:
    """Drawing reads the rows only: joining them as one Text (every span moved) was a tenth of a build."""
    red, bold = Style(color="red"), Style(bold=True)
    lines = [Text("⠁⠂ ab", spans=[Span(0, 2, red)]), Text("gh   "), Text("cd ef", style=bold, spans=[Span(3, 5, red)])]
    picture = Picture(lines)
    assert picture.rich_strips(5, 2, Style()) is not None
    try:
        object.__getattribute__(picture, "_text")
    except AttributeError:
        pass
    else:
        raise AssertionError("drawing the rows joined them")
    joined = Text("\n").join(lines)
    assert picture.plain == joined.plain and len(picture) == len(joined) and picture.end == ""
    assert sorted(picture.spans) == sorted(joined.spans)


def test_the_rows_read_from_plotexts_cells_are_the_texts_rich_makes_without_a_pass_for_absent_control_codes(
    monkeypatch,
) -> None:
    """Text strips control codes with str.translate over every character (~0.6 ms of a 200x48 picture's braille):
    the rows skip it where there are none, and are what Text makes of them either way."""
    import rich.text

    from tui.charts.chart import matrix_lines

    red = (255, 0, 0)
    cells = ["⠁⠂⠄ x", "a\rc\x07d", "     "]
    matrix = SimpleNamespace(
        Rows=range(len(cells)),
        marker=[list(row) for row in reversed(cells)],
        fullground=[[red, red, "default", "default", "default"] for _ in cells],
        style=[["default"] * 5 for _ in cells],
        background=[["default"] * 5 for _ in cells],
    )
    matrix_lines(matrix)  # the colours' styles, made once (from_ansi makes Texts of its own)
    stripped: list[str] = []
    real = rich.text.strip_control_codes
    monkeypatch.setattr(rich.text, "strip_control_codes", lambda text: (text and stripped.append(text)) or real(text))
    rows = matrix_lines(matrix)
    assert stripped == ["a\rc\x07d"]
    monkeypatch.undo()
    for row, plain in zip(rows, cells):
        made = Text(plain, spans=row.spans, end="")
        assert (row.plain, len(row), row.spans, row.end) == (made.plain, len(made), made.spans, "")
    assert rows[1].plain == "acd"
