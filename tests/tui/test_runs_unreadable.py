"""The Runs tab on a damaged history: unreadable rows are shown as such and can be deleted; a bad file is a notice."""

from __future__ import annotations

import json
import sqlite3

from textual.widgets import DataTable, Static

from engine.history import RunHistory, RunRecord
from tui.dialogs.confirm import ConfirmDialog

from . import bonus_events as canned
from .bonus_fakes import bonus_app, open_tab
from .snap import settle


def damage_rows(db, configs: list[str]) -> list[int]:
    """Rewrite the config column of the first runs with these texts (as a damaged file could hold them)."""
    conn = sqlite3.connect(db)
    ids = [r[0] for r in conn.execute("SELECT id FROM runs ORDER BY id")][: len(configs)]
    with conn:
        for rid, text in zip(ids, configs):
            conn.execute("UPDATE runs SET config = ? WHERE id = ?", (text, rid))
    conn.close()
    return ids


def row_texts(table) -> list[str]:
    return [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


async def test_unreadable_rows_are_shown_and_can_be_deleted(fresh_home):
    h = RunHistory()
    for r in canned.run_records(RunRecord):
        h.add(r)
    damage_rows(h.path, ["null", json.dumps({"lr": "x"}), json.dumps({"hidden": 5})])
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "runs")
        table = screen.query_one("#runs-table", DataTable)
        assert table.row_count == 5  # no crash, every row listed
        texts = row_texts(table)
        assert sum("unreadable: config" in t for t in texts) == 3
        assert any("unreadable: config: lr is 'x'" in t for t in texts)
        index = next(i for i, t in enumerate(texts) if "hidden is 5" in t)
        table.move_cursor(row=index)
        await settle(pilot)
        legend = str(screen.query_one("#runs-legend", Static).render())
        assert "unreadable" in legend and "hidden is 5, not a list of layer sizes" in legend and "d deletes" in legend
        await pilot.press("r")  # its settings cannot be reused: a message, not a crash
        await settle(pilot)
        assert screen.active_tab() == "runs"
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert table.row_count == 4
    left = RunHistory().list()
    assert len(left) == 4 and sum(not r.readable for r in left) == 2
    assert not any("hidden is 5" in r.problem for r in left)  # the highlighted one was deleted


async def test_broken_curves_are_shown_unreadable_when_fetched(fresh_home):
    h = RunHistory()
    rid = h.add(canned.run_records(RunRecord)[0])
    conn = sqlite3.connect(h.path)
    with conn:
        conn.execute("UPDATE runs SET curves = ? WHERE id = ?", (json.dumps({"train_loss": "x"}), rid))
    conn.close()
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "runs")
        table = screen.query_one("#runs-table", DataTable)
        assert "unreadable: curves" in row_texts(table)[0]


async def test_a_garbage_history_file_is_a_notice_not_a_crash(fresh_home):
    fresh_home.mkdir(parents=True, exist_ok=True)
    (fresh_home / "runs.sqlite3").write_bytes(b"\xff\xfe\x00garbage" * 100)
    app = bonus_app()
    notes: list[str] = []
    app.notify = lambda message, **kw: notes.append(message)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "runs")
        assert screen.query_one("#runs-table", DataTable).row_count == 0
        legend = str(screen.query_one("#runs-legend", Static).render())
    assert any("runs.sqlite3" in n and "move it away" in n for n in notes)
    assert "runs.sqlite3" in legend and "No runs yet" not in legend
