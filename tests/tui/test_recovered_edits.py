"""Unsaved edits kept on disk while the editor differs from the file, and offered back after the app ended."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from engine.exercises import recovery, workspace
from tui.dialogs.choice import ChoiceDialog
from tui.dialogs.recovered import CompareDialog

from .exercise_app import edit_here, make_app, open_exercise, status
from .screen_text import screen_lines
from .snap import SIZE_IDS, SIZES, settle, wait_for

TYPED = "# typed before the connection dropped"


pytestmark = pytest.mark.usefixtures("no_editor")  # tests/tui/conftest.py


def ended_process() -> str:
    """The process id of a window that has ended (as the next start finds it)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return f"{proc.pid}:1"


def left_behind(text: str, base: str | None = "same", cursor=(24, 8), process: str | None = None) -> str:
    """A recovery file of gradient_update as a window that ended left it; returns the text."""
    path = workspace.ensure().path
    if base == "same":
        from engine.exercises import editing

        base = editing.fingerprint(path)
    kept = recovery.write(path, "gradient_update", text, base, cursor)
    data = json.loads(kept.read_text())
    today = time.localtime()
    data["saved_at"] = time.mktime((*today[:3], 14, 2, 0, 0, 0, -1))  # "14:02" on any day the tests run
    data["process"] = process or ended_process()
    kept.write_text(json.dumps(data))
    return text


def stubs_with_a_line() -> str:
    return workspace.render().replace("def gradient_update(", TYPED + "\ndef gradient_update(", 1)


async def test_unsaved_edits_are_kept_on_disk_a_moment_after_typing_and_removed_once_saved():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        _, editor = await edit_here(app, pilot)
        await pilot.press(*"# mine")
        kept = lambda: recovery.read(editor.path, "gradient_update")
        assert await wait_for(pilot, lambda: kept() is not None and "# mine" in kept().text)
        assert kept().cursor == editor.area.cursor_location
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert recovery.read(editor.path, "gradient_update") is None and "# mine" in editor.path.read_text()


async def test_edits_a_window_left_are_offered_compared_and_restored_where_the_cursor_was():
    left_behind(stubs_with_a_line())
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_exercise(app, pilot)
        assert await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        text = str(app.screen.query_one("#choice-text").render())
        assert "Unsaved edits from " in text and "were recovered" in text and "exercises.py" in text
        assert "Exercise 3" in text and "changed since" not in text  # which exercise; the file is as it was
        await pilot.press("c")  # compare with the file
        await pilot.pause()
        assert isinstance(app.screen, CompareDialog)
        assert any("+" + TYPED in line for line in screen_lines(app))
        await pilot.press("escape")  # back to the choice
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("r")
        await pilot.pause()
        editor = pane.editor
        assert TYPED in editor.area.text and editor.dirty and app.focused is editor.area
        assert editor.area.cursor_location == (24, 8)  # where it was when the window ended
        assert TYPED not in editor.path.read_text()  # not saved until the learner says so
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert TYPED in editor.path.read_text() and recovery.read(editor.path, "gradient_update") is None


async def test_discarded_edits_are_removed_and_later_asks_again_on_e():
    left_behind(stubs_with_a_line())
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await open_exercise(app, pilot)
        assert await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("escape")  # later
        await pilot.pause()
        assert "were recovered: e shows them again" in status(pane)
        assert recovery.read(pane.path, "gradient_update") is not None
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("d")
        await pilot.pause()
        assert "discarded" in status(pane) and recovery.read(pane.path, "gradient_update") is None
        assert TYPED not in pane.editor.area.text and not pane.editor.dirty


async def test_a_file_changed_since_is_said_and_saving_asks_before_replacing_it():
    left_behind(stubs_with_a_line())
    path = workspace.workspace_file()
    path.write_text(workspace.render() + "\n# saved in another editor meanwhile\n")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_exercise(app, pilot)
        assert await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        assert "changed since they were made" in str(app.screen.query_one("#choice-text").render())
        await pilot.press("r", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog) and "changed on disk" in app.screen.title_text
        assert "meanwhile" in path.read_text()  # nothing replaced before the learner chooses


async def test_a_window_still_running_keeps_its_edits_and_this_one_says_so():
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        left_behind(stubs_with_a_line(), process=f"{running.pid}:{recovery._start_time(running.pid)}")
        app = make_app()
        async with app.run_test(size=(100, 30)) as pilot:
            pane = await open_exercise(app, pilot)
            await pilot.pause()
            assert not isinstance(app.screen, ChoiceDialog)
            assert f"Another window of the app (process {running.pid})" in status(pane)
    finally:
        running.kill()
        running.wait()


async def test_quitting_without_saving_keeps_nothing_to_offer():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await edit_here(app, pilot)
        await pilot.press(*"# dropped", "escape", "q", "d")
        await pilot.pause()
    assert recovery.read(workspace.workspace_file(), "gradient_update") is None


async def _recovered_dialog(pilot) -> None:
    await open_exercise(pilot.app, pilot)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ChoiceDialog))
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_recovered_edits_snapshot(snap_compare, size):
    """Over the Exercise tab: 'Unsaved edits from 14:02 were recovered', in which file and exercise, why they
    were not saved, and that the file changed since; the buttons r Restore, c Compare with the file, d Discard,
    l Later (Esc)."""
    left_behind(stubs_with_a_line(), base="not the file on disk")
    assert snap_compare(make_app(), terminal_size=size, run_before=_recovered_dialog)
