"""Helpers for Pilot and snapshot tests: a reproducible app, no cursor blink, waiting for workers."""

from __future__ import annotations

from textual.widgets import Input, TextArea

from tui.app import OptCourseApp
from tui.config import AppConfig

SIZES = [(100, 30), (80, 24)]
SIZE_IDS = ["100x30", "80x24"]


def make_app(section: str | None = None, **config) -> OptCourseApp:
    """The app on CPU with a fixed device label and no background warm-up, so screens are reproducible."""
    config.setdefault("device", "cpu")
    config.setdefault("device_label", "cpu (test)")
    config.setdefault("warm_up", False)
    return OptCourseApp(AppConfig(section=section, **config))


def no_blink(app) -> None:
    """Cursor blink makes screenshots depend on timing."""
    for widget in app.query("*"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
    for screen in app.screen_stack:
        for widget in screen.query("*"):
            if isinstance(widget, (Input, TextArea)):
                widget.cursor_blink = False


async def settle(pilot, rounds: int = 3) -> None:
    """Wait until every worker has finished and the messages it posted are handled."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        for screen in pilot.app.screen_stack:
            await screen.workers.wait_for_complete()
        await pilot.pause()
    no_blink(pilot.app)
