"""The home screen's letter keys work in both cases, as its text ("S summary, B bonus") promises."""

from __future__ import annotations

import pytest

from tui.screens.home import HomeScreen
from tui.screens.section import SectionScreen

from .snap import make_app


@pytest.mark.parametrize("key, section", [("S", "summary"), ("s", "summary"), ("B", "bonus"), ("b", "bonus")])
async def test_summary_and_bonus_letters_in_either_case(key, section):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, SectionScreen) and app.screen.section.key == section
