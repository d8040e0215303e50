"""Text from the learner's code is shown as text: escape sequences visible (␛[2J), never sent to the terminal,
and brackets never read as markup (a "[/]" in an exception's message crashed a status line)."""

from __future__ import annotations

from engine.events import Failed
from engine.exercises.report import CheckItem, CheckReport
from engine.visible import visible
from tui.app import OptCourseApp
from tui.config import AppConfig
from tui.widgets.exercise_pane import ExercisePane

from .screen_text import screen_lines
from .snap import settle

ESCAPES = "\x1b]0;TITLE\x07\x1b[2J\x1b[H\x1b]52;c;aGk=\x07"  # title, clear screen, home, write the clipboard
SHOWN = "␛]0;TITLE␇␛[2J␛[H"


def test_control_characters_are_made_visible_once():
    text = f"{ESCAPES} a\ttab\nnext line\r\x9b\u202e"
    shown = visible(text)
    assert shown.startswith(SHOWN) and "\t" in shown and "\n" in shown and "␍" in shown
    assert not any(ord(c) < 0x20 and c not in "\n\t" for c in shown) and "\x9b" not in shown and "\u202e" not in shown
    assert visible(shown) == shown


def _no_escapes_drawn(app) -> None:
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            assert "\x1b" not in segment.text and "\x07" not in segment.text, segment


async def test_a_check_that_prints_escapes_and_a_failed_run_show_them_as_text():
    app = OptCourseApp(
        AppConfig(section="search", device="cpu", device_label="cpu (test)", warm_up=False, engine="thread")
    )
    async with app.run_test(size=(100, 40)) as pilot:
        title = app.title
        screen = app.screen
        await screen.show_pane("exercise")
        await pilot.pause()
        pane = screen.query_one(ExercisePane)
        report = CheckReport(
            "gradient_update",
            "error",
            f"Your file could not be imported: ValueError: [/] {ESCAPES}.",
            checks=(CheckItem("moves downhill", False, f"returned {ESCAPES}"),),
            error=f"Traceback (your file's lines only):\nValueError: [/] {ESCAPES}",
            output=f"{ESCAPES}hello [bold]world[/]",
        )
        pane.show_report(report)
        await settle(pilot)
        shown = "\n".join(screen_lines(app))
        assert shown.count("␛[2J") >= 3 and "hello [bold]world[/]" in shown
        _no_escapes_drawn(app)
        # A demo's run that failed with the learner's message, and a notice quoting it: plain text too.
        await screen.show_pane("compare")
        await settle(pilot)  # its first run is drawn: the failed one below comes after it
        screen.handle_events("compare", [Failed(f"ValueError: [/] {ESCAPES}")])
        app.notify(f"[/]{ESCAPES}", title=ESCAPES)
        await settle(pilot)
        shown = "\n".join(screen_lines(app))
        assert f"failed: ValueError: [/] {SHOWN}" in shown
        notice = list(app._notifications)[-1]
        assert notice.message.startswith(f"[/]{SHOWN}") and notice.title.startswith(SHOWN) and not notice.markup
        _no_escapes_drawn(app)
        assert app.title == title
