"""Paths typed into the app's dialogs are refused where typed, with the reason, never a traceback; the
trained model stays to be saved (the engine's own checks: tests/engine/test_typed_paths.py)."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input, Static

from tui.dialogs.path import PathDialog
from tui.validation import check_save_path

from .bonus_fakes import FakeSession, bonus_app, fake_engine, open_tab, runs, wait_for
from .snap import settle

__all__ = ["fake_engine", "runs"]  # fixtures, used by name

LONG = "/tmp/" + "m" * 300 + ".pt"
# (typed, what the reason says): each raised in check_save_path before (OSError Errno 36, RuntimeError),
# or was taken (a model saved over /dev/null, /proc/cpuinfo evaluated as a model).
SAVE = [
    (LONG, "303 characters long; at most 255"),
    ("~nosuchuser/m.pt", "no user 'nosuchuser'"),
    ("/dev/null", "system's folders (/dev)"),
    ("/proc/self/m.pt", "system's folders (/proc)"),
]
LOAD = [
    (LONG, "303 characters long; at most 255"),
    ("~nosuchuser/m.pt", "no user 'nosuchuser'"),
    ("/proc/cpuinfo", "system's files (/proc)"),
    ("/dev/zero", "system's files (/dev)"),
]


@pytest.mark.parametrize(("typed", "words"), [(t, w) for t, w in SAVE])
def test_a_path_to_save_to_is_checked_without_raising(typed, words):
    path, why = check_save_path(typed)
    assert path is None and words in why


@pytest.mark.parametrize(("typed", "words"), [(t, w) for t, w in LOAD])
def test_a_path_to_read_is_checked_without_raising(typed, words):
    path, why = check_save_path(typed, must_exist=True)
    assert path is None and words in why


async def test_the_bonus_dialogs_say_why_and_the_model_is_saved_after(fake_engine, tmp_path):
    app = bonus_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_tab(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.live.steps >= 250)
        await pilot.press("escape")
        await settle(pilot)
        for key, cases in (("w", SAVE), ("o", LOAD)):
            await pilot.press(key)
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, PathDialog)
            field = dialog.query_one("#path", Input)
            for typed, words in cases:
                field.value = typed
                await pilot.press("enter")
                assert app.screen is dialog, f"{typed!r} was taken"
                assert words in str(dialog.query_one("#path-error", Static).render())
            field.value = ""
            app.post_message(events.Paste("/tmp/" + "m" * 1_000_000))  # kept up to PATH_MAX, said, then refused
            await pilot.pause()
            error = dialog.query_one("#path-error", Static)
            assert len(field.value) == 4096 and "at most 4096 characters" in str(error.render())
            await pilot.press("enter")
            assert app.screen is dialog and "at most 255" in str(error.render())
            await pilot.press("escape")
            await pilot.pause()
        await pilot.press("w")  # the model was kept through every refusal
        await pilot.pause()
        app.screen.query_one("#path", Input).value = str(tmp_path / "kept.pt")
        await pilot.press("enter")
        await settle(pilot)
        assert FakeSession.instances[0].saved == [(tmp_path / "kept.pt", False)]
