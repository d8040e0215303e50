"""The Bonus screen when a run ends early or cannot be kept: Escape once, twice, three times, leaving the
screen, a damaged run history, keys that cannot act; and what the screen keeps while the app runs."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import DataTable, Input, Static

from tui.dialogs.path import PathDialog
from tui.screens.bonus.screen import BonusScreen
from tui.widgets.fitted import FittedLine

from . import bonus_events as canned
from .bonus_fakes import FakeSession, bonus_app, fake_engine, inject, open_tab, reopen, runs, status, wait_for
from .snap import settle

__all__ = ["fake_engine", "runs"]  # fixtures, used by name


async def test_a_second_escape_skips_the_evaluation_and_keeps_the_run_and_the_model(fake_engine, runs, tmp_path):
    """Issue 11, item 3: Escape twice 0.2 s apart during a run said "Cancelled before training started.",
    stored nothing and left nothing to save."""
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        FakeSession.evaluation_s = 120.0  # unless skipped
        await pilot.press("s")
        await wait_for(pilot, lambda: FakeSession.instances and screen.live.steps >= 250)
        await pilot.press("escape")
        await wait_for(pilot, FakeSession.instances[0].evaluating.is_set)
        await pilot.press("escape")  # while the stopped run evaluates
        await settle(pilot)
        session = FakeSession.instances[0]
        assert session.skipped.is_set() and not screen.busy("train")
        text = status(screen)
        assert "Cancelled" not in text and "Stopped after 250 iterations" in text and "evaluation skipped" in text
        assert screen.live.done == "stopped" and screen.live.history_id is not None and "run #" in text
        assert len(runs[0]().list()) == 1
        assert isinstance(app.screen, BonusScreen)  # the second Escape did not leave the screen
        await pilot.press("w")  # what was trained can be saved
        await pilot.pause()
        assert isinstance(app.screen, PathDialog)
        app.screen.query_one("#path", Input).value = str(tmp_path / "kept.pt")
        await pilot.press("enter")
        await settle(pilot)
        assert session.saved == [(tmp_path / "kept.pt", False)] and screen.live.saved_to == str(tmp_path / "kept.pt")


async def test_a_run_that_could_not_be_stored_says_so_on_the_train_tab_every_time(fake_engine, fresh_home):
    """Issue 11, item 4: with a damaged runs.sqlite3 a finished run said "Done" and nothing else."""
    fresh_home.mkdir(parents=True, exist_ok=True)
    (fresh_home / "runs.sqlite3").write_bytes(b"garbage" * 500)
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        for attempt in range(2):
            await pilot.press("s")
            await wait_for(pilot, lambda n=attempt + 1: len(FakeSession.instances) >= n and screen.live.steps >= 250)
            await pilot.press("escape")
            await settle(pilot)
            assert screen.live.done == "stopped" and screen.live.history_id is None
            assert "not stored" in status(screen)
            notice = screen.query_one("#notice", Static)
            assert notice.display and "could not be stored" in str(notice.render())
            assert "runs.sqlite3" in str(notice.render())  # and why: the file the engine could not use


async def test_an_escape_just_after_a_stopped_run_ended_stays_on_the_screen(fake_engine, runs, monkeypatch):
    monkeypatch.setattr("tui.screens.bonus.screen.ESCAPE_GRACE_S", 60.0)  # "just after", however slow this machine is
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: FakeSession.instances and screen.live.steps >= 250)
        await pilot.press("escape")
        await settle(pilot)  # the run ended before the second Escape of a double tap
        await pilot.press("escape")
        assert app.screen is screen and screen.live.done == "stopped"
        await pilot.press("escape")  # now it means "back home"
        assert app.screen is not screen


async def test_a_third_escape_cancels_at_once_and_says_what_is_kept(fake_engine, runs):
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        # The batch under way outlasts the three keys: the run cannot end between them (a 1 s batch could,
        # when the stop came late in it: the second Escape's skip then ended the run before the third).
        batch = FakeSession.batch_ends = threading.Event()
        await pilot.press("s")
        await wait_for(pilot, lambda: FakeSession.instances and screen.live.steps >= 250)
        await pilot.press("escape", "escape", "escape")
        assert not screen.busy("train")
        text = status(screen)
        batch.set()
        assert "Cancelled after 250 iterations" in text and "not stored" in text and "w saves" in text
        progress = screen.query_one("#progress-text", FittedLine).wordings[0]  # the fullest; the line shows what fits
        assert progress == "cancelled at iteration 250 of 1,564 · epoch 1 of 2"
        assert screen.can_save()
        # The engine that holds the model is replaced (it crashed, or was stuck): nothing offers to save it.
        app._engine_restarted("the engine exited with code 9; a fresh one has started")
        await pilot.pause()
        assert "w saves" not in status(screen) and "engine restart" in status(screen) and not screen.can_save()
        await pilot.press("w")
        assert not isinstance(app.screen, PathDialog) and "train again" in screen.why_not("save")


async def test_after_a_stop_the_progress_bar_and_line_say_where_the_run_stopped(fake_engine):
    """Issue 10: after a stop the bar read "2% 1,587 iterations" (2% of the last epoch, unexplained)."""
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        inject(screen, canned.course_run(upto=900, stopped=True))
        await pilot.pause()
        bar = screen.query_one("#progress")
        assert (bar.progress, bar.total) == (900, 1564)  # the whole run, not epoch 2's 118 of 782
        line = screen.query_one("#progress-text", FittedLine)
        assert line.wordings[0] == "stopped at iteration 900 of 1,564 · epoch 2 of 2 · 1:35"
        assert line.shown == "stopped at iteration 900 of 1,564 · 1:35"  # what fits beside the bar at 100 columns
        inject(screen, canned.course_run())  # a completed run reads as before
        await pilot.pause()
        assert line.shown == "1,564 iterations · 1:35"


async def test_a_dimmed_key_says_why_it_cannot_act(fake_engine):
    """Issue 10: w with no model did nothing, silently (as did s and o while a run trained)."""
    app = bonus_app()
    said: list[str] = []  # every notification, even one that has timed out on a slow machine
    real_notify = app.notify
    app.notify = lambda message, *a, **k: (said.append(str(message)), real_notify(message, *a, **k))[1]
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        await pilot.press("w")
        assert not isinstance(app.screen, PathDialog)
        assert any("Nothing to save yet" in m for m in said)
        hidden = screen.query_one("#hidden", Input)
        hidden.focus()
        await pilot.pause()
        await pilot.press("end", "w", "o")  # typed into the text box: no key answers
        assert hidden.value.endswith("wo") and len(said) == 1
        hidden.value = "200, 100, 50"
        screen.query_one("#optimizer").focus()
        await pilot.pause()
        await pilot.press("s")
        await wait_for(pilot, lambda: FakeSession.instances and screen.live.steps >= 250)
        for key in ("w", "s", "o"):
            await pilot.press(key)
        assert sum("A run is in progress" in m for m in said) == 3
        assert len(FakeSession.instances) == 1 and isinstance(app.screen, BonusScreen)
        await pilot.press("escape")
        await settle(pilot)
        inject(screen, canned.diverging_run())
        await pilot.press("w")
        assert any("diverged" in m for m in said)


# -- leaving and coming back ---------------------------------------------------------------
async def test_the_bonus_keeps_its_settings_curves_log_and_table_while_the_app_runs(fake_engine, runs):
    """Issue 10: leaving the Bonus and coming back reset the settings to the defaults and cleared the curves."""
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        screen.settings.steppers["lr"].focus()
        await pilot.press("shift+right")  # lr 1e-4
        screen.query_one("#hidden", Input).value = "300, 30"  # typed, not yet run
        await pilot.press("s")
        await wait_for(pilot, lambda: FakeSession.instances and screen.live.steps >= 250)
        await pilot.press("escape")
        await settle(pilot)
        screen.query_one("#seed", Input).value = "7x"  # a half-typed seed is kept as typed
        await pilot.pause()
        rows = screen.query_one("#eval-table", DataTable).row_count
        log = len(screen.live.log)
        status_before = status(screen)
        screen = await reopen(pilot)
        await settle(pilot)
        assert screen.settings.steppers["lr"].value == pytest.approx(1e-4)
        assert screen.query_one("#hidden", Input).value == "300, 30"
        assert screen.query_one("#seed", Input).value == "7x"
        assert screen.live.steps == 250 and screen.live.done == "stopped" and rows == 2
        assert screen.query_one("#eval-table", DataTable).row_count == rows
        assert status(screen) == status_before and screen.can_save()
        screen.query_one("#optimizer").focus()
        await pilot.press("l")  # the log, behind the table
        await settle(pilot)
        assert len(screen.query_one("#log").lines) == log > 0


async def test_leaving_during_a_run_cancels_it_and_says_so_on_return(fake_engine, runs):
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: FakeSession.instances and screen.live.steps >= 250)
        screen = await reopen(pilot)
        assert not screen.busy("train") and not screen.settings.disabled
        assert "you left the Bonus" in status(screen) and "250 iterations" in status(screen)
        assert screen.can_save()  # the engine still holds what was trained
