"""The Bonus's Sweep tab: its fields' messages, a real sweep end to end, Escape, the best copy, and snapshots."""

from __future__ import annotations

import time

import pytest
from textual.widgets import DataTable, Input, Static

from tui.widgets.bonus.sweep_live import SweepLive
from tui.widgets.bonus.sweep_view import status_text

from . import sweep_events as canned
from .bonus_fakes import bonus_app, notices, open_tab, runs, wait_for
from .snap import SIZE_IDS, SIZES, settle

__all__ = ["runs"]  # a fixture, used by name


def inject(screen, events: list) -> None:
    """Canned sweep events through the screen's own handler, as the runner delivers them."""
    live = screen.sweep_memory.live = SweepLive(axes=("lr",))
    screen.sweep_view.reset(live)
    screen.handle_events("sweep", events)


def error_under(screen, number: int) -> str:
    return str(screen.query_one(f"#sweep-values-{number}-setting .setting--error", Static).render())


async def type_values(pilot, screen, number: int, text: str) -> None:
    field = screen.query_one(f"#sweep-values-{number}", Input)
    field.value = text
    await pilot.pause()


@pytest.mark.parametrize(
    "text, words",
    [
        ("", "at least two values"),
        ("1e-3", "one value is a single run"),
        ("fast, slow", "'fast' is not a number"),
        ("Let me try a few values please", "not a number"),
        ("1e-3, 50", "learning rate 50 is out of range"),
        ("1e-3, 1e-3", "appears twice"),
    ],
)
async def test_bad_values_are_refused_where_they_are_typed(text, words):
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "sweep")
        await type_values(pilot, screen, 1, text)
        assert words in error_under(screen, 1)
        await pilot.press("s")
        await pilot.pause()
        assert not screen.busy() and any("Fix the sweep first" in n or words in n for n in notices(app))


async def test_two_settings_too_many_copies_and_momentum_for_plain_sgd():
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "sweep")
        panel = screen.sweep_panel
        screen.query_one("#sweep-second").focus()
        await pilot.press("right", "right")  # "and": nothing -> lr -> weight decay
        await pilot.pause()
        assert panel.key("second") == "weight_decay" and screen.query_one("#sweep-values-2").display
        await type_values(pilot, screen, 2, "0, 1e-4, 1e-3")  # 8 x 3 = 24 copies
        assert "24 copies: a sweep trains at most 16" in str(panel.query_one("#sweep-error", Static).render())
        await type_values(pilot, screen, 1, "1e-4, 1e-3")
        plan, errors = panel.plan()
        assert errors == [] and plan is not None and plan.count == 6
        assert "6 copies, all in one pass" in str(panel.query_one("#sweep-summary", Static).render())
        screen.settings.apply({"optimizer": "SGD"})  # the Train tab's optimizer has no momentum
        await pilot.press("right")  # weight decay -> momentum
        await pilot.pause()
        panel.refresh_fields()
        assert "SGD has no momentum" in str(panel.query_one("#sweep-error", Static).render())


async def test_a_sweep_too_large_for_the_memory_is_refused():
    app = bonus_app(free_memory=300 << 20)  # 300 MB free
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "sweep")
        screen.settings.query_one("#hidden", Input).value = "4096, 4096, 4096"
        await type_values(pilot, screen, 1, "1e-5..1e-1 x16")
        await pilot.press("s")
        await pilot.pause()
        cost = str(screen.sweep_panel.query_one("#sweep-cost", Static).render())
        assert not screen.busy() and cost.startswith("too large") and "Sweep fewer values" in cost


@pytest.mark.slow
async def test_a_real_sweep_ranks_its_copies_and_the_best_trains_in_full(runs):
    """The real engine: 4 copies of the course's MLP on 256 examples, ranked, kept as one group; t trains the best."""
    app = bonus_app(fake_context=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "sweep")
        screen.train_limit = 256
        screen.settings.steppers["epochs"].set_value(1)
        await type_values(pilot, screen, 1, "1e-4..1e-1 x4")
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.sweep_memory.live.done is not None, seconds=120)
        await settle(pilot)
        live = screen.sweep_memory.live
        assert live.done == "completed" and len(live.result) == 4 and len(live.run_ids) == 4, live.failed
        accs = [r.val_acc for r in live.result]
        assert accs == sorted(accs, reverse=True)
        table = screen.query_one("#sweep-table", DataTable)
        assert table.get_row_at(0)[2] == live.result[0].label  # the table is in the ranking's order
        assert "kept as one group of 4 runs" in str(status_text(live))
        records = runs[0]().list()
        assert len({r.config["sweep"]["group"] for r in records}) == 1 and len(records) == 4
        await pilot.press("t")  # the best copy's settings, trained in full on the Train tab
        await pilot.pause()
        assert screen.active_tab() == "train"
        assert screen.settings.config()[0]["lr"] == live.result[0].values["lr"]
        await wait_for(pilot, lambda: screen.live.done is not None, seconds=120)
        assert screen.live.config["lr"] == live.result[0].values["lr"]
        assert screen.live.eval_rows and screen.live.eval_rows[0].model == "Your model"


@pytest.mark.slow
async def test_escape_stops_every_copy_and_each_is_validated_and_kept():
    app = bonus_app(fake_context=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "sweep")
        screen.train_limit = None  # the whole split: the copies must still be training when Escape comes (CI ran
        # 5,000 examples to the end before the key, and Escape then went home)
        await type_values(pilot, screen, 1, "1e-4, 1e-3, 1e-2")
        await pilot.press("s")
        live = screen.sweep_memory.live
        await wait_for(pilot, lambda: any(live.steps.values()), seconds=120)
        await pilot.press("escape")
        # the copies finish their batch, then stop
        assert app.screen is screen and (screen.sweep_view.stopping or live.done is not None)
        await wait_for(pilot, lambda: live.done is not None, seconds=120)
        await settle(pilot)
        assert live.done == "stopped" and {r.status for r in live.result} == {"stopped"} and live.run_ids


class SlowSweep:
    """A SweepSession stand-in: starts, trains a little, then keeps "validating" until it is cancelled."""

    def __init__(self, plan, device, mnist, *, should_stop) -> None:
        self.plan, self.should_stop = plan, should_stop
        self.records, self.result = [], None

    def run(self):
        events = canned.sweep_run(upto=300)
        yield from events
        while True:  # a polite stop is asked for and ignored: only a cancel ends it
            time.sleep(0.01)
            yield canned.Status("validating every copy…")


async def test_a_second_escape_cancels_the_sweep_and_nothing_is_kept(monkeypatch, runs):
    from engine.sections import sweep as jobs

    monkeypatch.setattr(jobs, "SweepSession", SlowSweep)
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "sweep")
        await pilot.press("s")
        live = screen.sweep_memory.live
        await wait_for(pilot, lambda: live.started)
        await pilot.press("escape")
        await pilot.pause()
        assert screen.sweep_view.stopping and screen.busy("sweep")
        assert "Stopping every copy" in str(screen.query_one("#sweep-status", Static).render())
        await pilot.press("escape")
        await wait_for(pilot, lambda: not screen.busy())
        assert live.done == "cancelled" and not live.run_ids and not screen.sweep_panel.disabled
        assert "Sweep cancelled" in str(screen.query_one("#sweep-status", Static).render())
        assert runs[0]().list() == [] and app.screen is screen


async def test_p_puts_the_best_in_the_train_tab_and_diverged_copies_are_said():
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "sweep")
        inject(screen, canned.sweep_run())
        await settle(pilot)
        table = screen.query_one("#sweep-table", DataTable)
        assert [table.get_row_at(i)[4] for i in range(2)] == ["96.74%", "96.52%"]
        assert table.get_row_at(7)[3] == "✗ diverged" and table.get_row_at(7)[1] == ""
        await pilot.press("p")
        await pilot.pause()
        assert screen.active_tab() == "train" and screen.settings.config()[0]["lr"] == canned.LRS[4]
        assert not screen.busy()


def at_sweep(events: list | None = None):
    async def run_before(pilot):
        screen = await open_tab(pilot, "sweep")
        if events is not None:
            inject(screen, events)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_sweep_before_snapshot(snap_compare, size):
    """The Sweep tab before a sweep: lr 1e-5..1e-1 x8, 8 copies of the Train tab's settings, Ready."""
    assert snap_compare(bonus_app(), terminal_size=size, run_before=at_sweep())


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_sweep_during_snapshot(snap_compare, size):
    """Step 900 of 1,564: each copy's validation curve in its colour, the lr 0.1 copy diverged, the table live."""
    assert snap_compare(bonus_app(), terminal_size=size, run_before=at_sweep(canned.sweep_run(upto=900)))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_sweep_after_snapshot(snap_compare, size):
    """The end: final validation accuracy against lr on a log axis (the best ★), the table by validation accuracy."""
    assert snap_compare(bonus_app(), terminal_size=size, run_before=at_sweep(canned.sweep_run()))


def seed_with_a_sweep(classes) -> list[int]:
    from .bonus_events import run_records

    history_cls, record_cls = classes
    h = history_cls()
    return h.add_all(run_records(record_cls)) + h.add_all(canned.sweep_records(record_cls))


async def test_a_sweep_is_one_row_of_the_runs_overlaid_exported_and_deleted_together(runs, tmp_path):
    ids = seed_with_a_sweep(runs)
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot, "runs")
        await settle(pilot)
        table = screen.query_one("#runs-table", DataTable)
        assert table.row_count == 6  # five runs and one sweep
        status = table.get_column_index("status")
        [row] = [i for i in range(6) if table.get_row_at(i)[status] == "sweep ×8"]
        cells = dict(zip([str(c.label) for c in table.columns.values()], table.get_row_at(row)))
        assert cells["lr"] == "1e-5…0.1" and cells["val acc"] == "96.74%" and cells["test acc"] == "val 96.74%"
        table.move_cursor(row=row)
        await pilot.press("space")
        await settle(pilot)
        assert screen.runs.drawn_ids() == ids[5:]  # the sweep's eight copies, in copy order
        assert "sweep of learning rate ×8 (best lr 1.93e-3: 96.74% val)" in str(
            screen.query_one("#runs-legend", Static).render()
        )
        await pilot.press("e")
        await pilot.pause()
        target = tmp_path / "sweep.csv"
        app.screen.query_one("#path", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        lines = target.read_text().splitlines()
        assert lines[0] == "run,copy,lr,step,train_loss,train_acc,val_loss,val_acc"
        assert {line.split(",")[1] for line in lines[1:]} == set(canned.PLAN.labels())
        await pilot.press("d")
        await pilot.pause()
        assert "all its 8 runs" in str(app.screen.query_one(Static).render())
        await pilot.press("y")
        await settle(pilot)
        assert table.row_count == 5 and len(runs[0]().list()) == 5


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_runs_with_a_sweep_snapshot(snap_compare, size, runs):
    """The Runs tab: the sweep is one row (sweep ×8, lr 1e-5…0.1, its best 96.74% val, ranked by it), marked: its eight
    copies' curves overlaid, the legend naming the sweep and its best copy."""
    seed_with_a_sweep(runs)

    async def run_before(pilot):
        screen = await open_tab(pilot, "runs")
        await settle(pilot)
        table = screen.query_one("#runs-table", DataTable)
        status = table.get_column_index("status")
        table.move_cursor(row=next(i for i in range(table.row_count) if table.get_row_at(i)[status] == "sweep ×8"))
        await pilot.press("space")
        await settle(pilot)

    assert snap_compare(bonus_app(), terminal_size=size, run_before=run_before)
