"""The in-app exercise editor: typing is text, ctrl+s saves, edits made elsewhere are offered, Esc leaves."""

from __future__ import annotations

import stat
import sys

import pytest
from textual import events

from engine.exercises import catalog, editing, workspace
from tui.dialogs.choice import ChoiceDialog
from tui.screens.help import HelpScreen
from tui.screens.section import SectionScreen
from tui.widgets.code_area import CodeArea
from tui.widgets.code_editor import ExerciseEditor

from .exercise_app import ExerciseApp, edit_here, make_app, open_exercise, status
from .screen_text import screen_lines
from .snap import SIZE_IDS, SIZES, settle

SOLUTION = catalog()["gradient_update"]["solution"]


pytestmark = pytest.mark.usefixtures("no_editor")  # tests/tui/conftest.py


def disk() -> str:
    return workspace.workspace_file().read_text()


async def test_e_without_an_editor_focuses_the_function_in_the_app():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane, editor = await edit_here(app, pilot)
        assert isinstance(app.focused, CodeArea) and app.focused is editor.area
        row, column = editor.area.cursor_location  # on the stub's placeholder, the def at the top
        assert editor.area.document[row][column:].startswith("raise NotImplementedError")
        assert editor.area.document[editor.area.scroll_offset.y].startswith("def gradient_update(")
        assert editor.area.text == disk()  # the whole file, as it is on disk
        assert "No editor is set" in status(pane) and "ctrl+s" in status(pane)
        assert editor.region.y >= 0 and pane.region.contains_region(editor.area.region)  # scrolled into view


async def test_printable_keys_are_text_and_fire_no_binding():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane, editor = await edit_here(app, pilot)
        screen, before = app.screen, editor.area.text
        # Shift+Tab used to move the focus out silently, and the next p went to Section 2 (the case).
        await pilot.press(
            "shift+tab", *"nphqosw", "left_square_bracket", "right_square_bracket", "c", "question_mark", "e", "i"
        )
        await pilot.pause()
        assert app.screen is screen and isinstance(screen, SectionScreen)  # no n/p/h/q, no help screen
        assert app.focused is editor.area
        assert not isinstance(app.screen, HelpScreen)
        assert screen.query_one("#tabs").active == "exercise"  # [ and ] switched no tab
        assert not pane.checking and not pane.has_class("-solution")  # c and s did nothing but type
        row = editor.area.cursor_location[0]
        line = editor.area.document[row]  # Shift+Tab dedented the line
        assert line == '        nphqosw[]c?eiraise NotImplementedError("Implement gradient_update")'
        assert editor.area.text != before and editor.dirty and disk() == before  # typed, not saved
        assert app.is_running


async def test_ctrl_s_saves_then_c_checks_the_saved_file():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane, editor = await edit_here(app, pilot)
        editor.area.load_text(workspace.HEADER + "\n\n" + SOLUTION)  # as if typed
        await pilot.pause()
        assert editor.dirty and "unsaved" in str(editor.query_one("#ed-info").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert disk() == workspace.HEADER + "\n\n" + SOLUTION and not editor.dirty
        assert "Saved exercises.py" in status(pane)
        assert isinstance(app.focused, CodeArea)  # saving keeps the learner in the editor
        await pilot.press("escape", "c")
        await settle(pilot)
        assert pane.report.status == "passed", pane.report.summary
        assert app.course.exercise_passed("gradient_update")


async def test_an_edit_made_elsewhere_is_offered_never_overwritten():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        _, editor = await edit_here(app, pilot)
        await pilot.press(*"# mine")
        elsewhere = disk().replace("import torch", "import torch  # elsewhere")
        workspace.workspace_file().write_text(elsewhere)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("k")  # keep editing: nothing written, the edits kept
        await pilot.pause()
        assert disk() == elsewhere and editor.dirty and "# mine" in editor.area.text
        assert isinstance(app.focused, CodeArea)
        assert "changed on disk" in str(editor.query_one("#ed-info").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("r")  # reload: the version on disk...
        await pilot.pause()
        assert editor.area.text == elsewhere and not editor.dirty
        await pilot.press("ctrl+z")  # ...and the edits are one undo away, never lost
        await pilot.pause()
        assert "# mine" in editor.area.text and editor.dirty
        await pilot.press("ctrl+s")  # no change on disk since the reload: saved at once
        await pilot.pause()
        assert not isinstance(app.screen, ChoiceDialog) and "# mine" in disk()
        workspace.workspace_file().write_text(elsewhere)
        await pilot.press(*"!", "ctrl+s")
        await pilot.pause()
        await pilot.press("o")  # overwrite: the editor's text replaces the other edit
        await pilot.pause()
        assert disk() == editor.area.text and "!" in disk() and not editor.dirty


async def test_a_file_deleted_while_edited_is_said_and_saving_writes_it_again():
    """The issue's case: rm exercises.py, then ctrl+s: the dialog said "changed on disk" and reload emptied
    the editor (the whole content lost from the buffer)."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane, editor = await edit_here(app, pilot)
        await pilot.press(*"# mine")
        path = workspace.workspace_file()
        path.unlink()
        editor.poll()  # what the 2 s timer does
        await pilot.pause()
        assert "was deleted outside the app" in str(editor.query_one("#ed-info").render())
        assert "# mine" in editor.area.text and editor.dirty  # every line still here
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ChoiceDialog) and "# mine" in path.read_text()
        assert "had been deleted outside the app: it is written again" in status(pane) and not editor.dirty
        path.unlink()  # deleted with nothing unsaved here: the text stays, and is unsaved now
        await pilot.press(*"!", "ctrl+s")  # saved before the poll noticed: written again, no dialog
        await pilot.pause()
        assert not isinstance(app.screen, ChoiceDialog) and "# mine!" in path.read_text()


async def test_a_file_replaced_while_edited_is_said_as_such():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        _, editor = await edit_here(app, pilot)
        await pilot.press(*"# mine")
        path = workspace.workspace_file()
        other = path.with_name("other.py")
        other.write_text(disk() + "# another file\n")
        other.replace(path)  # moved over it, as a git checkout or a copy does
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog) and "replaced by another file" in app.screen.title_text
        await pilot.press("r")
        await pilot.pause()
        assert "# another file" in editor.area.text and "ctrl+z brings your edits back" in str(
            editor.query_one("#ed-info").render()
        )


async def test_the_editor_stays_at_the_top_when_the_text_above_it_changes():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane, editor = await edit_here(app, pilot)
        assert editor.region.y == pane.region.y  # filling the tab
        editor.area.move_cursor((editing.function_line(editor.area.text, "gradient_update"), 0))
        await pilot.press("#", "ctrl+s")  # the def commented out: the 'add this stub back' notice appears above
        await settle(pilot)
        assert pane.query_one("#ex-stub").display and "#def gradient_update(" in disk()
        assert editor.region.y == pane.region.y and app.focused is editor.area


async def test_a_change_on_disk_reloads_when_nothing_is_unsaved():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        _, editor = await edit_here(app, pilot)
        changed = disk() + "\n# added elsewhere\n"
        workspace.workspace_file().write_text(changed)
        editor.poll()  # what the 2 s timer does
        await pilot.pause()
        assert editor.area.text == changed and not editor.dirty
        assert "reloaded" in str(editor.query_one("#ed-info").render())


async def test_c_with_unsaved_edits_offers_to_save_first():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane, editor = await edit_here(app, pilot)
        await pilot.press(*"# a comment", "enter", "escape")
        assert app.focused is pane
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        assert "not saved" in str(app.screen.query_one("#choice-text").render())
        await pilot.press("s")  # save, then check (the stub with a comment: reported without running it)
        await settle(pilot)
        assert "# a comment" in disk() and not editor.dirty
        assert pane.report is not None and "still the stub" in pane.report.summary


async def test_escape_leaves_the_editor_and_a_second_escape_goes_home():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane, _ = await edit_here(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is pane and isinstance(app.screen, SectionScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SectionScreen)


async def test_unsaved_edits_come_back_after_visiting_another_section():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        _, editor = await edit_here(app, pilot)
        await pilot.press(*"# draft", "escape", "n")
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        pane = await open_exercise(app, pilot)
        editor = pane.query_one(ExerciseEditor)
        assert "# draft" in editor.area.text and editor.dirty and "# draft" not in disk()
        assert "unsaved edits from before" in status(pane)


async def test_the_editor_opens_where_the_cursor_was_left_across_visits_and_restarts():
    """Restored edits used to open at line 1 (the issue's case); the place is kept per exercise."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        _, editor = await edit_here(app, pilot)
        row = editing.function_line(editor.area.text, "gradient_update") + 1  # its docstring
        editor.area.move_cursor((row, 2))
        await pilot.press(*"# here", "escape", "n")  # unsaved edits, and Section 4
        await pilot.pause()
        pane = await open_exercise(app, pilot)  # momentum_update: its own place, the stub's raise line
        await pilot.press("e")
        await pilot.pause()
        area = pane.query_one(ExerciseEditor).area
        assert (
            area.document[area.cursor_location[0]].strip().startswith('raise NotImplementedError("Implement momentum')
        )
        await pilot.press("escape", "p")
        await pilot.pause()
        pane = await open_exercise(app, pilot)
        await pilot.press("e")  # the draft is back, and so is the place
        await pilot.pause()
        area = pane.query_one(ExerciseEditor).area
        assert area.cursor_location == (row, 8) and area.document[row][2:8] == "# here"
        assert area.scroll_offset.y <= row < area.scroll_offset.y + area.size.height
    again = make_app()  # a restart
    async with again.run_test(size=(100, 30)) as pilot:
        _, editor = await edit_here(again, pilot)
        assert editor.area.cursor_location == (row, 8)


async def test_q_with_unsaved_edits_asks_before_quitting():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        _, editor = await edit_here(app, pilot)
        await pilot.press(*"# kept", "escape", "q")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog) and app.is_running
        await pilot.press("k")
        await pilot.pause()
        assert app.is_running and editor.dirty
        await pilot.press("q", "s")  # save, then quit
        await pilot.pause()
    assert "# kept" in disk() and app.return_code == 0


async def test_quitting_from_another_section_with_unsaved_edits_asks_too():
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await edit_here(app, pilot)
        await pilot.press(*"# draft", "escape", "n")  # Section 4, its Lesson tab
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog) and "another section" in str(
            app.screen.query_one("#choice-text").render()
        )
        await pilot.press("d")
        await pilot.pause()
    assert "# draft" not in disk() and app.return_code == 0


class WebApp(ExerciseApp):
    @property
    def is_web(self) -> bool:  # as under textual-serve
        return True


async def test_in_a_browser_e_uses_the_app_editor_even_when_editor_is_set(tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    script = tmp_path / "fake-editor"
    script.write_text(f"#!{sys.executable}\nopen({str(marker)!r}, 'w').write('x')\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("EDITOR", str(script))
    app = make_app()
    app.__class__ = WebApp
    async with app.run_test(size=(100, 30)) as pilot:
        _, editor = await edit_here(app, pilot)
        await settle(pilot)
        assert app.focused is editor.area and not marker.exists()


async def test_a_file_that_is_not_utf8_is_never_edited_and_lets_no_key_through():
    """e on such a file used to focus an empty read-only editor where keys fell through: q quit the app."""
    path = workspace.workspace_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(workspace.render().encode() + b"# \xff\n")
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane, editor = await edit_here(app, pilot)
        assert app.focused is pane  # the keys stay where e, c and s act
        assert (
            "cannot open your file" in status(pane) and "not UTF-8" in status(pane) and "move it away" in status(pane)
        )
        editor.area.focus()  # reached anyway (a click, Tab): typing is refused, never a shortcut
        await pilot.press("q", "x", "ctrl+s")
        await pilot.pause()
        assert app.is_running and app.screen is pane.screen and editor.area.text == ""
        assert "Cannot edit here" in str(editor.query_one("#ed-info").render())
        shown = " ".join(line.strip() for line in screen_lines(app))  # the way out is read whole, not cut at the edge
        assert "move it away to get a fresh copy with every stub. Esc leaves the editor." in shown
        assert app.screen.active_bindings["ctrl+s"].enabled is False  # dimmed: it would only refuse
        assert path.read_bytes().endswith(b"# \xff\n")
        pane.focus()
        await pilot.press("c")  # the check's message offers no key that refuses
        await settle(pilot)
        assert "not UTF-8" in status(pane) and "e opens" not in status(pane)
    assert editing.load(path).error


async def test_a_2_mb_file_is_refused_by_its_size_and_the_app_keeps_answering():
    """The issue's case: Section 3's Exercise tab on a 2 MB exercises.py froze the app while memory grew."""
    path = workspace.workspace_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(workspace.render() + "# a long comment block\n" * (2 * 2**20 // 23))
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane, editor = await edit_here(app, pilot)
        assert app.focused is pane and "2.0 MB" in status(pane) and "up to 256 KB" in status(pane)
        assert "another editor" in status(pane) and editor.area.text == ""
        await pilot.press("s")  # and the keys act at once
        assert "Try it yourself first" in status(pane)
        await pilot.press("c")  # the check's message offers no e, which refuses here
        await settle(pilot)
        assert "still the stub" in status(pane) and "(e)" not in status(pane) and "another editor" in status(pane)


async def test_a_paste_beyond_the_largest_file_edited_is_refused_and_a_large_one_turns_highlighting_off():
    """1 MB pasted into the editor was taken: each key after it took seconds (issue 25)."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        _, editor = await edit_here(app, pilot)
        area, before = editor.area, editor.area.text
        app.post_message(events.Paste("x = 1  # pasted\n" * 2**16))  # 1 MB
        await pilot.pause()
        info = str(editor.query_one("#ed-info").render())
        assert area.text == before and "Not pasted: the file would be 1.0 MB" in info and "up to 256 KB" in info
        assert area.language == "python"
        app.post_message(events.Paste("x = 1  # pasted\n" * 2**12))  # 64 KB: taken, and no longer highlighted
        await pilot.pause()
        assert len(area.text) == len(before) + 2**16 and area.language is None
        await pilot.press(*"y = 2")  # typing goes on
        assert "y = 2" in area.text and editor.dirty


async def test_a_linked_exercise_file_is_said_as_such_and_saving_keeps_the_link(tmp_path):
    real = tmp_path / "repo" / "mine.py"
    real.parent.mkdir()
    real.write_text(workspace.render())
    path = workspace.workspace_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(real)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        pane, editor = await edit_here(app, pilot)
        assert f"a link to {real}" in str(pane.query_one("#ex-file").render())
        assert f"→ {real} (a link: saving writes there)" in str(editor.query_one("#ed-info").render())
        await pilot.press(*"# mine", "ctrl+s")
        await pilot.pause()
        assert path.is_symlink() and "# mine" in real.read_text()


# -- snapshots ----------------------------------------------------------------------------------------
async def _editing(pilot) -> None:
    await edit_here(pilot.app, pilot)
    await pilot.press("enter")  # a line opened above the stub's raise: an unsaved edit, so the info line says so
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_editor_snapshot(snap_compare, size):
    """The in-app editor filling the Exercise tab: info line (unsaved edits) over line-numbered,
    highlighted Python, the cursor on gradient_update's raise NotImplementedError line (pushed down by
    an Enter, at its indentation); the key bar offers ^s save and says Esc leaves the editor."""
    assert snap_compare(make_app(), terminal_size=size, run_before=_editing)
