"""Focus into and out of a lesson restyles the lesson alone (tui/widgets/focus_style.py)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.color import Color
from textual.containers import VerticalScroll
from textual.widgets import Button, Static, Tabs

from tui.widgets.focus_style import FocusWithinStylesSelf
from tui.widgets.lesson import LessonView
from tui.widgets.stepper import Stepper

from .fakes import record_restyles
from .focus_rules import rules_reaching_inside
from .snap import make_app, settle


async def test_tab_out_of_and_back_into_a_lesson_restyles_none_of_its_blocks():
    """Textual restyled all ~85 Markdown blocks on each focus change: 30-90 ms per Tab press."""
    app = make_app(section="intro")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lesson = app.screen.query_one(LessonView)
        assert app.focused is lesson
        inside = set(lesson.walk_children())
        assert len(inside) > 10
        app.stylesheet.add_source("LessonView:focus { background: #ff0000; }", read_from=("test", ""))
        app.stylesheet.reparse()
        app.stylesheet.update(app)
        assert lesson.styles.background == Color(255, 0, 0)
        restyled = record_restyles(app)
        await pilot.press("tab")
        assert isinstance(app.focused, Tabs)
        assert lesson.styles.background != Color(255, 0, 0)  # its own look follows its focus
        await pilot.press("shift+tab")
        assert app.focused is lesson and lesson.styles.background == Color(255, 0, 0)
        assert lesson in restyled
        blocks = inside & set(restyled)
        assert not blocks, f"{len(blocks)} of the lesson's {len(inside)} blocks were restyled"


async def test_a_rule_styling_inside_a_focused_lesson_is_found():
    """The check the keyboard audit runs on every section can fail."""
    app = make_app(section="intro")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert rules_reaching_inside(app.screen) == []
        app.stylesheet.add_source("LessonView:focus MarkdownParagraph { color: red; }", read_from=("test", ""))
        app.stylesheet.reparse()
        assert rules_reaching_inside(app.screen) == ["LessonView: LessonView:focus MarkdownParagraph"]


class _Column(FocusWithinStylesSelf, VerticalScroll):
    DEFAULT_CSS = "_Column { border: round red; } _Column:focus-within { border: round blue; }"


class _ColumnApp(App):
    AUTO_FOCUS = "#out"

    def compose(self) -> ComposeResult:
        with _Column():
            yield Stepper("lr", 0.5, 0.0, 1.0, 0.1, id="first")
            yield Stepper("beta", 0.5, 0.0, 1.0, 0.1, id="second")
            yield Static("a note", id="note")
        yield Button("out", id="out")


async def test_a_focus_moving_inside_a_column_restyles_the_column_and_its_steppers_not_all_inside():
    """Textual restyled the Bonus settings column's ~70 nodes for each focus moved into or inside it (its
    :focus-within border): 40-80 ms of CPU at the Train tab's first showing and at each arrow key there."""
    app = _ColumnApp()
    async with app.run_test(size=(60, 16)) as pilot:
        column, first, second = app.query_one(_Column), app.query_one("#first", Stepper), app.query_one("#second")
        note = app.query_one("#note")
        blue = Color.parse("blue")
        assert column.styles.border_top[1] != blue
        restyled = record_restyles(app)
        first.focus()
        await pilot.pause()
        assert column.styles.border_top[1] == blue and first.has_focus_within
        assert first.styles.background != second.styles.background
        second.focus()
        await pilot.pause()
        assert column.styles.border_top[1] == blue and second.styles.background != first.styles.background
        assert column in restyled and first in restyled and note not in restyled
        app.query_one("#out").focus()
        await pilot.pause()
        assert column.styles.border_top[1] != blue and first.styles.background == second.styles.background
        assert rules_reaching_inside(app.screen) == []
        app.stylesheet.add_source("_Column:focus-within Static { color: red; }", read_from=("test", ""))
        app.stylesheet.reparse()
        assert rules_reaching_inside(app.screen) == ["_Column: _Column:focus-within Static"]
