"""Section 2's demos: browsing digits and their values, the model table and its validation, the filters."""

from __future__ import annotations

import threading

import pytest
from textual import events
from textual.containers import Horizontal
from textual.widgets import Input, Static

from engine.events import Status
from tui.screens.casestudy import CaseStudyScreen
from tui.widgets.pixel_grid import PixelGrid
from tui.widgets.stepper import Stepper

from .fakes import IdleExecutor, text_of
from .screen_text import showing_whole
from .snap import SIZE_IDS, SIZES, make_app, settle


async def open_tab(pilot, pane: str) -> None:
    await pilot.app.screen.show_pane(pane)
    await pilot.pause()
    await settle(pilot)


async def type_hidden(pilot, text: str) -> None:
    box = pilot.app.screen.query_one("#hidden", Input)
    box.focus()
    box.value = text
    await pilot.press("enter")
    await settle(pilot)


@pytest.fixture(autouse=True)
def short_training(monkeypatch):
    """Tests train the filters for 20 steps, not the course's 200, to stay quick."""
    monkeypatch.setattr(CaseStudyScreen, "FILTER_STEPS", 20)


async def test_arrows_browse_the_examples():
    app = make_app(section="casestudy")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, "data")
        screen = app.screen
        assert "example 1 of 500" in text_of(screen, "#data-info")
        assert screen.focused is screen.query_one("#example", Stepper)
        await pilot.press("right")
        await settle(pilot)
        assert "example 2 of 500" in text_of(screen, "#data-info")
        await pilot.press("shift+right")
        await settle(pilot)
        assert "example 12 of 500" in text_of(screen, "#data-info")
        await pilot.press("5", "0", "0", "enter")
        await settle(pilot)
        assert "example 500 of 500" in text_of(screen, "#data-info")
        label = screen.current.label
        assert f"Label: {label}" in text_of(screen, "#data-info")


async def test_a_refused_example_number_is_shown_under_its_stepper():
    app = make_app(section="casestudy")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, "data")
        screen = app.screen
        await pilot.press("0", "enter")  # a digit opens the entry box with it
        await pilot.pause()
        error = screen.query_one("#example .stepper--error", Static)
        assert str(error.render()) == "must be between 1 and 500"
        assert showing_whole(screen, error)
        assert "example 1 of 500" in text_of(screen, "#data-info")  # nothing else changed


async def test_values_view_shows_a_window_that_moves():
    app = make_app(section="casestudy")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_tab(pilot, "data")
        await pilot.press("v")
        await pilot.pause()
        grid = app.screen.query_one("#values", PixelGrid)
        assert grid.display and grid.region.width > 0
        r0, r1, c0, c1 = grid.window()
        assert (c1 - c0) == (grid.size.width - 4) // 5 and (r1 - r0) == grid.size.height - 2  # as many as fit
        assert r0 > 0 and r1 < 28 and c0 > 0 and c1 < 28  # at 80x24 a central crop, both ways
        assert f"rows {r0}-{r1 - 1}, cols {c0}-{c1 - 1}" in grid.caption()
        assert "-0.4" in str(grid.render())  # the standardised background
        grid.focus()
        await pilot.press("right", "down")
        assert grid.window() == (r0 + 1, r1 + 1, c0 + 1, c1 + 1)
        await pilot.press(*["up"] * 30, *["right"] * 30)  # the window stops at the image's edges
        assert grid.window() == (0, r1 - r0, 28 - (c1 - c0), 28)
        await pilot.press("v")
        await pilot.pause()
        assert not grid.display or grid.region.width == 0


async def test_model_table_for_typed_sizes_and_the_loss_at_init():
    app = make_app(section="casestudy")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, "model")
        screen = app.screen
        assert "7,850 parameters" in text_of(screen, "#hidden-message")
        assert "2.4708" in text_of(screen, "#model-loss") and "2.3026" in text_of(screen, "#model-loss")
        assert "Linear(in_features=784, out_features=10, bias=True)" in text_of(screen, "#model-print")
        await type_hidden(pilot, "200, 100, 50")
        assert "182,660 parameters" in text_of(screen, "#hidden-message")
        assert "out_features=200" in text_of(screen, "#model-print")


async def test_bad_hidden_sizes_are_refused_where_typed():
    app = make_app(section="casestudy")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, "model")
        message = app.screen.query_one("#hidden-message", Static)
        for bad, reason in [
            ("abc", "not a whole number"),
            ("0", "at least 1 unit"),
            ("-5", "at least 1 unit"),
            ("10000", "too wide"),
        ]:
            await type_hidden(pilot, bad)
            assert message.has_class("-error") and "nothing was run" in str(message.render())
            assert reason in str(message.render())
            assert app.screen.summary.total == 7850  # the last good model stays on screen
            assert "2.4708" in text_of(app.screen, "#model-loss")
        box = app.screen.query_one("#hidden", Input)
        box.value = ""
        app.post_message(events.Paste("9, " * 300_000))  # kept up to its bound, said where typed
        await pilot.pause()
        assert box.value == ("9, " * 30)[:80] and "at most 80 characters" in str(message.render())
        assert message.has_class("-error")


async def test_refused_sizes_stop_the_run_of_the_sizes_typed_before(monkeypatch):
    """Sizes typed after good ones still evaluating are refused, and the earlier run does not draw over the refusal."""
    import engine.sections.casestudy as C

    real = C.model_events
    release = threading.Event()

    def slow(*args, **kwargs):
        for event in real(*args, **kwargs):
            release.wait(30)  # held until the refusal is on screen (a 0.3 s sleep was overtaken under load)
            yield event

    app = make_app(section="casestudy")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, "model")
        monkeypatch.setattr(C, "model_events", slow)
        box = app.screen.query_one("#hidden", Input)
        box.focus()
        box.value = "200, 100, 50"
        await pilot.press("enter")
        assert app.screen.busy("model")
        box.value = "20, x"
        await pilot.press("enter")
        await pilot.pause()
        message = app.screen.query_one("#hidden-message", Static)
        assert message.has_class("-error") and "'x' is not a whole number" in str(message.render())
        release.set()  # the earlier run's events come now, after the refusal
        await settle(pilot)
        assert app.screen.summary.total == 7850 and not app.screen.running  # 200-100-50 never drew
        assert "not evaluated" in text_of(app.screen, "#model-loss")


async def test_filters_train_steppers_rerun_and_escape_stops():
    app = make_app(section="casestudy")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, "filters")
        screen = app.screen
        assert "after 20 steps" in text_of(screen, "#filter-status")
        assert [k for k, _ in screen.losses] == list(range(21))
        screen.query_one("#steps", Stepper).focus()
        await pilot.press("right")
        await settle(pilot)
        assert "after 30 steps" in text_of(screen, "#filter-status")
        screen.query_one("#steps", Stepper).set_value(1000)
        screen.run_filters()
        await pilot.press("escape")  # mid-run: stops it, and the screen stays
        await settle(pilot)
        assert app.screen is screen and not screen.running
        assert "stopped" in text_of(screen, "#filter-status")


@pytest.mark.parametrize(
    "size, side, chart",
    [((180, 50), 28, True), ((150, 42), 28, False), ((120, 40), 14, True), ((80, 24), 14, False)],
    ids=["180x50", "150x42", "120x40", "80x24"],
)
async def test_the_filters_show_every_weight_where_they_fit(size, side, chart):
    """Issue 10: the filters were averaged to 14x14 at any size; where all ten fit at 28x28 (half-block
    cells, two pixels each) they show every weight, and the loss chart stays where it still has room."""
    import numpy as np

    from tui.widgets.filter_grid import FilterGrid
    from tui.widgets.heatmap import HeatMap

    app = make_app(section="casestudy")
    app.runner.executor = IdleExecutor()
    async with app.run_test(size=size) as pilot:
        await open_tab(pilot, "filters")
        screen = app.screen
        weights = np.arange(10 * 784, dtype=float).reshape(10, 784) % 7 - 3
        screen.query_one(FilterGrid).set_filters(weights)
        await settle(pilot)
        for k in range(10):
            heat = screen.query_one(f"#filter-{k}", HeatMap)
            assert heat.z.shape == (side, side)
            assert (heat.size.width, heat.size.height) == (side, side // 2)
            assert screen.region.contains_region(heat.region), k  # whole on screen
        if side == 28:
            assert np.array_equal(screen.query_one("#filter-0", HeatMap).z, weights[0].reshape(28, 28))
            assert "one weight per pixel" in text_of(screen, "#filter-note")
        assert screen.query_one("#filter-chart").display == chart
        assert screen.query_one("#filter-spark-row").display == (not chart)


async def test_z_zooms_one_class_to_every_weight_and_c_colours_each_filter_on_its_own_range():
    """Issue 20: the class filters read worse than the notebook's at 100x30 (14x14 averages on one red/blue
    scale); z shows one class with all 784 weights (< and > the others), c the course's gray, each on its own range."""
    import numpy as np

    from tui.widgets.filter_grid import FilterGrid
    from tui.widgets.heatmap import HeatMap

    app = make_app(section="casestudy")
    app.runner.executor = IdleExecutor()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_tab(pilot, "filters")
        screen = app.screen
        weights = np.arange(10 * 784, dtype=float).reshape(10, 784) % 7 - 3 + np.arange(10)[:, None]
        grid = screen.query_one(FilterGrid)
        grid.set_filters(weights)
        await pilot.press("z")
        zoom = screen.query_one("#filter-zoom", HeatMap)
        assert grid.zoomed == 0 and np.array_equal(zoom.z, weights[0].reshape(28, 28))
        await settle(pilot)
        assert zoom.size == (28, 14) and screen.region.contains_region(zoom.region)  # whole, square pixels
        assert not screen.query_one("#filter-3", HeatMap).display or not grid.query_one(Horizontal).display
        assert "< and > show the other classes" in text_of(screen, "#filter-note")
        await pilot.press("less_than_sign")  # from class 0 round to 9
        assert grid.zoomed == 9 and "<  Class 9  >" in text_of(screen, "#filter-zoom-title")
        assert np.array_equal(zoom.z, weights[9].reshape(28, 28))
        await pilot.press("c")
        lo, hi = np.percentile(weights[9], [2, 98])
        assert zoom.cmap == "gray" and (zoom.vmin, zoom.vmax) == (lo, hi)  # its own range, as the course's imshow
        assert "Light pixels raise" in text_of(screen, "#filter-note")
        await pilot.press("z", "greater_than_sign")  # all ten again; > does nothing there
        assert grid.zoomed is None and screen.query_one("#filter-3", HeatMap).cmap == "gray"
        await pilot.press("c", "z")
        assert grid.zoomed == 9 and zoom.cmap == "rdbu"  # z goes back to the class last zoomed


@pytest.fixture(scope="module")
def course_filters(subset):
    """The events of the course's own run (200 steps, seed 2021), computed once and replayed into snapshots."""
    from engine.sections.casestudy import filter_events

    X, y = subset
    return [e for e in filter_events(X, y) if not isinstance(e, Status)]


def tab(pane: str, *keys: str, hidden: str | None = None, replay: list | None = None):
    async def run_before(pilot) -> None:
        await open_tab(pilot, pane)
        if replay is not None:  # the screen ran 20 steps; show the course's 200 instead
            screen = pilot.app.screen
            screen.query_one("#steps", Stepper).set_value(200)
            screen.losses = []
            screen.handle_events("filters", replay)
        if hidden is not None:
            await type_hidden(pilot, hidden)
            pilot.app.screen.set_focus(None)
        await pilot.press(*keys)
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_data_snapshot(snap_compare, size):
    """Example 1 (a 7) as a 28x14-cell grey digit, its label, "example 1 of 500" and the mean/std used."""
    assert snap_compare(make_app(section="casestudy"), terminal_size=size, run_before=tab("data"))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_values_snapshot(snap_compare, size):
    """Example 2's central crop of normalised values with one decimal, and which rows/cols are shown."""
    assert snap_compare(make_app(section="casestudy"), terminal_size=size, run_before=tab("data", "right", "v"))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_model_snapshot(snap_compare, size):
    """The 200-100-50 MLP: the layer table (182,660 in total), its loss at init next to ln 10, print(model)."""
    app = make_app(section="casestudy")
    assert snap_compare(app, terminal_size=size, run_before=tab("model", hidden="200, 100, 50"))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_model_error_snapshot(snap_compare, size):
    """A 10,000-wide layer is refused in red under the box; the linear model's table stays."""
    app = make_app(section="casestudy")
    assert snap_compare(app, terminal_size=size, run_before=tab("model", hidden="10000"))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_filters_snapshot(snap_compare, size, course_filters):
    """The course's 10 class filters (200 Adam steps) in a 2x5 grid, red +, blue −; the loss falling; the status."""
    run_before = tab("filters", replay=course_filters)
    assert snap_compare(make_app(section="casestudy"), terminal_size=size, run_before=run_before)
