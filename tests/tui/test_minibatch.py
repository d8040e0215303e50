"""Section 6's screen: cost-of-computation table and chart, Exercise 6's text, and the budgeted minibatch panels."""

from __future__ import annotations

import math
import time

import pytest
from textual.widgets import Select, Static

from engine.contracts.base import COURSE_SEED
from engine.contracts.minibatch import (
    NUM_POINTS,
    BatchEnd,
    BatchStart,
    CostJob,
    CostPoint,
    CostStart,
    LossPoints,
    MinibatchJob,
)
from engine.events import Diverged, Done, Progress, Status
from tui.screens.minibatch import MinibatchScreen
from tui.widgets.budget_panels import BudgetPanels
from tui.widgets.text_field import TextField

from .fakes import record_runs, text_of
from .snap import SIZE_IDS, SIZES, make_app, settle


@pytest.fixture(autouse=True)
def no_autorun(monkeypatch):
    """Timing this machine in tests would be slow and never reproducible: runs are recorded or canned."""
    monkeypatch.setattr(MinibatchScreen, "autorun", False)


def canned_costs() -> list:
    """Times that grow linearly with the number of examples, as the course's remark says."""
    events = [CostStart((100,), 79_510, "cpu (test)", NUM_POINTS), Status("warming up")]
    for k, n in enumerate(NUM_POINTS):
        events += [
            Progress(5 * (k + 1), 5 * len(NUM_POINTS), "measurements"),
            CostPoint(n, 2e-4 + 4e-6 * n, 3e-4 + 7e-6 * n, 5),
        ]
    return events + [Done()]


def canned_minibatch() -> list:
    """Three panels: batch 20 noisy but low, 250 meeting the target, 1000 slow; no wall clock involved."""
    events = []
    for i, (bs, steps, rate) in enumerate([(20, 400, 1.2), (250, 120, 1.0), (1000, 40, 0.3)]):
        events.append(BatchStart(i, 3, bs, 5e-3, 2.5))
        times = tuple(2.5 * (k + 1) / steps for k in range(steps))
        losses = tuple(
            0.3 + 2.0 * math.exp(-rate * t) + (0.15 * (-1) ** k if bs == 20 else 0) for k, t in enumerate(times)
        )
        events += [LossPoints(i, times, losses), Progress(2500, 2500, "ms"), BatchEnd(i, steps, 2.5)]
    return events + [Done()]


async def test_cost_tab_measures_on_show_and_on_each_choice():
    app = make_app(section="minibatch")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        jobs: list = []
        calls = record_runs(screen, jobs)
        screen.autorun = True
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert calls == ["cost"] and screen.focused.id == "cost-hidden"
        assert "79,510" in text_of(screen, "#cost-params")
        screen.query_one("#cost-hidden", Select).value = "50, 50"
        await pilot.pause()
        assert calls == ["cost", "cost"] and "42,310" in text_of(screen, "#cost-params")
        assert jobs == [CostJob((100,), NUM_POINTS), CostJob((50, 50), NUM_POINTS)]
        screen.handle_events("cost", canned_costs())
        assert [p.size for p in screen.points] == list(NUM_POINTS)
        assert screen.query_one("#cost-table", Static).content.row_count == 12 and "device cpu (test)" in text_of(
            screen, "#cost-device"
        )


async def test_real_cost_run_fills_the_table_and_escape_stops_it(monkeypatch):
    monkeypatch.setattr(MinibatchScreen, "cost_sizes", (1, 100, 5000))
    app = make_app(section="minibatch")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await pilot.press("right_square_bracket")
        await pilot.pause()
        screen.query_one("#cost-hidden", Select).value = "1"  # the smallest network: quick
        await settle(pilot)
        assert [p.size for p in screen.points] == [1, 100, 5000]
        assert all(p.forward > 0 and p.backward > 0 for p in screen.points)
        import engine.sections.costs as costs

        def endless(*args, **kwargs):  # a measurement that only ends when stopped, so Escape always meets it
            while True:
                time.sleep(0.01)
                yield Status("measuring…")

        monkeypatch.setattr(costs, "cost_events", endless)
        await pilot.press("r")
        assert screen.busy("cost")
        await pilot.press("escape")
        await pilot.pause()
        assert not screen.busy() and "stopped" in text_of(screen, "#cost-status")


async def test_lists_are_validated_and_a_mismatch_does_not_run():
    app = make_app(section="minibatch")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        jobs: list = []
        calls = record_runs(screen, jobs)
        await screen.show_pane("minibatch")
        await pilot.pause()
        sizes = screen.query_one("#mb-sizes", TextField)
        assert screen.focused is sizes.input
        sizes.set_text("20, 250")
        await pilot.press("enter")
        await pilot.pause()
        assert calls == []  # 3 learning rates for 2 batch sizes
        lrs = screen.query_one("#mb-lrs", TextField)
        assert "3 learning rates for 2 batch sizes" in str(lrs.query_one(".field--message", Static).render())
        assert "not run" in text_of(screen, "#mb-status")
        lrs.input.focus()
        lrs.set_text("0.1, -2")
        await pilot.press("enter")
        await pilot.pause()
        assert calls == [] and "must be positive" in str(lrs.query_one(".field--message", Static).render())
        lrs.set_text("0.1, 0.05")
        await pilot.press("enter")
        await pilot.pause()
        assert calls == ["minibatch"] and jobs == [MinibatchJob((20, 250), (0.1, 0.05), 2.5, seed=COURSE_SEED)]
        panels = screen.query_one(BudgetPanels)
        assert [p.batch_size for p in panels.query("BudgetPanel") if p.display] == [20, 250]
        sizes.input.focus()
        sizes.set_text("20, abc")
        await pilot.press("enter")
        assert calls == ["minibatch"]
        assert "'abc' is not a whole number" in str(sizes.query_one(".field--message", Static).render())
        screen.query_one("#mb-budget", Select).value = "5"
        await pilot.pause()
        assert calls == ["minibatch"]  # the fields are still bad


async def test_real_minibatch_run_draws_and_judges_each_panel():
    app = make_app(section="minibatch")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await screen.show_pane("minibatch")
        await pilot.pause()
        screen.query_one("#mb-sizes", TextField).set_text("50")
        screen.query_one("#mb-lrs", TextField).set_text("0.05")
        screen.query_one("#mb-lrs", TextField).input.focus()
        await pilot.press("enter")
        await settle(pilot)
        panel = screen.query_one(BudgetPanels).panel(0)
        assert panel.state == "done" and len(panel.times) == len(panel.losses) > 1
        assert 2.5 <= panel.times[-1] < 4
        assert "steps" in text_of(panel, ".verdict") and "done" in text_of(screen, "#mb-status")


async def test_the_seed_is_typed_or_drawn_and_yours_is_judged_against_the_reference_beside_it():
    """Issue 20: a run seed (the course's by default; d draws another), and the reference's curve of the same
    seed beside a learner's sampler: the verdict says whether theirs is the reference's."""
    app = make_app(section="minibatch")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        jobs: list = []
        calls = record_runs(screen, jobs)
        screen.show_pane("minibatch")
        await pilot.pause()
        seed = screen.query_one("#mb-seed", TextField)
        seed.input.focus()
        seed.set_text("a seed")
        await pilot.press("enter")
        assert calls == [] and "such as 2021" in text_of(screen, "#mb-seed-message")  # on a line of its own
        seed.set_text("42")
        await pilot.press("enter")
        assert (
            calls == ["minibatch"] and jobs[-1].seed == 42 and "the reference, seed 42" in text_of(screen, "#mb-status")
        )
        screen.set_focus(None)
        await pilot.press("d")
        assert len(calls) == 2 and jobs[-1].seed != 42 and seed.input.value == str(jobs[-1].seed)
        times, mine = (0.1, 0.2, 0.3), (2.3, 2.1, 1.9)
        screen.handle_events(
            "minibatch",
            [BatchStart(0, 3, 20, 5e-3, 2.5), LossPoints(0, times, mine), LossPoints(0, times, mine, reference=True)]
            + [BatchEnd(0, 3, 0.3), BatchStart(1, 3, 250, 5e-3, 2.5), LossPoints(1, times, mine)]
            + [LossPoints(1, times, (2.3, 2.2, 2.1), reference=True), BatchEnd(1, 3, 0.3)],
        )
        panels = screen.query_one(BudgetPanels)
        assert "= the reference" in text_of(panels.panel(0), ".verdict")
        assert "reference 2.100" in text_of(panels.panel(1), ".verdict")
        assert panels.panel(1).ref_losses == [2.3, 2.2, 2.1] and panels.panel(1).losses == list(mine)


async def test_a_diverging_batch_size_is_shown_as_diverged():
    app = make_app(section="minibatch")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        await screen.show_pane("minibatch")
        await pilot.pause()
        screen.handle_events(
            "minibatch",
            [
                BatchStart(0, 3, 20, 1e3, 2.5),
                LossPoints(0, (0.1, 0.2), (2.3, math.nan)),
                Diverged(1, "batch size 20"),
                BatchEnd(0, 2, 0.2),
            ],
        )
        assert "batch size 20 diverged at iteration 1" in text_of(screen, "#mb-status")
        assert "diverged" in text_of(screen.query_one(BudgetPanels).panel(0), ".verdict")


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_cost_snapshot(snap_compare, size):
    """The hidden-size choice '100 (79,510 parameters)', the table of 12 sizes with forward and backward ms,
    the device line, and Forward/Backward lines growing linearly on the chart (canned timings)."""

    async def run_before(pilot):
        await pilot.press("right_square_bracket")
        await pilot.pause()
        pilot.app.screen.handle_events("cost", canned_costs())
        await settle(pilot)

    assert snap_compare(make_app(section="minibatch"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_minibatch_snapshot(snap_compare, size):
    """The fields at the course's defaults, the target's definition, three panels 'Batch size: 20/250/1000'
    with loss against seconds on their own y scales, and each panel's verdict (canned runs)."""

    async def run_before(pilot):
        await pilot.app.screen.show_pane("minibatch")
        await pilot.pause()
        pilot.app.screen.handle_events("minibatch", canned_minibatch())
        await settle(pilot)

    assert snap_compare(make_app(section="minibatch"), terminal_size=size, run_before=run_before)


async def test_a_job_the_contract_refuses_is_said_in_the_status_not_raised(monkeypatch):
    monkeypatch.setattr(MinibatchScreen, "cost_sizes", (70_000,))  # more examples than MNIST has
    app = make_app(section="minibatch")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.screen
        calls = record_runs(screen)
        screen.autorun = True
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert calls == [] and "cannot run: a number of examples" in text_of(screen, "#cost-status")


@pytest.mark.parametrize("count", [3, 4])
async def test_verdicts_fit_their_panels_at_80x24_and_line_up(count):
    """Issue 10: the per-panel verdicts were cut with '…' at 80x24; now they wrap into lines that fit,
    every panel's verdict as tall as the tallest (so the charts above line up), a diverged one too."""
    sizes = [20, 250, 1000, 5000][:count]
    events = []
    for i, bs in enumerate(sizes):
        events.append(BatchStart(i, count, bs, 5e-3, 2.5))
        times = tuple(2.5 * (k + 1) / 12_345 for k in range(12_345))
        losses = tuple(0.3 + 2.0 * math.exp(-t) for t in times)
        if i == 1:
            losses = losses[:40] + (1e4, 1e30)  # a diverging run: huge values clipped on its chart
            events += [LossPoints(i, times[:42], losses), Diverged(41, f"batch size {bs}")]
        else:
            events.append(LossPoints(i, times, losses))
        events.append(BatchEnd(i, len(losses), 2.5))
    app = make_app(section="minibatch")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        record_runs(screen)
        await screen.build_pane("minibatch")  # its boxes exist once the tab is built (issue 23)
        screen.query_one("#mb-sizes", TextField).query_one("Input").value = ", ".join(map(str, sizes))
        screen.query_one("#mb-lrs", TextField).query_one("Input").value = ", ".join(["5e-3"] * count)
        await screen.show_pane("minibatch")
        await pilot.pause()
        screen.handle_events("minibatch", events + [Done()])
        await settle(pilot)
        panels = [screen.query_one(BudgetPanels).panel(i) for i in range(count)]
        heights = set()
        for p in panels:
            verdict = p.query_one(".verdict", Static)
            lines = str(verdict.render()).split("\n")
            assert "…" not in str(verdict.render()) and all(len(line) <= verdict.content_size.width for line in lines)
            heights.add(verdict.size.height)
        assert len(heights) == 1 and heights.pop() >= 2
        assert "12,345 steps" in str(panels[0].query_one(".verdict", Static).render())
        assert "✗ diverged" in str(panels[1].query_one(".verdict", Static).render())
