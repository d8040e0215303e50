"""Section 7, Adaptive methods: SGD, momentum and RMSprop trained side by side on the full MNIST set."""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static, TabPane

from engine.contracts.adaptive import (
    ALPHA,
    BATCH,
    BETA,
    EPSILON,
    EXERCISES,
    LR,
    OPTIMIZERS,
    STEPS,
    CompareJob,
    Losses,
)
from engine.contracts.base import SettingError
from engine.events import Diverged, Done, Failed, Progress, Status

from ..widgets.chart import decade_label
from ..widgets.impl_toggle import ImplementationToggle
from ..widgets.optimizer_curves import OptimizerCurves
from ..widgets.stepper import Stepper
from .section import SectionScreen

# The course's black, red and fuchsia, with a light blue for black on a dark terminal.
COLORS = {"SGD": (100, 180, 255), "Momentum": (255, 85, 70), "RMSprop": (235, 90, 235)}
RULE = (
    "RMSprop  v ← α·v + (1−α)·g²\n         w ← w − η·g / √(v + ε)\n"
    f"momentum β {BETA:g} · α {ALPHA:g} · ε {decade_label(math.log10(EPSILON))}"
)

HINT = "v panels/overlay · s smoothing · r run again (new random model) · Esc stop"


class AdaptiveScreen(SectionScreen):
    """Lesson, the Compare optimizers demo, and Think 7.1 / 7.2."""

    BINDINGS = [
        Binding("v", "toggle_view", "panels/overlay"),
        Binding("s", "toggle_smoothing", "smoothing"),
        Binding("r", "run", "run again"),
    ]
    CSS_PATH = "adaptive.tcss"
    FOCUS = {"compare": "#batch"}
    DEMO_ACTIONS = ("toggle_view", "toggle_smoothing", "run")
    seed: int | None = None  # None: a fresh model and fresh minibatches each run, as the course
    _iteration = 0
    job: CompareJob | None = None  # the run on screen (or in flight)

    def compose_demos(self) -> ComposeResult:
        with TabPane("Compare optimizers", id="compare"), Vertical():
            with Horizontal(id="compare-top"):
                with Vertical(id="controls"):
                    yield Stepper("batch", **BATCH.stepper_args(), big_step=5, label_width=7, id="batch")
                    yield Stepper("lr", **LR.stepper_args(), label_width=7, id="lr")
                    yield Stepper("steps", **STEPS.stepper_args(), big_step=5, label_width=7, id="steps")
                yield Static(RULE, id="rule", markup=False)
            yield Static(HINT, id="hint", markup=False)
            yield ImplementationToggle(EXERCISES, self.course)
            with Horizontal(id="status-row"):
                yield Static("", id="status", markup=False)
                yield ProgressBar(total=int(STEPS.default), show_eta=False, id="progress")
            yield Static("", id="summary")
            yield OptimizerCurves(OPTIMIZERS, COLORS, int(STEPS.default), id="curves")

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # The demo's keys act (and show in the Footer) only on the demo tab.
        if action in self.DEMO_ACTIONS:
            return self.query_one("#tabs").active == "compare"
        return super().check_action(action, parameters)

    # -- runs -----------------------------------------------------------------------------------
    def on_pane_first_shown(self, pane_id: str) -> None:
        if pane_id == "compare":
            self.action_run()

    def requested_job(self) -> CompareJob:
        """The run the controls ask for, with the learner's functions where they chose theirs."""
        return CompareJob(
            batch_size=self.query_one("#batch", Stepper).value,
            lr=self.query_one("#lr", Stepper).value,
            max_steps=self.query_one("#steps", Stepper).value,
            seed=self.seed,
            learner=self.course.learner_functions(EXERCISES),
        )

    def action_run(self) -> None:
        try:
            job = self.requested_job()
        except SettingError as exc:  # the steppers keep values in range; this is the last guard
            self._set_status(f"cannot run: {exc}", error=True)
            return
        self.job = job
        self.query_one(OptimizerCurves).reset(job.max_steps)
        self.query_one("#progress", ProgressBar).update(progress=0, total=job.max_steps)
        self._iteration = 0
        self._set_status("starting…")
        self._show_summary()
        self.start_run(job, group="compare")

    def on_stepper_changed(self, event: Stepper.Changed) -> None:
        self.action_run()

    def on_implementation_toggle_changed(self, event: ImplementationToggle.Changed) -> None:
        self.action_run()

    # -- drawing --------------------------------------------------------------------------------
    def handle_events(self, group: str, events: list) -> None:
        curves = self.query_one(OptimizerCurves)
        for e in events:
            match e:
                case Losses():
                    curves.add(e.optimizer, e.start, e.values)
                case Status():
                    self._set_status(e.text)
                case Progress():
                    self._iteration = e.done
                    self.query_one("#progress", ProgressBar).update(progress=e.done, total=e.total)
                    self._set_status(f"iteration {e.done} of {e.total}")
                case Diverged():
                    curves.diverge(e.label, e.iteration)
                case Failed():
                    self._set_status(f"failed: {e.message}", error=True)
                case Done():
                    self._set_status(self._done_text(e))
                    curves.redraw()
        self._show_summary()

    def _done_text(self, done: Done) -> str:
        job = self.job or CompareJob()
        if done.reason == "diverged":
            return f"all three diverged (learning rate {job.lr:.3g}); try a smaller one"
        return f"done: {job.max_steps} iterations each"

    def on_cancelled(self, group: str) -> None:
        self._set_status(f"stopped at iteration {self._iteration} · r runs again")

    def _set_status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.update(Text(text))
        status.set_class(error, "-error")

    def _show_summary(self) -> None:
        self.query_one("#summary", Static).update(self.query_one(OptimizerCurves).summary())

    # -- toggles --------------------------------------------------------------------------------
    def action_toggle_view(self) -> None:
        curves = self.query_one(OptimizerCurves)
        curves.view = "overlay" if curves.view == "panels" else "panels"

    def action_toggle_smoothing(self) -> None:
        curves = self.query_one(OptimizerCurves)
        curves.smoothed = not curves.smoothed
        self._show_summary()
