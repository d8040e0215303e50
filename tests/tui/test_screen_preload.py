"""Section screens made ready at start (tui/screen_preload.py): a first open parses no stylesheet anew."""

from __future__ import annotations

from tui.screen_preload import css_paths, import_screens, read_screen_css
from tui.screens.section import SectionScreen
from tui.sections import SECTIONS

from .snap import make_app, wait_for


async def test_a_section_opened_after_its_css_was_read_at_start_parses_no_stylesheet_anew():
    """Textual read a screen's CSS files at its first push, then parsed every source of the stylesheet again
    and restyled the whole app: ~0.1 s of each section's first open."""
    import_screens()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        read_screen_css(app)
        paths = [path for s in SECTIONS for path in css_paths(s.screen_class())]
        assert len(paths) >= 6 and all(app.stylesheet.has_source(str(path)) for path in paths)
        reparsed = []
        reparse = app.stylesheet.reparse
        app.stylesheet.reparse = lambda: reparsed.append(1) or reparse()  # type: ignore[method-assign]
        app.open_section("nonconvex")
        assert await wait_for(pilot, lambda: isinstance(app.screen, SectionScreen) and app.screen.is_mounted)
        await pilot.pause()
        assert reparsed == []
