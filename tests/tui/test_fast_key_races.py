"""Keys faster than a widget's own mounting or closing (two cases a loaded CI's key storm hit): no traceback."""

from __future__ import annotations

from textual.command import CommandList

from tui.dialogs.palette import CommandPalette
from tui.widgets.code_editor import ExerciseEditor

from .exercise_app import make_app as make_exercise_app
from .exercise_app import open_exercise, status
from .snap import make_app, wait_for


async def test_the_palette_closing_as_its_search_ends_raises_nothing():
    """Textual's palette shows its list when its search worker ends; closing, the list was already gone, and
    the watcher's query raised NoMatches in the worker, which ended the app (test_key_storm, under load)."""
    app = make_app(section=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p")
        assert await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        palette = app.screen
        await palette.query_one(CommandList).remove()  # as at the palette's dismissal
        palette._list_visible = not palette._list_visible  # what the search's end does
        await pilot.pause()
        assert app.return_code is None and app._exception is None


async def test_an_exercise_tab_shown_before_its_editor_is_mounted_waits_for_it():
    """A tab shown in the instant its pane's children were still being mounted: activate asked for the editor
    and raised NoMatches (test_key_storm on a loaded CI). It now finishes once the editor is there."""
    app = make_exercise_app()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await open_exercise(app, pilot)
        editor = pane.query_one(ExerciseEditor)
        await editor.remove()
        pane.activate()  # raised NoMatches
        pane.on_resize()
        await pane.mount(ExerciseEditor(pane.exercise_id, course=pane.course, id="ex-editor"))
        assert await wait_for(pilot, lambda: "Your file" in str(pane.query_one("#ex-file").render()))
        assert app._exception is None and status(pane)
