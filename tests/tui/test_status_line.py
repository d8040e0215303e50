"""StatusLine: a status that changes often repaints without layout passes unless its height must change."""

from __future__ import annotations

from textual.app import App, ComposeResult

from tui.widgets.status_line import StatusLine


class Lines(App):
    CSS = """
    #fixed { height: 1; width: 1fr; }
    #auto { height: auto; width: 30; }
    #plain { height: auto; }
    #wide { height: 1; width: auto; }
    """

    def compose(self) -> ComposeResult:
        yield StatusLine("start", id="fixed")
        yield StatusLine("start", id="auto")
        yield StatusLine("start", id="wide")
        yield StatusLine("start", id="plain")


def layouts(widget) -> int:
    return widget._layout_updates


async def test_a_fixed_line_repaints_without_layout_and_skips_unchanged_text():
    app = Lines()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        fixed = app.query_one("#fixed", StatusLine)
        before = layouts(fixed)
        for i in range(20):
            fixed.show(f"iteration {i}")
        await pilot.pause()
        assert layouts(fixed) == before
        assert "iteration 19" in str(fixed.render())
        repaints = fixed._repaint_required
        fixed.show("iteration 19")  # the same text: nothing to do
        assert fixed._repaint_required == repaints


async def test_an_auto_height_line_asks_for_a_layout_only_when_its_line_count_changes():
    app = Lines()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        auto = app.query_one("#auto", StatusLine)
        before = layouts(auto)
        auto.show("one line")
        await pilot.pause()
        assert layouts(auto) == before
        auto.show("a text long enough to need a second row here")
        await pilot.pause()
        assert layouts(auto) > before and auto.size.height == 2
        grown = layouts(auto)
        auto.show("another text long enough for two rows too")
        await pilot.pause()
        assert layouts(auto) == grown and auto.size.height == 2


async def test_an_auto_width_line_is_laid_out_as_its_text_grows():
    app = Lines()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        wide = app.query_one("#wide", StatusLine)
        wide.show("a longer text than before")
        await pilot.pause()
        assert wide.size.width == len("a longer text than before")


async def test_a_line_without_a_css_width_fills_its_container_and_needs_no_layout_for_new_text():
    app = Lines()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        plain = app.query_one("#plain", StatusLine)
        before = layouts(plain)
        for i in range(10):
            plain.show(f"step {i}")
        await pilot.pause()
        assert layouts(plain) == before and plain.size.width == 40
