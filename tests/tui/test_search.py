"""Section 3's Compare tab: both histograms and summaries, controls that redraw, Escape, the Think! 3 pointer."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from tui.widgets.stepper import Stepper

from .fakes import IdleExecutor
from .screen_text import showing_whole
from .snap import SIZE_IDS, SIZES, make_app, settle


async def open_compare(pilot) -> None:
    await pilot.app.screen.show_pane("compare")
    await pilot.pause()
    await settle(pilot)


def summary(screen, i: int) -> str:
    return str(screen.query_one(f"#summary-{i}", Static).render())


async def test_both_panels_with_the_course_settings():
    app = make_app(section="search")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_compare(pilot)
        screen = app.screen
        init, trained = screen.results["Initialization"], screen.results["Partially trained"]
        assert len(init.random_deltas) == 100 and sum(init.counts) == 100 and len(init.counts) == 20
        assert init.gd_delta < init.best_random  # the gradient step beats every random direction
        assert "beats them all" in summary(screen, 0)
        assert f"{init.improved}/100 better" in summary(screen, 0)
        assert trained.base_loss < init.base_loss
        assert "Questions tab" in str(screen.query_one("#compare-intro", Static).render())


async def test_controls_redraw_r_draws_again_and_escape_stops():
    app = make_app(section="search")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_compare(pilot)
        screen = app.screen
        first = screen.results["Initialization"].random_deltas
        screen.query_one("#dirs", Stepper).focus()
        await pilot.press("left")
        await settle(pilot)
        assert len(screen.results["Initialization"].random_deltas) == 90
        await pilot.press("r")
        await settle(pilot)
        assert screen.draw_seed == 1 and screen.results["Initialization"].random_deltas[:90] != first[:90]
        screen.query_one("#lr", Stepper).focus()
        await pilot.press("right")
        await settle(pilot)
        assert screen.results["Initialization"].lr == pytest.approx(10**-1.75)
        screen.query_one("#dirs", Stepper).set_value(1000)
        screen.run_compare()
        await pilot.press("escape")  # mid-run: stops it, and the screen stays
        await settle(pilot)
        assert app.screen is screen and not screen.running
        assert "stopped" in str(screen.query_one("#compare-status", Static).render())


async def open_compare_settled(pilot) -> None:
    await open_compare(pilot)
    pilot.app.screen.set_focus(None)
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_compare_snapshot(snap_compare, size):
    """Two 20-bin histograms (init, partially trained) with the zero and gradient-step lines, and the summaries."""
    assert snap_compare(make_app(section="search"), terminal_size=size, run_before=open_compare_settled)


async def test_a_refused_typed_value_is_shown_under_its_stepper():
    app = make_app(section="search")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_compare(pilot)
        screen = app.screen
        assert screen.focused is screen.query_one("#noise", Stepper)
        await pilot.press("enter", "a", "b", "c", "enter")
        await pilot.pause()
        error = screen.query_one("#noise .stepper--error", Static)
        assert "not a number" in str(error.render()) and "'abc'" in str(error.render())
        assert showing_whole(screen, error)
        await pilot.press("escape")  # cancels the entry; the row is one line again
        await pilot.pause()
        assert screen.query_one(".controls").region.height == 1


def comparison(panel: str = "Initialization"):
    """Random moves centred on zero (the tallest bars stand on the zero line) and a gradient step at -0.6."""
    from engine.contracts.search import Comparison

    edges = tuple(-0.5 + 0.05 * k for k in range(21))
    counts = (0, 1, 1, 2, 3, 4, 6, 8, 10, 12, 12, 10, 8, 6, 4, 3, 2, 1, 1, 0)  # bins 9 and 10 meet at 0
    deltas = tuple((a + b) / 2 for a, b, n in zip(edges, edges[1:], counts) for _ in range(n))
    return Comparison(panel, 2.3, deltas, -0.6, edges, counts, 0.01, 0.01)


async def test_the_histograms_say_what_they_count_and_show_the_zero_line_over_the_bars():
    """Issue 10: the histograms had no y label, and the green zero line hid behind the bars standing on it."""
    from tui.charts.chart import Chart

    app = make_app(section="search")
    app.runner.executor = IdleExecutor()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_compare(pilot)
        screen = app.screen
        screen.handle_events("compare", [comparison()])  # as the engine delivers it
        await settle(pilot)
        chart = screen.query_one("#hist-0", Chart)
        lines = chart.render().split("\n")
        assert "directions" in lines[0].plain  # the y label, above its axis
        bar_rows = [line.plain for line in lines if "█" in line.plain]
        assert len(bar_rows) > 3
        for row in bar_rows:  # the bars stand on both sides of zero: the line shows between them
            assert "█│█" in row, row


async def test_no_bar_stands_beside_a_zero_tick():
    """Issue 20: at 80x24 the bars of a count of 1 filled the bottom row, which plotext labelled 0."""
    from tui.charts.chart import Chart

    app = make_app(section="search")
    app.runner.executor = IdleExecutor()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_compare(pilot)
        screen = app.screen
        screen.handle_events("compare", [comparison()])
        await settle(pilot)
        lines = [line.plain for line in screen.query_one("#hist-0", Chart).render().split("\n")]
        rows = [line for line in lines if "┤" in line or "│" in line[:6]]
        labelled = {line.split("┤")[0].strip(): line for line in rows if "┤" in line}
        assert "0" not in labelled, labelled.get("0")
        bottom = rows[-1]  # the count-1 bars still show, on the bottom row, beside no label
        assert "█" in bottom and "┤" not in bottom, bottom


def test_the_reference_step_is_said_beside_a_learners():
    """Issue 20: with the learner's gradient_update each panel says the reference's step and whether theirs is it."""
    from engine.contracts.search import Comparison
    from tui.screens.search import summary_text

    def panel(step: float, reference: float | None) -> str:
        return summary_text(
            Comparison("Initialization", 2.47, (0.1, -0.2), step, (-0.2, 0.1), (1,), 0.01, 0.01, reference)
        ).plain

    assert "reference" not in panel(-0.15, None)
    assert panel(-0.15, -0.15 + 1e-7).endswith("reference step: -0.1500: yours is the same")
    assert panel(0.17, -0.15).endswith("reference step: -0.1500: yours differs")
