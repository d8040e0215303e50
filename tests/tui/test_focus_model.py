"""The focus model of the section screens (tui.screens.section): where the keys go, what Esc and the brackets do."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Tabs, TextArea

from tui.screens.section import SectionScreen
from tui.widgets.field_input import FieldInput
from tui.widgets.key_bar import KeyBar
from tui.widgets.lesson import LessonView, QuestionCard

from .fakes import IdleExecutor
from .snap import make_app, settle


async def test_the_tab_hook_runs_once_per_tab_switch(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr(SectionScreen, "on_tab_shown", lambda self, pane_id: shown.append(pane_id))
    app = make_app(section="intro")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert shown == ["lesson"]  # opening the section shows its first tab, once
        for key, pane in (
            ("right_square_bracket", "questions"),
            ("ctrl+pageup", "lesson"),
            ("ctrl+pagedown", "questions"),
        ):
            shown.clear()
            await pilot.press(key)
            assert shown == [pane], key
        shown.clear()
        await app.screen.show_pane("lesson")
        await pilot.pause()
        assert shown == ["lesson"]


@pytest.mark.parametrize("key", ["intro", "casestudy", "summary", "bonus"])
async def test_the_lesson_scrolls_on_arrival(key):
    """PageDown and Down did nothing in these lessons until Tab; they scroll at once, on opening and on coming back."""
    app = make_app(section=key)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lesson = app.screen.query_one(LessonView)
        assert app.focused is lesson
        await pilot.press("pagedown")
        await pilot.pause()
        after_page = lesson.scroll_y
        await pilot.press("down")
        await pilot.pause()
        assert 0 < after_page < lesson.scroll_y
        await pilot.press("ctrl+pageup", "ctrl+pagedown")  # away (to the Questions) and back: the text has the keys
        await pilot.press("home", "pagedown")
        await pilot.pause()
        assert app.focused is lesson and lesson.scroll_y > 0


async def test_questions_focus_the_first_question_not_answered_yet():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.course.save_answer("think-4a", "the first one, answered")
        app.open_section("conditioning")  # two questions
        await pilot.pause()
        await app.screen.show_pane("questions")
        await pilot.pause()
        assert app.focused is app.screen.query_one("#q-think-4b", QuestionCard).query_one(TextArea)


async def test_typing_in_an_answer_fires_no_key_and_esc_leaves_the_box_not_the_section():
    app = make_app(section="intro")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("right_square_bracket", *"Cobra bounties? [n] p h q o s w 1")
        box = app.screen.query_one(TextArea)
        assert isinstance(app.screen, SectionScreen) and app.screen.section.key == "intro"
        assert app.focused is box and box.text == "Cobra bounties? [n] p h q o s w 1"
        bar = app.screen.query_one(KeyBar).shown_text()
        assert "esc leave box" in bar and "^pgdn tab" in bar and "F1 help" in bar
        await pilot.press("escape")
        assert isinstance(app.focused, QuestionCard) and app.screen.section.key == "intro"
        assert box.text.startswith("Cobra")  # kept: it is saved as typed
        await pilot.press("escape")
        assert not isinstance(app.screen, SectionScreen)  # the second Esc goes home


async def test_a_one_line_box_lets_brackets_through_and_esc_cancels_only_what_enter_did_not_apply():
    app = make_app(section="casestudy")
    # The model's and the filters' runs stay in flight (the box's keys are the subject, and Esc must reach the box
    # while a run goes on): they computed the loss at init and trained the filters, ~2 s of CPU, for nothing here.
    app.runner.executor = IdleExecutor()
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.show_pane("model")
        await settle(pilot)
        box = app.screen.query_one("#hidden", FieldInput)
        assert app.focused is box
        await pilot.press(*"20, 10", "enter")
        await settle(pilot)
        await pilot.press(*", 5")
        assert box.value == "20, 10, 5"
        await pilot.press("escape")  # back to what Enter applied, and out of the box
        assert box.value == "20, 10" and isinstance(app.focused, Tabs)
        box.focus()
        await pilot.press("right_square_bracket")  # not typed: the next tab
        assert app.screen.query_one("#tabs").active == "filters" and box.value == "20, 10"
        assert not isinstance(app.focused, Input)


async def test_the_key_bar_keeps_the_essential_keys_at_80_columns():
    app = make_app(section="search")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.screen.show_pane("compare")
        await settle(pilot)
        bar = app.screen.query_one(KeyBar).shown_text()
        for hint in ("[ ] tab", "? help", "esc home", "q quit", "←/→ change"):
            assert hint in bar, bar
        assert "…" not in bar and len(bar) <= 80
