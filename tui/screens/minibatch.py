"""Section 6: the measured cost of forward/backward passes, Exercise 6's text, and minibatches under a time budget."""

from __future__ import annotations

from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Select, Static, TabbedContent, TabPane

from engine.contracts.base import RUN_SEED
from engine.contracts.minibatch import (
    BUDGETS,
    COST_CHOICES,
    DEFAULT_BATCH_SIZES,
    DEFAULT_COST_CHOICE,
    DEFAULT_LRS,
    EXERCISES,
    NUM_POINTS,
    TARGET_LOSS,
    TARGET_SECONDS,
    BatchEnd,
    BatchStart,
    CostJob,
    CostPoint,
    CostStart,
    ListError,
    LossPoints,
    MinibatchJob,
    cost_hidden,
    match_lrs,
    parse_batch_sizes,
    parse_lrs,
)
from engine.events import Diverged, Done, Failed, Progress, Status
from engine.hidden import count_params
from engine.parsing import parse_int

from ..charts.chart import Chart
from ..weigh import Gate
from ..widgets.budget_panels import BudgetPanels
from ..widgets.impl_toggle import ImplementationToggle, runs_text
from ..widgets.text_field import TextField
from .section import SectionScreen, new_seed


def parse_seed(text: str) -> int:
    """A run seed as typed: a whole number in RUN_SEED's range."""
    low, high = int(RUN_SEED.minimum), int(RUN_SEED.maximum)
    return parse_int(text, minimum=low, maximum=high, example=str(RUN_SEED.default), show=str)


class SeedField(TextField):
    """The seed's box is narrow: what is wrong with its text shows on a line of its own under the row of
    fields (`line`), where it has room, instead of wrapping word by word under the box."""

    def __init__(self, line: Static, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.line = line

    @property
    def message_view(self) -> Static:
        return self.line

    def show(self, message: str, error: bool = False) -> None:
        super().show("", error)
        self.line.update(f"seed: {message}" if message else "")
        self.line.set_class(error, "-error")
        self.line.display = bool(message)


def budget_text(seconds: float) -> str:
    """A budget as the dropdown shows it and its value: 2.5, 5, 10."""
    return f"{seconds:g}"


class MinibatchScreen(SectionScreen):
    """Demo tabs: Cost (Interactive Demo 6.1) and Minibatches (Interactive Demo 6.2); the base class adds Exercise 6."""

    FOCUS = {"cost": "#cost-hidden", "minibatch": "#mb-sizes Input"}

    BINDINGS = [Binding("r", "rerun", "run again"), Binding("d", "new_seed", "new seed")]
    CSS_PATH = "minibatch.tcss"
    autorun = True  # tests inject canned events instead of timing this machine
    cost_sizes: tuple[int, ...] | None = None  # None: the course's 12 sizes; tests use fewer

    def __init__(self, section, course) -> None:
        super().__init__(section, course)
        self.points: list[CostPoint] = []  # of the current measurement
        self.cost_label = ""
        self._mb_index, self._mb_budget, self._mb_total = 0, 0.0, 0.0  # the run in flight: batch, seconds each, all
        self._mb_runs = f"the reference, seed {int(RUN_SEED.default)}"  # what the run on screen used, in words
        self.gate = Gate("Enter or r again runs it anyway")  # heavy batch sizes: refused, or run when asked again
        self.cost_gate = Gate("r again runs it anyway")

    def compose_demos(self) -> ComposeResult:
        with TabPane("Cost", id="cost"), Horizontal(id="cost-body"):
            with Vertical(id="cost-controls"):
                yield Select(
                    [(f"{c}  ({count_params(784, 10, list(cost_hidden(c))):,} parameters)", c) for c in COST_CHOICES],
                    value=DEFAULT_COST_CHOICE,
                    allow_blank=False,
                    compact=True,
                    type_to_search=False,
                    id="cost-hidden",
                )
                yield Static("", id="cost-params")
                yield Static("", id="cost-table")
                yield Static("", id="cost-device")
                yield ProgressBar(total=1, show_eta=False, id="cost-progress")
                yield Static("", id="cost-status", classes="status", markup=False)
            yield Chart(self._draw_cost, id="cost-chart")
        with TabPane("Minibatches", id="minibatch"):
            with Vertical(id="mb-top"):
                with Horizontal(id="mb-fields"):
                    yield TextField("batch sizes", DEFAULT_BATCH_SIZES, parse_batch_sizes, id="mb-sizes")
                    yield TextField("lrs", DEFAULT_LRS, parse_lrs, id="mb-lrs")
                    seed_line = Static("", id="mb-seed-message", markup=False)
                    seed_line.display = False
                    yield SeedField(seed_line, "seed", str(int(RUN_SEED.default)), parse_seed, id="mb-seed")
                    yield Select(
                        [(f"{budget_text(b)} s", budget_text(b)) for b in BUDGETS],
                        value=budget_text(BUDGETS[0]),
                        allow_blank=False,
                        compact=True,
                        type_to_search=False,
                        id="mb-budget",
                    )
                yield seed_line
                yield ImplementationToggle(list(EXERCISES), self.course, self.section.key, label="minibatch sampling")
                with Horizontal(id="mb-status-row"):
                    yield Static("", id="mb-status", classes="status", markup=False)
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
        if action == "new_seed":
            return self.is_mounted and self.query_one("#tabs", TabbedContent).active == "minibatch"
        return super().check_action(action, parameters)

    def action_new_seed(self) -> None:
        """Another model and other minibatches: a seed drawn at random, run at once."""
        field = self.query_one("#mb-seed", TextField)
        seed, _ = field.check()
        field.input.value = str(new_seed(seed if seed is not None else -1, RUN_SEED))
        self.run_minibatch()

    def action_rerun(self) -> None:
        tab = self.query_one("#tabs", TabbedContent).active
        self.run_cost() if tab == "cost" else self.run_minibatch()

    # -- 6.1 cost of computation ------------------------------------------------------------
    def run_cost(self) -> None:
        hidden = cost_hidden(str(self.query_one("#cost-hidden", Select).value))
        try:
            job = CostJob(hidden, self.cost_sizes or NUM_POINTS)
        except ValueError as exc:  # the contract's refusal, said where the learner looks
            self.query_one("#cost-status", Static).update(f"cannot run: {exc}")
            return
        verdict = self.cost_gate.check(self.app.runner, job)
        if not verdict.start:
            self.query_one("#cost-status", Static).update(verdict.text)
            return
        self.points = []
        self.query_one("#cost-params", Static).update(
            f"MLP {list(hidden)}: {count_params(784, 10, list(hidden)):,} parameters"
        )
        self.query_one("#cost-status", Static).update("measuring…")
        self._draw_cost_view()
        self.cancel_runs("minibatch")  # two runs at once would distort each other's timings
        self.start_run(job, group="cost")

    @on(Select.Changed, "#cost-hidden")
    def _cost_changed(self) -> None:
        if "cost" in self._panes_shown:
            self.run_cost()

    def _draw_cost(self, plt) -> None:
        plt.title("Forward and backward time (mean of 5)")
        plt.xlabel("Number of data points")
        plt.ylabel("ms")
        plt.xlim(0, None)  # both axes from 0: the times grow in proportion to the examples
        plt.ylim(0, None)
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
        self.query_one("#cost-chart", Chart).redraw()

    def _cost_events(self, events: list) -> None:
        status = self.query_one("#cost-status", Static)
        for e in events:
            match e:
                case CostStart():
                    self.points, self.cost_label = [], e.device
                case CostPoint():
                    self.points.append(e)
                    status.update(f"measured {e.size:,} examples ({e.repeats} runs)")
                case Progress():
                    self.query_one("#cost-progress", ProgressBar).update(total=e.total, progress=e.done)
                case Status():
                    status.update(e.text)
                case Failed():
                    status.update(f"failed: {e.message}")
                case Done():
                    status.update(f"{len(self.points)} sizes measured")
        self._draw_cost_view()

    # -- 6.2 minibatches under a budget -----------------------------------------------------
    def _budget(self) -> str:
        return str(self.query_one("#mb-budget", Select).value)

    def _settings(self) -> tuple[list[int], list[float], str]:
        """(batch sizes, lrs, "") when both fields (and the seed) are usable and agree, else ([], [], why not)."""
        sizes, error = self.query_one("#mb-sizes", TextField).check()
        if error:
            return [], [], f"batch sizes: {error}"
        rates, error = self.query_one("#mb-lrs", TextField).check()
        if error:
            return [], [], f"lrs: {error}"
        try:
            match_lrs(rates, len(sizes))
        except ListError as exc:
            return [], [], f"lrs: {exc}"
        _, error = self.query_one("#mb-seed", TextField).check()
        if error:
            return [], [], f"seed: {error}"
        return sizes, rates, ""

    def run_minibatch(self) -> None:
        sizes, rates, error = self._settings()
        status = self.query_one("#mb-status", Static)
        if error:
            which = {"batch sizes": "#mb-sizes", "lrs": "#mb-lrs", "seed": "#mb-seed"}[error.split(": ", 1)[0]]
            self.query_one(which, TextField).show(error.split(": ", 1)[1], error=True)
            status.update(f"not run: {error}")
            return
        budget = float(self._budget())
        learner = self.course.learner_functions(self.section.key, list(EXERCISES))
        seed, _ = self.query_one("#mb-seed", TextField).check()
        try:
            job = MinibatchJob(tuple(sizes), tuple(rates), budget, seed=seed, learner=learner)
        except ValueError as exc:
            status.update(f"cannot run: {exc}")
            return
        verdict = self.gate.check(self.app.runner, job)
        field = self.query_one("#mb-sizes", TextField)
        field.show(verdict.text or field.hint, error=verdict.error)  # the cost shows under the sizes typed
        if not verdict.start:
            status.update("not run: too large (see under batch sizes)" if verdict.error else "not run yet: see above")
            return
        self.query_one(BudgetPanels).prepare(sizes, rates, budget)
        self._mb_index, self._mb_budget, self._mb_total = 0, budget, len(sizes) * budget
        self.query_one("#mb-progress", ProgressBar).update(total=self._mb_total, progress=0)
        self._mb_runs = f"{runs_text(learner)}, seed {seed}"
        status.update(f"0.0 of {self._mb_total:g} s · {self._mb_runs}")
        self.cancel_runs("cost")
        self.start_run(job, group="minibatch")

    @on(TextField.Accepted, "#mb-sizes, #mb-lrs, #mb-seed")
    @on(ImplementationToggle.Changed)
    def _fields_accepted(self) -> None:
        self.run_minibatch()

    @on(Select.Changed, "#mb-budget")
    def _budget_changed(self) -> None:
        if "minibatch" in self._panes_shown:
            self.run_minibatch()

    def _minibatch_events(self, events: list) -> None:
        panels = self.query_one(BudgetPanels)
        status = self.query_one("#mb-status", Static)
        touched = {i for e in events if (i := self._minibatch_event(e, panels, status)) is not None}
        for i in touched:
            panels.panel(i).update_view()
        if touched:
            panels.align()

    def _minibatch_event(self, e, panels: BudgetPanels, status: Static) -> int | None:
        """Show one event of the budget runs; the index of the panel whose curve it changed, if any."""
        match e:
            case BatchStart():
                self._mb_index, self._mb_budget, self._mb_total = e.index, e.budget, e.count * e.budget
                panels.panel(e.index).state = "running"
            case LossPoints():
                panels.panel(e.index).add(e.times, e.losses, e.reference)
                return e.index
            case Status():
                status.update(e.text)
            case Progress():
                done, total = self._mb_index * self._mb_budget + e.done / 1000, self._mb_total
                self.query_one("#mb-progress", ProgressBar).update(total=total, progress=done)
                status.update(f"batch size {panels.panel(self._mb_index).batch_size}: {done:.1f} of {total:g} s")
            case Diverged():
                panels.panel(self._mb_index).state = "diverged"
                status.update(f"{e.label} diverged at iteration {e.iteration}")
            case BatchEnd():
                p = panels.panel(e.index)
                p.state = "diverged" if p.state == "diverged" else "done"
                return e.index
            case Failed():
                status.update(f"failed: {e.message}")
            case Done():
                self.query_one("#mb-progress", ProgressBar).update(total=self._mb_total, progress=self._mb_total)
                status.update(f"done · {self._mb_runs} · d: new seed")
        return None

    # -- shared ------------------------------------------------------------------------------
    def handle_events(self, group: str, events: list) -> None:
        (self._cost_events if group == "cost" else self._minibatch_events)(events)

    def on_cancelled(self, group: str) -> None:
        target = "#cost-status" if group == "cost" else "#mb-status"
        self.query_one(target, Static).update("stopped (r runs again)")
