"""The editor's recovery files (README, "What is stored where"): a damaged one never crashes the app, a damaged
time or cursor still offers the edits, and a folder that cannot take them is said once while ctrl+s still saves."""

from __future__ import annotations

import json

import pytest

from engine.exercises import recovery, workspace
from tests.tui.exercise_app import edit_here, make_app
from tests.tui.snap import wait_for

from .damage import KINDS, damage

TEXT = "def gradient_update(params, lr):\n    return 1  # mine\n"


def kept_file(tmp_path) -> tuple:
    path = tmp_path / "exercises.py"
    return path, recovery.write(path, "gradient_update", TEXT, "abc", (1, 4), home=tmp_path)


@pytest.mark.parametrize("kind", KINDS)
def test_a_damaged_recovery_file_is_not_offered_and_left_as_it_was(tmp_path, kind):
    path, kept = kept_file(tmp_path)
    bad = damage(kept, kind)
    assert recovery.read(path, "gradient_update", home=tmp_path) is None
    assert kept.read_bytes() == bad


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("saved_at", 1e20),
        ("saved_at", float("nan")),
        ("saved_at", "noon"),
        ("cursor", [float("inf"), 0]),
        ("cursor", [-3, 2]),
        ("cursor", "x"),
        ("base", 5),
        ("process", None),
    ],
)
def test_a_damaged_time_or_cursor_still_offers_the_edits(tmp_path, field, value):
    """A time beyond the clock (1e20, NaN) raised in the dialog's "from 14:02" and ended the app; an infinite
    cursor raised while the files were read."""
    path, kept = kept_file(tmp_path)
    data = json.loads(kept.read_text())
    data[field] = value
    kept.write_text(json.dumps(data))  # json writes NaN and Infinity, and reads them back
    found = recovery.read(path, "gradient_update", home=tmp_path)
    assert found is not None and found.text == TEXT
    assert found.when() and all(n >= 0 for n in found.cursor)


async def test_a_recovery_folder_that_cannot_be_written_is_said_once_and_ctrl_s_still_saves(monkeypatch):
    """README: "If the folder cannot be written, a notice says so (ctrl+s still saves)"."""
    monkeypatch.delenv("VISUAL", raising=False)  # the app's own editor
    monkeypatch.delenv("EDITOR", raising=False)
    folder = recovery.folder()
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the folder goes")  # refused even to root, unlike a chmod
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        _, editor = await edit_here(app, pilot)
        await pilot.press(*"# one")
        said = lambda: [n for n in app._notifications if "could not be kept on disk" in n.message]
        assert await wait_for(pilot, lambda: len(said()) == 1)
        assert str(folder) in said()[0].message and "ctrl+s saves them" in said()[0].message
        await pilot.press(*" two")
        assert await wait_for(pilot, lambda: editor._keep_timer is None)  # kept again (and refused again)
        assert len(said()) == 1  # said once, not at every pause in typing
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "# one two" in workspace.workspace_file().read_text() and not editor.dirty
