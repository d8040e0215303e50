"""Section 2: browse the digits, inspect the model and its loss at initialization, train and view the class filters."""

from __future__ import annotations

import math

import numpy as np
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Input, Sparkline, Static, TabbedContent, TabPane

from engine.contracts.base import SettingError
from engine.contracts.casestudy import (
    EXAMPLE,
    SEED,
    STEPS,
    DataInfo,
    DataJob,
    Example,
    FiltersJob,
    FilterWeights,
    InitLoss,
    ModelJob,
    ModelSummary,
    TrainStep,
)
from engine.events import Diverged, Done, Failed, Progress, Status

from ..charts.chart import Chart, log10_clamped
from ..typed_text import LIST_CHARS, BoundedInput
from ..widgets.field_input import FieldInput
from ..widgets.filter_grid import FULL, SIDE, FilterGrid, grid_size, side_that_fits, zoom_factor
from ..widgets.heatmap import HeatMap
from ..widgets.pixel_grid import PixelGrid
from ..widgets.stepper import Stepper
from .section import SectionScreen


def log_ticks(lo: float, hi: float) -> tuple[list[float], list[str]]:
    """Ticks at 1, 2 and 5 times each power of ten inside [lo, hi] (log10 units), labelled plainly."""
    ticks = [
        (math.log10(m * 10.0**k), f"{m * 10.0**k:g}")
        for k in range(math.floor(lo), math.ceil(hi) + 1)
        for m in (1, 2, 5)
    ]
    inside = [(t, s) for t, s in ticks if lo - 1e-9 <= t <= hi + 1e-9]
    return [t for t, _ in inside], [s for _, s in inside]


def layer_table(summary: ModelSummary) -> Table:
    """A ModelSummary as the layer table: shape, weights, biases and total per Linear layer."""
    table = Table(box=None, padding=(0, 1), header_style="bold", show_footer=True, footer_style="bold")
    table.add_column("layer", footer="total")
    table.add_column("shape (in → out)")
    table.add_column("weights", justify="right")
    table.add_column("biases", justify="right")
    table.add_column("total", justify="right", footer=f"{summary.total:,}")
    for row in summary.layers:
        table.add_row(
            row.name, f"{row.fan_in} → {row.fan_out}", f"{row.weights:,}", f"{row.biases:,}", f"{row.total:,}"
        )
    return table


CHART_MIN = 20  # columns the loss chart needs beside the filters; with fewer, a sparkline stands in for it
NOTE_ROWS = 4  # the note under the filters, with its margin


def filter_note(side: int, zoomed: bool = False, colouring: str = "shared") -> str:
    drawn = "one weight per pixel" if side == FULL else "averaged over 2x2 blocks"
    keys = "< and > show the other classes, z all ten" if zoomed else "z shows one class at full size"
    raise_, lower, other = ("Red", "blue", "gray") if colouring == "shared" else ("Light", "dark", "red/blue")
    return (
        f"Filter k is row k of W (784 weights) drawn as 28x28, {drawn}. "
        f"{raise_} pixels raise class k's score when inked, {lower} ones lower it. {keys}; c {other}."
    )


class CaseStudyScreen(SectionScreen):
    """Demo tabs Data (2.1), Model (2.2 and 2.3) and Filters (2.4)."""

    FOCUS = {"data": "#example", "model": "#hidden", "filters": "#seed"}

    BINDINGS = [
        Binding("v", "toggle_values", "pixels/values"),
        Binding("r", "rerun", "train again"),
        Binding("z", "zoom", "zoom one class"),
        Binding("c", "colouring", "red/blue or gray"),
        Binding("less_than_sign", "other_class(-1)", "previous class", key_display="<", show=False),
        # < and >, not , and .: a focused stepper takes . as the start of a typed value
        Binding("greater_than_sign", "other_class(1)", "next class", key_display=">", show=False),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (28, "-tall")]
    CSS_PATH = "casestudy.tcss"
    FILTER_STEPS = int(STEPS.default)  # the course's 200; tests lower it

    def __init__(self, section, course) -> None:
        super().__init__(section, course)
        self.info: DataInfo | None = None  # once the data tab has run
        self.current: Example | None = None  # the example on screen
        self.losses: list[tuple[int, float]] = []
        self.summary: ModelSummary | None = None  # the model on screen
        self._last_zoomed = 0  # the class z shows alone

    # -- layout -----------------------------------------------------------------------------
    def compose_demos(self) -> ComposeResult:
        with TabPane("Data", id="data"):
            with Horizontal(classes="controls"):
                yield Stepper("example", **EXAMPLE.stepper_args(), label_width=8, id="example")
            with Horizontal(id="data-body"):
                yield HeatMap(cmap="gray_r", fit="pixel", id="digit")
                yield Static("loading the 500 examples…", id="data-info")
                yield PixelGrid(id="values")
            yield Static("", id="data-status", classes="status", markup=False)
        with TabPane("Model", id="model"):
            with Horizontal(id="hidden-row"):
                yield Static("hidden sizes")
                yield FieldInput(
                    placeholder="e.g. 200, 100, 50   (empty: the course's linear model)",
                    id="hidden",
                    max_length=LIST_CHARS,
                )
            yield Static(
                "Type sizes, then Enter runs them (empty: the linear model); Esc puts back what ran, leaving the box.",
                id="hidden-message",
            )
            with VerticalScroll(id="model-scroll"):
                yield Static("", id="model-table")
                yield Static("", id="model-loss", markup=False)
                yield Static("", id="model-print")
        with TabPane("Filters", id="filters"):
            with Horizontal(classes="controls"):
                yield Stepper("seed", **SEED.stepper_args(), label_width=5, id="seed")
                steps = STEPS.stepper_args() | {"value": self.FILTER_STEPS}
                yield Stepper(" steps", **steps, label_width=7, id="steps")
            with Horizontal(id="filter-body"):
                with Vertical(id="filter-left"):
                    yield FilterGrid(id="filter-grid")
                    yield Static(filter_note(SIDE), id="filter-note")
                yield Chart(id="filter-chart")
            with Horizontal(id="filter-spark-row"):
                yield Static("loss ")
                yield Sparkline([], id="filter-spark")
            yield Static("", id="filter-status", classes="status", markup=False)

    def on_tab_shown(self, pane_id: str) -> None:
        if pane_id == "filters":
            self.call_after_refresh(self._fit_filters)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_filters)

    def _fit_filters(self) -> None:
        """The filters at 28x28 where all ten fit whole (with the note under them on tall screens), else 14x14."""
        if not self.built("filters"):
            return
        body = self.query_one("#filter-body")
        width, height = body.size
        if not width or not height:
            return  # not shown
        note = NOTE_ROWS if self.query_one("#filter-note").display else 0
        side = side_that_fits(width, height - note)
        grid = self.query_one("#filter-grid", FilterGrid)
        grid.set_side(side)
        if grid.zoomed is not None:  # as large as fits beside the loss chart
            factor = zoom_factor(width - CHART_MIN - 1, height - note)
            if factor != grid.factor:
                grid.zoom(grid.zoomed, factor)
        zoomed = grid.zoomed is not None
        note_text = filter_note(FULL if zoomed else side, zoomed, grid.colouring)
        self.query_one("#filter-note", Static).update(note_text)
        self.set_class(width - grid_size(side)[0] - 1 < CHART_MIN, "-no-room-for-chart")

    def on_pane_first_shown(self, pane_id: str) -> None:
        {"data": self.run_data, "model": self.run_model, "filters": self.run_filters}.get(pane_id, lambda: None)()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        tab = self.query_one("#tabs", TabbedContent).active if self.is_mounted else ""
        if action == "toggle_values":
            return tab == "data"
        if action in ("rerun", "zoom", "colouring"):
            return tab == "filters"
        if action == "other_class":
            return tab == "filters" and self.query_one("#filter-grid", FilterGrid).zoomed is not None
        return super().check_action(action, parameters)

    def action_zoom(self) -> None:
        """One class alone with every weight drawn (the last one zoomed, class 0 at first), or all ten again."""
        grid = self.query_one("#filter-grid", FilterGrid)
        self._last_zoomed = grid.zoomed if grid.zoomed is not None else self._last_zoomed
        grid.zoom(None if grid.zoomed is not None else self._last_zoomed)
        self._fit_filters()
        self.refresh_bindings()

    def action_other_class(self, step: int) -> None:
        grid = self.query_one("#filter-grid", FilterGrid)
        if grid.zoomed is not None:
            grid.zoom((grid.zoomed + step) % 10, grid.factor)

    def action_colouring(self) -> None:
        grid = self.query_one("#filter-grid", FilterGrid)
        grid.set_colouring("own" if grid.colouring == "shared" else "shared")
        self._fit_filters()  # the note says what the colours mean

    # -- runs -------------------------------------------------------------------------------
    def run_data(self) -> None:
        self.start_run(DataJob(int(self.query_one("#example", Stepper).value)), group="data")

    def run_model(self, job: ModelJob | None = None) -> None:
        """Describe and evaluate the job's model (the course's linear model by default)."""
        self.start_run(job or ModelJob(), group="model")

    def run_filters(self) -> None:
        value = lambda sid: int(self.query_one(sid, Stepper).value)
        self.losses = []
        self.start_run(FiltersJob(value("#seed"), value("#steps")), group="filters")

    @on(Stepper.Changed, "#example")
    def _example_changed(self) -> None:
        self.run_data()

    @on(Stepper.Changed, "#seed, #steps")
    def _filters_changed(self) -> None:
        self.run_filters()

    @on(Input.Submitted, "#hidden")
    def _hidden_submitted(self, event: Input.Submitted) -> None:
        try:
            job = ModelJob.parse(event.value)
        except SettingError as exc:
            self._refuse_hidden(str(exc))
            return
        self.run_model(job)

    @on(BoundedInput.Clipped, "#hidden")
    def _hidden_clipped(self, event: BoundedInput.Clipped) -> None:
        message = self.query_one("#hidden-message", Static)
        message.update(f"✗ {event.reason}")
        message.add_class("-error")

    def _refuse_hidden(self, reason: str) -> None:
        """Say under the box why the sizes describe no network; the last model that ran stays on screen."""
        message = self.query_one("#hidden-message", Static)
        message.update(f"✗ {reason} — nothing was run")
        message.add_class("-error")
        if self.busy("model"):  # the sizes typed before are superseded: their run must not draw over this
            self.cancel_runs("model")
            self.query_one("#model-loss", Static).update("the sizes typed before were not evaluated: stopped")

    def action_toggle_values(self) -> None:
        self.query_one("#data", TabPane).toggle_class("-values")

    def action_rerun(self) -> None:
        self.run_filters()

    # -- drawing ----------------------------------------------------------------------------
    def handle_events(self, group: str, events: list) -> None:
        {"data": self._draw_data, "model": self._draw_model, "filters": self._draw_filters}[group](events)

    def _status(self, group: str, text: str) -> None:
        self.query_one({"data": "#data-status", "filters": "#filter-status"}[group], Static).update(text)

    def _draw_data(self, events: list) -> None:
        for e in events:
            if isinstance(e, DataInfo):
                self.info = e
            elif isinstance(e, Example):
                self.current = e
            elif isinstance(e, Failed):
                self._status("data", f"failed: {e.message}")
        if self.current is None or self.info is None:
            return
        e, info = self.current, self.info
        self.query_one("#digit", HeatMap).set_data(np.asarray(e.pixels), vmin=info.background, vmax=info.full_ink)
        self.query_one("#values", PixelGrid).set_pixels(e.pixels, e.label, info.background)
        self.query_one("#data-info", Static).update(
            Text.assemble(
                (f"Label: {e.label}\n", "bold"),
                f"example {e.index + 1} of {info.size}\n\n",
                "Pixels are standardised with the mean and\nstd of the 60,000 raw training pixels (0-255):\n",
                (f"  x' = (x − {info.mean:.3f}) / {info.std:.3f}\n", "bold"),
                f"  blank paper 0 → {info.background:.2f}, full ink 255 → {info.full_ink:.2f}\n\n",
                ("v", "bold"),
                ': the values, as the course\'s "Run me!" cell\n',
                ("←/→", "bold"),
                ": browse (shift ×10, Enter types a number)",
            )
        )
        self._status("data", "the course's 500-example subset of MNIST's training set (seed 2021)")

    def _draw_model(self, events: list) -> None:
        message = self.query_one("#hidden-message", Static)
        for e in events:
            if isinstance(e, ModelSummary):
                kind = "the course's linear model" if not e.hidden else f"hidden layers {list(e.hidden)}"
                message.update(f"{kind}: {e.total:,} parameters")
                message.remove_class("-error")
                self.summary = e
                self.query_one("#model-table", Static).update(layer_table(e))
                self.query_one("#model-print", Static).update(Text.assemble(("print(model)\n", "bold"), e.text))
            elif isinstance(e, InitLoss):
                self.query_one("#model-loss", Static).update(
                    Text.assemble(
                        "Loss of this untrained model (seed 2021) on the 500 examples: ",
                        (f"{e.loss:.4f}", "bold"),
                        f"\nln 10 = {e.ln10:.4f}: the loss of a uniform guess, 1/10 per class",
                    )
                )
            elif isinstance(e, Status):
                self.query_one("#model-loss", Static).update(e.text)
            elif isinstance(e, Failed):
                self.query_one("#model-loss", Static).update(f"failed: {e.message}")

    def _draw_filters(self, events: list) -> None:
        text = None
        for e in events:
            if isinstance(e, TrainStep):
                self.losses.append((e.step, e.loss))
            elif isinstance(e, FilterWeights):
                self.query_one("#filter-grid", FilterGrid).set_filters(e.weights)
            elif isinstance(e, Status):
                text = e.text
            elif isinstance(e, Progress) and self.losses:
                text = f"training: step {e.done}/{e.total}, loss {self.losses[-1][1]:.4f}"
            elif isinstance(e, Diverged):
                text = f"diverged at iteration {e.iteration}"
            elif isinstance(e, Failed):
                text = f"failed: {e.message}"
            elif isinstance(e, Done) and e.reason == "completed" and self.losses:
                (_, first), (k, last) = self.losses[0], self.losses[-1]
                text = f"done: loss {first:.4f} → {last:.4f} after {k} steps (the course hoped for < 0.01)"
        if text is not None:
            self._status("filters", text)
        self.query_one("#filter-spark", Sparkline).data = [v for _, v in self.losses]
        self.query_one("#filter-chart", Chart).draw(self._loss_drawer(list(self.losses)))

    @staticmethod
    def _loss_drawer(losses: list[tuple[int, float]]):
        def draw(plt) -> None:
            plt.title("loss (log scale)")
            plt.xlabel("Adam step")
            if not losses:
                return
            xs = [k for k, _ in losses]
            ys = log10_clamped([v for _, v in losses])
            finite = [v for v in ys if math.isfinite(v)]
            if not finite:
                return
            lo, hi = min(finite), max(finite)
            pad = max(0.05, 0.05 * (hi - lo))
            plt.plot(xs, ys, marker="braille", color="cyan")
            plt.ylim(lo - pad, hi + pad)
            plt.yticks(*log_ticks(lo - pad, hi + pad))
            plt.xlim(0, max(xs[-1], 1))

        return draw

    def on_cancelled(self, group: str) -> None:
        if group in ("data", "filters"):
            self._status(group, "stopped (Escape). Change a setting or press r to run again.")
        elif group == "model":
            self.query_one("#model-loss", Static).update("stopped (Escape). Press Enter in the box to run again.")
