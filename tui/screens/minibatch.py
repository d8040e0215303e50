"""Section 6: the measured cost of forward/backward passes, Exercise 6's text, and minibatches under a time budget."""

from __future__ import annotations

from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Select, Static, TabbedContent, TabPane

from engine.hidden import count_params
from engine.parsing import parse_float, parse_int

from ..widgets.budget_panels import MAX_PANELS, TARGET_LOSS, TARGET_SECONDS, BudgetPanels
from ..widgets.chart import Chart
from ..widgets.impl_toggle import ImplementationToggle
from ..widgets.text_field import TextField
from .section import SectionScreen

COST_CHOICES = ("1", "100", "50, 50")  # the course's dropdown; "100" is its default
BUDGETS = ("2.5", "5", "10")


def parse_sizes(text: str) -> list[int]:
    """engine.sections.minibatch.parse_batch_sizes, without importing torch on the UI thread."""
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    if not text.strip():
        raise ValueError("type at least one batch size")
    sizes = []
    for p in parts:
        if not p:
            raise ValueError("empty batch size between commas")
        size = parse_int(p, example="250")  # strict: '²' or '٣' get a reason, not "invalid literal"
        if size <= 0 or size > 60000:
            raise ValueError(f"each batch size must be positive and at most 60,000, got {p}")
        sizes.append(size)
    if len(sizes) > MAX_PANELS:
        raise ValueError(f"at most {MAX_PANELS} batch sizes, got {len(sizes)}")
    return sizes


def parse_rates(text: str) -> list[float]:
    """Positive numbers separated by commas."""
    if not text.strip():
        raise ValueError("type one learning rate per batch size")
    rates = []
    for p in (p.strip() for p in text.replace(";", ",").split(",")):
        if not p:
            raise ValueError("empty learning rate between commas")
        v = parse_float(p, example="5e-3")
        if v <= 0:
            raise ValueError(f"each learning rate must be positive, got {p}")
        rates.append(v)
    return rates


class MinibatchScreen(SectionScreen):
    """Demo tabs: Cost (Interactive Demo 6.1) and Minibatches (Interactive Demo 6.2); the base class adds Exercise 6."""

    FOCUS = {"cost": "#cost-hidden", "minibatch": "#mb-sizes Input"}

    BINDINGS = [Binding("r", "rerun", "run again")]
    DEFAULT_CSS = """
    MinibatchScreen #cost-body { height: 1fr; }
    MinibatchScreen #cost-controls { width: 34; height: 1fr; padding: 0 1; }
    MinibatchScreen #cost-hidden { width: 1fr; }
    MinibatchScreen #cost-params, MinibatchScreen #cost-device { height: auto; color: $text-muted; }
    MinibatchScreen #cost-table { height: 1fr; }
    MinibatchScreen #cost-chart { width: 1fr; height: 1fr; }
    MinibatchScreen .status { height: auto; color: $text-muted; }
    MinibatchScreen #exercise-text { padding: 0 1; }
    MinibatchScreen #mb-top { height: auto; padding: 0 1; }
    MinibatchScreen #mb-fields { height: auto; }
    MinibatchScreen #mb-fields TextField { width: 1fr; margin-right: 1; }
    MinibatchScreen #mb-budget { width: 16; }
    MinibatchScreen #mb-status-row { height: 1; }
    MinibatchScreen #mb-status { width: 1fr; }
    MinibatchScreen #mb-progress { width: 30; }
    MinibatchScreen ProgressBar Bar { width: 1fr; }
    """
    autorun = True  # tests inject canned events instead of timing this machine
    cost_sizes: tuple[int, ...] | None = None  # None: the course's 12 sizes; tests use fewer

    def __init__(self, section, course) -> None:
        super().__init__(section, course)
        self.points: list = []  # CostPoint events of the current measurement
        self.cost_label = ""

    def compose_demos(self) -> ComposeResult:
        with TabPane("Cost", id="cost"), Horizontal(id="cost-body"):
            with Vertical(id="cost-controls"):
                yield Select(
                    [(f"{c}  ({count_params(784, 10, self._hidden(c)):,} parameters)", c) for c in COST_CHOICES],
                    value="100",
                    allow_blank=False,
                    compact=True,
                    type_to_search=False,
                    id="cost-hidden",
                )
                yield Static("", id="cost-params")
                yield Static("", id="cost-table")
                yield Static("", id="cost-device")
                yield ProgressBar(total=1, show_eta=False, id="cost-progress")
                yield Static("", id="cost-status", classes="status")
            yield Chart(self._draw_cost, id="cost-chart")
        with TabPane("Minibatches", id="minibatch"):
            with Vertical(id="mb-top"):
                with Horizontal(id="mb-fields"):
                    yield TextField("batch sizes", "20, 250, 1000", parse_sizes, id="mb-sizes")
                    yield TextField("lrs", "5e-3, 5e-3, 5e-3", parse_rates, id="mb-lrs")
                    yield Select(
                        [(f"{b} s", b) for b in BUDGETS],
                        value="2.5",
                        allow_blank=False,
                        compact=True,
                        type_to_search=False,
                        id="mb-budget",
                    )
                yield ImplementationToggle(["sample_minibatch"], self.course, label="minibatch sampling")
                with Horizontal(id="mb-status-row"):
                    yield Static("", id="mb-status", classes="status")
                    yield ProgressBar(total=1, show_eta=False, id="mb-progress")
                yield Static(
                    f"target: the mean of the last 10% of losses recorded by {TARGET_SECONDS:g} s is "
                    f"below {TARGET_LOSS:g}",
                    classes="status",
                )
            yield BudgetPanels(id="mb-panels")

    def on_pane_first_shown(self, pane_id: str) -> None:
        if pane_id == "cost" and self.autorun:
            self.run_cost()
        elif pane_id == "minibatch":
            self.query_one(BudgetPanels).prepare(*self._settings()[:2], float(self._budget()))
            if self.autorun:
                self.run_minibatch()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "rerun":
            return self.is_mounted and self.query_one("#tabs", TabbedContent).active in ("cost", "minibatch")
        return super().check_action(action, parameters)

    def action_rerun(self) -> None:
        tab = self.query_one("#tabs", TabbedContent).active
        self.run_cost() if tab == "cost" else self.run_minibatch()

    # -- 6.1 cost of computation ------------------------------------------------------------
    def run_cost(self) -> None:
        hidden = self._hidden(str(self.query_one("#cost-hidden", Select).value))

        sizes = self.cost_sizes

        def make_events(ctx):
            from engine.sections.costs import NUM_POINTS, cost_events

            return cost_events(
                ctx.mnist.train_x, ctx.mnist.train_y, hidden, sizes or NUM_POINTS, device_label=ctx.device_label
            )

        self.points = []
        self.query_one("#cost-params", Static).update(f"MLP {hidden}: {count_params(784, 10, hidden):,} parameters")
        self.query_one("#cost-status", Static).update("measuring…")
        self._draw_cost_view()
        self.cancel_runs("minibatch")  # two runs at once would distort each other's timings
        self.start_run(make_events, group="cost")

    @on(Select.Changed, "#cost-hidden")
    def _cost_changed(self) -> None:
        if "cost" in self._panes_shown:
            self.run_cost()

    @staticmethod
    def _hidden(choice: str) -> list[int]:
        return [int(p) for p in choice.split(",")]

    def _draw_cost(self, plt) -> None:
        plt.title("Forward and backward time (mean of 5)")
        plt.xlabel("Number of data points")
        plt.ylabel("ms")
        if self.points:
            xs = [p.size for p in self.points]
            plt.plot(
                xs, [1e3 * p.forward for p in self.points], label="Forward", marker="braille", color=(31, 119, 180)
            )
            plt.plot(
                xs, [1e3 * p.backward for p in self.points], label="Backward", marker="braille", color=(255, 127, 14)
            )

    def _draw_cost_view(self) -> None:
        table = Table(box=None, padding=(0, 1), header_style="bold")
        for name in ("examples", "fwd ms", "bwd ms"):
            table.add_column(name, justify="right")
        for p in self.points:
            table.add_row(f"{p.size:,}", f"{1e3 * p.forward:.2f}", f"{1e3 * p.backward:.2f}")
        self.query_one("#cost-table", Static).update(table)
        self.query_one("#cost-device", Static).update(f"device {self.cost_label}" if self.cost_label else "")
        self.query_one("#cost-chart", Chart).refresh()

    def _cost_events(self, events: list) -> None:
        for e in events:
            name = type(e).__name__
            if name == "CostStart":
                self.points, self.cost_label = [], e.device
            elif name == "CostPoint":
                self.points.append(e)
                self.query_one("#cost-status", Static).update(f"measured {e.size:,} examples ({e.repeats} runs)")
            elif name == "Progress":
                self.query_one("#cost-progress", ProgressBar).update(total=e.total, progress=e.done)
            elif name in ("Status", "Failed"):
                self.query_one("#cost-status", Static).update(getattr(e, "text", None) or f"failed: {e.message}")
            elif name == "Done":
                self.query_one("#cost-status", Static).update(f"{len(self.points)} sizes measured")
        self._draw_cost_view()

    # -- 6.2 minibatches under a budget -----------------------------------------------------
    def _budget(self) -> str:
        return str(self.query_one("#mb-budget", Select).value)

    def _settings(self) -> tuple[list[int], list[float], str]:
        """(batch sizes, lrs, "") when both fields are usable and agree, else ([], [], why not)."""
        sizes, error = self.query_one("#mb-sizes", TextField).check()
        if error:
            return [], [], f"batch sizes: {error}"
        rates, error = self.query_one("#mb-lrs", TextField).check()
        if error:
            return [], [], f"lrs: {error}"
        if len(rates) != len(sizes):
            return (
                [],
                [],
                (
                    f"lrs: {len(rates)} learning rate{'s' * (len(rates) != 1)} for {len(sizes)} batch "
                    f"size{'s' * (len(sizes) != 1)}; give one per batch size"
                ),
            )
        return sizes, rates, ""

    def run_minibatch(self) -> None:
        sizes, rates, error = self._settings()
        status = self.query_one("#mb-status", Static)
        if error:
            field = self.query_one("#mb-sizes" if error.startswith("batch") else "#mb-lrs", TextField)
            field.show(error.split(": ", 1)[1], error=True)
            status.update(f"not run: {error}")
            return
        budget = float(self._budget())
        self.query_one(BudgetPanels).prepare(sizes, rates, budget)
        self.query_one("#mb-progress", ProgressBar).update(total=len(sizes) * budget, progress=0)
        status.update(f"0.0 of {len(sizes) * budget:g} s")
        self._mb_total = len(sizes) * budget

        learner = self.course.learner_functions(["sample_minibatch"])

        def make_events(ctx):
            from engine.exercises.learner import load_learner_functions
            from engine.sections.minibatch import minibatch_events

            mine = load_learner_functions(learner).get("sample_minibatch")
            return minibatch_events(ctx.mnist.train_x, ctx.mnist.train_y, sizes, rates, budget, sample_minibatch=mine)

        self.cancel_runs("cost")
        self.start_run(make_events, group="minibatch")

    @on(TextField.Accepted, "#mb-sizes, #mb-lrs")
    @on(ImplementationToggle.Changed)
    def _fields_accepted(self) -> None:
        self.run_minibatch()

    @on(Select.Changed, "#mb-budget")
    def _budget_changed(self) -> None:
        if "minibatch" in self._panes_shown:
            self.run_minibatch()

    def _minibatch_events(self, events: list) -> None:
        panels = self.query_one(BudgetPanels)
        touched = set()
        status = self.query_one("#mb-status", Static)
        total = getattr(self, "_mb_total", 0.0)
        for e in events:
            name = type(e).__name__
            if name == "BatchStart":
                self._mb_index, self._mb_budget, total = e.index, e.budget, e.count * e.budget
                self._mb_total = total
                panels.panel(e.index).state = "running"
            elif name == "LossPoints":
                panels.panel(e.index).add(e.times, e.losses)
                touched.add(e.index)
            elif name == "Progress":
                done = self._mb_index * self._mb_budget + e.done / 1000
                self.query_one("#mb-progress", ProgressBar).update(total=total, progress=done)
                status.update(f"batch size {panels.panel(self._mb_index).batch_size}: {done:.1f} of {total:g} s")
            elif name == "Diverged":
                panels.panel(self._mb_index).state = "diverged"
                status.update(f"{e.label} diverged at iteration {e.iteration}")
            elif name == "BatchEnd":
                p = panels.panel(e.index)
                p.state = "diverged" if p.state == "diverged" else "done"
                touched.add(e.index)
            elif name == "Failed":
                status.update(f"failed: {e.message}")
            elif name == "Done":
                self.query_one("#mb-progress", ProgressBar).update(total=total, progress=total)
                status.update(f"done: {total:g} s of training in all (r runs again)")
        for i in touched:
            panels.panel(i).update_view()

    # -- shared ------------------------------------------------------------------------------
    def handle_events(self, group: str, events: list) -> None:
        (self._cost_events if group == "cost" else self._minibatch_events)(events)

    def on_cancelled(self, group: str) -> None:
        target = "#cost-status" if group == "cost" else "#mb-status"
        self.query_one(target, Static).update("stopped (r runs again)")
