"""The Bonus screen: settings, a live run from canned events, a stop, save/load, the runs history, snapshots."""

from __future__ import annotations

import pytest
from textual.containers import Vertical
from textual.widgets import Button, DataTable, Input, Static

from engine.contracts.recipes import RECIPES
from tui.charts.chart import ema
from tui.dialogs.choice import ChoiceDialog
from tui.dialogs.confirm import ConfirmDialog
from tui.dialogs.path import PathDialog
from tui.screens.bonus.screen import BonusScreen
from tui.widgets.bonus.live import LiveRun
from tui.widgets.bonus.train import status_text

from . import bonus_events as canned
from .bonus_fakes import FakeSession, bonus_app, fake_engine, inject, open_tab, runs, seed_history, status, wait_for
from .screen_text import cuts, screen_lines
from .snap import SIZE_IDS, SIZES, settle

__all__ = ["fake_engine", "runs"]  # fixtures, used by name


# -- settings -----------------------------------------------------------------------------
async def test_settings_controls_and_validation(fake_engine):
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        config, errors = screen.settings.config()
        assert errors == []
        assert config == {
            "optimizer": "Adam",
            "lr": 1e-5,
            "momentum": 0.9,
            "alpha": 0.99,
            "beta1": 0.9,
            "beta2": 0.999,
            "weight_decay": 0.0,
            "batch_size": 64,
            "epochs": 2,
            "schedule": "constant",
            "augment": "off",
            "hidden": (200, 100, 50),
            "seed": 2021,
        }
        assert app.focused.id == "optimizer"
        shown = lambda: {n for n in ("momentum", "alpha", "beta1", "beta2") if screen.settings.steppers[n].display}
        assert shown() == {"beta1", "beta2"}
        await pilot.press("right")  # AdamW
        assert screen.settings.optimizer == "AdamW"
        await pilot.press("right", "right")  # SGD (wraps), SGD momentum
        assert screen.settings.optimizer == "SGD momentum" and shown() == {"momentum"}
        await pilot.press("right", "right")  # RMSprop
        assert shown() == {"alpha", "momentum"}
        assert "α" in str(screen.query_one("#opt-note", Static).render())
        # lr on a log grid (tenths of a decade), typed values validated; batch in powers of two
        s = screen.settings.steppers
        s["lr"].focus()
        await pilot.press("shift+right", "shift+right")  # two decades up
        assert s["lr"].value == pytest.approx(1e-3)
        await pilot.press("enter", *"20", "enter")  # beyond 10: refused, shown next to it
        assert s["lr"].value == pytest.approx(1e-3)
        assert "between" in str(s["lr"]._error.render())
        await pilot.press("escape")
        s["batch_size"].focus()
        await pilot.press("right")
        assert s["batch_size"].value == 128
        s["epochs"].focus()
        await pilot.press("left", "right", "right")
        config, _ = screen.settings.config()
        assert (config["lr"], config["batch_size"], config["epochs"]) == (pytest.approx(1e-3), 128, 3)
        # typed hidden sizes and seed: the reason shows next to the field, and s refuses to start
        hidden = screen.query_one("#hidden", Input)
        hidden.focus()
        await pilot.press("end", "ctrl+u", *"200, x")
        error = screen.query_one("#hidden-setting .setting--error", Static)
        assert error.display and "'x' is not a whole number" in str(error.render())
        screen.query_one("#seed", Input).focus()
        await pilot.press("end", "ctrl+u", "minus", "3")
        assert "seed must be from 0" in str(screen.query_one("#seed-setting .setting--error", Static).render())
        screen.query_one("#optimizer").focus()
        await pilot.press("s")
        await pilot.pause()
        assert not screen.busy("train") and FakeSession.instances == []
        assert "hidden" in str(screen.query_one("#settings-error", Static).render())
        hidden.value = "100, 100"
        screen.query_one("#seed", Input).value = "5"
        await pilot.pause()
        assert not error.display
        config, errors = screen.settings.config()
        assert errors == [] and config["hidden"] == (100, 100) and config["seed"] == 5


async def test_enter_in_the_text_settings_moves_on_but_never_starts_training(fake_engine):
    """Issue 20: Enter in the seed field focused Start, so a second Enter started a run; only s starts."""
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        screen.query_one("#hidden", Input).focus()
        await pilot.pause()
        await pilot.press("enter")
        assert app.focused.id == "seed"
        await pilot.press("enter", "enter", "enter")
        await pilot.pause()
        assert app.focused.id == "seed" and not screen.busy("train") and FakeSession.instances == []


async def test_the_defaults_hint_shows_only_while_the_settings_are_the_defaults(fake_engine):
    """Issue 10: "These are the course's defaults…" stayed after the settings changed."""
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        tip = screen.query_one("#settings-tip", Static)
        assert tip.display and "course's defaults" in str(tip.render())
        screen.settings.steppers["lr"].focus()
        await pilot.press("right")
        assert not tip.display
        await pilot.press("left")  # back to the course's lr
        assert tip.display
        screen.query_one("#hidden", Input).value = "200,100,50"  # the same sizes, written otherwise
        await pilot.pause()
        assert tip.display
        screen.query_one("#seed", Input).value = "7"
        await pilot.pause()
        assert not tip.display
        screen.settings.apply({"seed": 2021, "optimizer": "SGD"})  # a run's settings (r on the Runs tab)
        assert not tip.display
        # b offers the recipes; w loads the README's winning one into every setting, ready for s
        screen.query_one("#optimizer").focus()
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.pause()
        box = app.screen.query_one(Vertical).content_region
        buttons = list(app.screen.query(Button))
        assert len(buttons) == len(RECIPES) and all(box.contains_region(b.region) for b in buttons)  # none cut
        await pilot.press("w")
        await wait_for(pilot, lambda: app.screen is screen)
        wide = RECIPES["wide-120"].config.to_dict()
        wide = {k: tuple(v) if k == "hidden" else v for k, v in wide.items() if k not in ("val_every", "train_limit")}
        assert screen.settings.config() == (pytest.approx(wide), []) and not screen.busy("train")


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_stepper_value_is_visible_in_the_settings_column(fake_engine, size):
    """lr 1.58e-05 (two steps up from the default) was cut off: the column is too narrow for the bar and it."""
    app = bonus_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_tab(pilot)
        lr = screen.settings.steppers["lr"]
        lr.focus()
        await pilot.pause()
        await pilot.press("right", "right")
        await pilot.pause()
        assert lr.value == pytest.approx(10**-4.8)
        line = str(lr._track.render())
        assert line.rstrip().endswith("1.58e-05") and len(line) <= lr._track.size.width


def test_live_smoothing_is_the_chart_ema():
    live = LiveRun()
    live.apply(canned.course_run(upto=300))
    assert live.smooth_losses == pytest.approx(ema(live.losses, 0.9))
    assert live.val_steps == [200] and live.steps == 300


# -- a run: live, stop, divergence --------------------------------------------------------
async def test_escape_asks_the_session_to_stop_and_the_run_is_evaluated_and_kept(fake_engine, runs):
    app = bonus_app()
    FakeSession.evaluation_s = 2.0  # long enough that "Stopping…" is still shown after the key press, under load
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        await pilot.press("s")
        await wait_for(pilot, lambda: FakeSession.instances and screen.live.steps >= 250)
        assert screen.settings.disabled and screen.busy("train")
        await pilot.press("escape")
        assert FakeSession.instances[0].stopped  # the job's polite stop, not a cancel
        assert "Stopping" in status(screen)
        await settle(pilot)
        assert not screen.busy("train") and not screen.settings.disabled
        assert screen.live.done == "stopped" and screen.live.history_id is not None
        assert "Stopped after 250 iterations" in status(screen) and "run #" in status(screen)
        assert screen.query_one("#eval-table", DataTable).row_count == 2
        assert "this project's model, MLP 200-100-50 (AdamW, 30 epochs" in str(
            screen.query_one("#bench-note", Static).render()
        )
        assert len(runs[0]().list()) == 1
        assert isinstance(app.screen, BonusScreen)  # the Escape did not leave the screen
        # view keys: smoothing, charts, log/table
        view = screen.view
        await pilot.press("m", "a", "l")
        assert not view.smooth and view.charts == "loss"
        assert view.query_one("ContentSwitcher").current == "log"


@pytest.mark.slow
async def test_a_short_real_run_is_evaluated_and_kept(runs):
    """The real engine end to end: 4 batches of 64 on CPU, evaluation, the run in the history."""
    app = bonus_app(fake_context=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        screen.train_limit = 256
        screen.settings.steppers["lr"].set_value(1e-3)
        screen.settings.steppers["epochs"].set_value(1)
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.live.done is not None, seconds=120)
        await settle(pilot)
        live = screen.live
        assert live.done == "completed", (live.failed, live.status)
        assert live.steps == 4 and live.total_steps == 4 and live.eval_rows[0].model == "Your model"
        assert live.history_id is not None
        [record] = runs[0]().list()
        assert record.config["lr"] == 1e-3 and record.config["train_limit"] == 256 and record.status == "completed"
        assert "Done in" in status(screen)


def test_status_lines():
    live = LiveRun()
    assert "Ready" in str(status_text(live))
    live.apply(canned.course_run())
    text = str(status_text(live))
    assert "Done in 1:35" in text and "83.25%" in text and "vs benchmark 99.13%" in text  # the file's figure


# -- save and load ------------------------------------------------------------------------
async def test_save_and_load_validate_their_paths(fake_engine, tmp_path):
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        await pilot.press("w")  # nothing trained yet: refused
        assert not isinstance(app.screen, PathDialog)
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.live.steps >= 250)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("w")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PathDialog)
        field = dialog.query_one("#path", Input)
        field.value = str(tmp_path / "missing" / "m.pt")
        await pilot.press("enter")
        assert "does not exist" in str(dialog.query_one("#path-error", Static).render())
        existing = tmp_path / "m.pt"
        existing.write_text("old")
        field.value = str(existing)
        await pilot.press("enter")
        assert "Enter again to overwrite" in str(dialog.query_one("#path-error", Static).render())
        await pilot.press("enter")
        await settle(pilot)
        assert FakeSession.instances[0].saved == [(existing, True)]
        assert screen.live.saved_to == str(existing)
        # load: the file must exist; its evaluation replaces the table
        await pilot.press("o")
        await pilot.pause()
        dialog = app.screen
        field = dialog.query_one("#path", Input)
        field.value = str(tmp_path / "nope.pt")
        await pilot.press("enter")
        assert "no such file" in str(dialog.query_one("#path-error", Static).render())
        saved = tmp_path / "mine.pt"
        saved.write_text("model")
        field.value = str(saved)
        await pilot.press("enter")
        await settle(pilot)
        assert fake_engine.evaluated == [saved]
        assert screen.query_one("#eval-table", DataTable).row_count == 2
        assert "Evaluated" in status(screen)


# -- runs history -------------------------------------------------------------------------


async def test_runs_table_sorted_by_test_accuracy_export_delete_reuse(runs, tmp_path):
    seed_history(runs)
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "runs")
        table = screen.query_one("#runs-table", DataTable)
        assert table.row_count == 5
        acc = table.get_column_index("test acc")
        accs = [table.get_row_at(i)[acc] for i in range(5)]
        assert accs == ["97.31%", "95.12%", "94.40%", "83.25%", "–"]
        await pilot.press("down", "e")  # export the second run
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PathDialog) and dialog.query_one("#path", Input).value.endswith(".csv")
        target = tmp_path / "curves.csv"
        dialog.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        lines = target.read_text().splitlines()
        assert lines[0] == "step,train_loss,train_acc,val_loss,val_acc"
        assert len(lines) == 1 + 391 * 2
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert table.row_count == 5
        await pilot.press("d", "y")
        await settle(pilot)
        assert table.row_count == 4
        assert [r.config["optimizer"] for r in runs[0]().list()] == ["Adam", "RMSprop", "Adam", "SGD"]
        # r copies a run's settings to the Train tab
        await pilot.press("home", "r")  # Adam, lr 1e-3
        await settle(pilot)
        config, _ = screen.settings.config()
        assert (config["optimizer"], config["lr"], config["batch_size"]) == ("Adam", 0.001, 64)
        assert screen.active_tab() == "train"


# -- snapshots ----------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_nothing_of_a_finished_run_is_cut(size):
    """The status, legend keys, evaluation table and benchmark note of a finished run, whole at 80x24 too."""
    app = bonus_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_tab(pilot)
        inject(screen, canned.course_run())
        await settle(pilot)
        assert not cuts(app), "\n".join(map(str, cuts(app)))
        for part in ("#status", "#legend", "#bench-note"):  # each shown whole: its lines all fit its region
            w = screen.query_one(part, Static)
            need = w.get_content_height(w.size, w.size, w.content_size.width)
            assert need and w.content_size.height >= need and app.screen.region.contains_region(w.region), part
        assert "m smooth · a charts · l log/table" in "\n".join(screen_lines(app))
        table = screen.query_one("#eval-table", DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no sideways scrolling


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
async def test_the_runs_table_fits_and_the_legend_gives_what_it_leaves_out(runs, size):
    seed_history(runs)
    app = bonus_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_tab(pilot, "runs")
        await settle(pilot)
        table = screen.query_one("#runs-table", DataTable)
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no column behind a scrollbar
        assert not cuts(app), "\n".join(map(str, cuts(app)))
        names = [str(c.label) for c in table.columns.values()]
        assert {"optimizer", "lr", "batch", "ep", "hidden", "status", "test acc"} <= set(names)
        legend = str(screen.query_one("#runs-legend", Static).render())
        assert "cpu (test)" in legend and "1:37" in legend and "11-02 10:30" in legend  # the highlighted run's


def at_train(*events_lists):
    async def run_before(pilot):
        screen = await open_tab(pilot)
        for events in events_lists:
            inject(screen, events)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_before_snapshot(snap_compare, size):
    """Train tab before a run: the course's defaults (Adam, lr 1e-05, beta1/beta2, batch 64, 2 epochs,
    200, 100, 50, seed 2021), a Start button, empty loss and accuracy charts and 'Ready'."""
    assert snap_compare(bonus_app(), terminal_size=size, run_before=at_train())


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_during_snapshot(snap_compare, size):
    """Mid-run (step 900 of 1,564): loss falling, accuracy rising, 4 validation points, epoch 2/2 bar
    with samples/s and time left, [VALID]/[TRAIN] lines, settings disabled."""
    assert snap_compare(bonus_app(), terminal_size=size, run_before=at_train(canned.course_run(upto=900)))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_after_snapshot(snap_compare, size):
    """After the run: full curves and the evaluation table, your model (83.252% test) above the
    benchmark labelled as this project's model; status 'Finished in 1:35'."""
    assert snap_compare(bonus_app(), terminal_size=size, run_before=at_train(canned.course_run()))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_diverged_snapshot(snap_compare, size):
    """SGD lr 10: the status says 'diverged at iteration 37'; the loss chart switches to a log scale;
    the settings are usable again."""

    async def run_before(pilot):
        screen = await open_tab(pilot)
        inject(screen, canned.diverging_run(at=37))
        await settle(pilot)
        assert "diverged at iteration 37" in status(screen) and not screen.settings.disabled

    assert snap_compare(bonus_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_runs_snapshot(snap_compare, size, runs):
    """Runs tab: five runs sorted by test accuracy (the diverged one last with '–'), the highlighted
    run's curves below."""
    seed_history(runs)

    async def run_before(pilot):
        await open_tab(pilot, "runs")
        await settle(pilot)

    assert snap_compare(bonus_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_overlay_snapshot(snap_compare, size, runs):
    """Three marked runs overlaid in three colours against epochs, with a legend naming them."""
    seed_history(runs)

    async def run_before(pilot):
        await open_tab(pilot, "runs")
        await pilot.press("space", "down", "space", "down", "down", "space")
        await settle(pilot)

    assert snap_compare(bonus_app(), terminal_size=size, run_before=run_before)
