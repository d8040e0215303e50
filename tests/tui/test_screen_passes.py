"""Opening a section restyles none of its nodes a second time and lays out no screen again at its size
(tui/screens/passes.py); a resized terminal still lays every screen out."""

from __future__ import annotations

from textual.widgets import Markdown

from tui.screens.home import HomeScreen
from tui.screens.section import SectionScreen

from .fakes import record_restyles
from .snap import make_app, settle, wait_for


async def test_a_section_opened_is_styled_once_and_the_screen_below_is_not_laid_out_again():
    """Textual restyled every node of a new screen when it was first resumed, just after styling each at mount,
    and laid it out again, with the screens below it, on the Resize its own first layout sent it."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        home = app.screen
        assert isinstance(home, HomeScreen)
        restyled = record_restyles(app)
        home_layouts: list = []
        home_layout = home._refresh_layout
        home._refresh_layout = lambda *a, **k: home_layouts.append(a) or home_layout(*a, **k)  # type: ignore[method-assign]
        app.open_section("intro")
        assert await wait_for(pilot, lambda: isinstance(app.screen, SectionScreen) and app.screen.query(Markdown))
        await settle(pilot)
        blocks = list(app.screen.query(Markdown).first().walk_children())
        assert len(blocks) > 10
        assert not set(blocks) & set(restyled), f"{len(set(blocks) & set(restyled))} lesson blocks restyled"
        assert home_layouts == []

        await pilot.resize_terminal(100, 30)  # a real resize lays out the screen shown and the one below
        assert await wait_for(pilot, lambda: app.screen.size == (100, 30) and home._compositor.size == (100, 30))
