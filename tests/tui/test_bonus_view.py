"""The Bonus Train tab's view at 80x24 (nothing cut mid-run) and the loss charts' log-y view (y)."""

from __future__ import annotations

import pytest
from textual.widgets import Static

from tui.charts.chart import Chart
from tui.widgets.fitted import FittedLine

from . import bonus_events as canned
from .bonus_fakes import bonus_app, fake_engine, inject, open_tab, reopen, runs, seed_history
from .screen_text import cuts, screen_lines
from .snap import settle

__all__ = ["fake_engine", "runs"]  # fixtures, used by name


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_nothing_of_a_run_in_progress_is_cut(size):
    """Mid-run the line beside the progress bar read "15% epoch 2/2 · 0:08 left · …" at 80x24."""
    app = bonus_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_tab(pilot)
        inject(screen, canned.course_run(upto=900))
        await settle(pilot)
        assert not cuts(app), "\n".join(map(str, cuts(app)))
        line = screen.query_one("#progress-text", FittedLine)
        assert line.shown.startswith("epoch 2/2 · ") and " left" in line.shown
        assert len(line.shown) <= line.content_size.width
        if size == (120, 40):
            assert line.shown == line.wordings[0] == "epoch 2/2 · 0:08 left · 5,412 samples/s"


def loss_chart(screen) -> Chart:
    return screen.query_one("#loss-chart", Chart)


async def test_y_puts_the_loss_on_a_log_axis_says_so_and_is_kept(fake_engine, runs):
    """Good runs hug 0 on a linear loss axis; y shows the loss on a log axis (title and legend say
    which), for this run's chart and the Runs overlay alike, and the Bonus remembers it."""
    seed_history(runs)
    app = bonus_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_tab(pilot)
        inject(screen, canned.course_run())
        await settle(pilot)
        chart = loss_chart(screen)
        legend = lambda: str(screen.query_one("#legend", Static).render())
        assert not chart.log_y and "y log y" in legend()
        await pilot.press("y")
        await settle(pilot)
        assert chart.log_y and chart.last_plot is not None and chart.last_plot.log_y
        assert chart.last_plot.title_text == "loss (log y)" and "y linear" in legend()
        text = "\n".join(screen_lines(app))
        assert "loss (log y)" in text
        ys = [y for s in chart.last_plot.series for y in s.ys]  # as plotted: log10 of the loss
        assert min(ys) < 0 < max(ys)  # log10 of losses from ~0.01 to ~2.3
        await screen.show_pane("runs")
        await settle(pilot)
        overlay = screen.query_one("#runs-chart", Chart)
        assert overlay.log_y and overlay.last_plot is not None and "log y" in str(overlay.last_plot.title_text)
        await pilot.press("a")  # accuracy stays on its linear 0-100 axis
        await settle(pilot)
        assert not overlay.log_y
        await pilot.press("a")
        screen = await reopen(pilot)  # home and back: still on a log axis
        await settle(pilot)
        assert loss_chart(screen).log_y and "y linear" in str(screen.query_one("#legend", Static).render())
        await pilot.press("y")
        await settle(pilot)
        assert not loss_chart(screen).log_y and loss_chart(screen).last_plot.title_text == "loss"


async def test_the_legend_with_the_log_key_fits_at_80x24():
    app = bonus_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_tab(pilot)
        inject(screen, canned.course_run(upto=900))
        await settle(pilot)
        assert "m smooth · a charts · l log/table · y log y" in "\n".join(screen_lines(app))
        await pilot.press("y")
        await settle(pilot)
        assert "l log/table · y linear" in "\n".join(screen_lines(app)) and not cuts(app)


async def test_a_run_s_batches_do_not_repaint_the_settings_panel():
    """Each batch of a run set the panel's subtitle ("runs on cpu"), unchanged, and Textual repainted the whole
    panel for it, every setting in it too: ~3-9 ms of each frame while the Bonus trained at 200x60."""
    app = bonus_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_tab(pilot)
        inject(screen, canned.course_run(upto=100))
        await settle(pilot)
        panel = screen.settings
        subtitle = panel.border_subtitle
        repaints: list[tuple] = []
        refresh = panel.refresh
        panel.refresh = lambda *a, **k: repaints.append(a) or refresh(*a, **k)  # type: ignore[method-assign]
        for steps in canned.train_steps(900)[2:]:
            screen.handle_events("train", [steps])
        await settle(pilot)
        assert repaints == [] and panel.border_subtitle == subtitle and "runs on" in str(subtitle)
