"""The app starts on damaged progress, answers and run history, and says which file and what was done."""

from __future__ import annotations

import types

from textual.widgets import DataTable

from engine.progress import ANSWERS_FILE, DB_FILE, PROGRESS_FILE, ProgressStore
from tui.screens.home import HomeScreen

from ..tui.snap import make_app, settle
from .damage import NON_UTF8, garbage


def capture(app) -> list[str]:
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(str(message))
    return notes


async def test_the_app_starts_on_damaged_progress_and_answers_and_names_both(fresh_home):
    fresh_home.mkdir(parents=True)
    (fresh_home / PROGRESS_FILE).write_bytes(NON_UTF8)
    (fresh_home / ANSWERS_FILE).write_bytes(b'{"answers": {"think-3": "half an ans')
    app = make_app()
    notes = capture(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)  # started, at the table of contents
        await pilot.press("1")  # and works: a section opens and the visit is saved in a fresh file
        await pilot.pause()
    assert app.return_code in (None, 0)
    for name, why in ((PROGRESS_FILE, "not UTF-8 text"), (ANSWERS_FILE, "not valid JSON")):
        [note] = [n for n in notes if name in n]
        assert why in note and "set aside as" in note and str(fresh_home) in note
    assert not any("Traceback" in n for n in notes)
    assert ProgressStore(fresh_home).visited == ["intro"]
    assert len(list(fresh_home.glob("*.corrupt-*"))) == 2


async def test_the_app_starts_on_a_damaged_progress_database_and_names_it(fresh_home):
    fresh_home.mkdir(parents=True)
    (fresh_home / DB_FILE).write_bytes(garbage())
    app = make_app()
    notes = capture(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("1")
        await pilot.pause()
    assert app.return_code in (None, 0)
    [note] = [n for n in notes if DB_FILE in n]
    assert str(fresh_home) in note and "set aside as" in note
    assert ProgressStore(fresh_home).visited == ["intro"]


async def test_the_runs_tab_on_a_garbage_history_says_which_file_and_the_fix(fresh_home):
    fresh_home.mkdir(parents=True)
    (fresh_home / "runs.sqlite3").write_bytes(garbage())
    app = make_app(section="bonus")
    app.runner.executor.context = lambda: types.SimpleNamespace(device="cpu", device_label="cpu (test)", mnist=None)
    notes = capture(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await app.screen.show_pane("runs")
        await settle(pilot)
        assert app.screen.query_one("#runs-table", DataTable).row_count == 0
    assert app.return_code in (None, 0)
    [note] = [n for n in notes if "runs.sqlite3" in n]
    assert str(fresh_home / "runs.sqlite3") in note and "move it away" in note
    assert (fresh_home / "runs.sqlite3").read_bytes() == garbage()  # left for the learner to keep or move
