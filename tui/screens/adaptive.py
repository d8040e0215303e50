"""Section 7, Adaptive methods: SGD, momentum and RMSprop trained side by side on the full MNIST set."""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static, TabPane

from engine.events import Diverged, Done, Failed, Progress, Status

from ..widgets.impl_toggle import ImplementationToggle
from ..widgets.optimizer_curves import OptimizerCurves
from ..widgets.stepper import Stepper
from .section import SectionScreen

NAMES = ("SGD", "Momentum", "RMSprop")
# The course's black, red and fuchsia, with a light blue for black on a dark terminal.
COLORS = {"SGD": (100, 180, 255), "Momentum": (255, 85, 70), "RMSprop": (235, 90, 235)}
RULE = "RMSprop  v ← α·v + (1−α)·g²\n         w ← w − η·g / √(v + ε)\nmomentum β 0.9 · α 0.8 · ε 1e-8"

HINT = "v panels/overlay · s smoothing · r run again (new random model) · Esc stop"


EXERCISES = ["momentum_update", "rmsprop_update", "sample_minibatch"]  # gradient_update stays the reference (§14)


def compare_events(ctx, settings: dict, learner: dict | None = None) -> Iterator:
    """The demo's run on the full training set, with the learner's chosen functions (tests replace this)."""
    from engine.exercises.learner import load_learner_functions
    from engine.sections.adaptive import CompareConfig, compare_optimizers

    mine = load_learner_functions(learner or {})
    return compare_optimizers(ctx.mnist.train_x, ctx.mnist.train_y, CompareConfig(**settings), **mine)


class AdaptiveScreen(SectionScreen):
    """Lesson, the Compare optimizers demo, and Think 7.1 / 7.2."""

    BINDINGS = [
        Binding("v", "toggle_view", "panels/overlay"),
        Binding("s", "toggle_smoothing", "smoothing"),
        Binding("r", "run", "run again"),
    ]
    DEFAULT_CSS = """
    AdaptiveScreen #compare-top { height: auto; }
    AdaptiveScreen #controls { width: 1fr; height: auto; }
    AdaptiveScreen #rule { width: 34; height: 3; padding: 0 1; color: $text-muted; }
    AdaptiveScreen #hint { height: 1; color: $text-muted; text-wrap: nowrap; text-overflow: ellipsis; }
    AdaptiveScreen #status-row { height: 1; }
    AdaptiveScreen #status { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    AdaptiveScreen #status.-error { color: $text-error; }
    AdaptiveScreen #progress { width: 26; }
    AdaptiveScreen #progress Bar { width: 1fr; }
    AdaptiveScreen #summary { height: 1; }
    """
    DEMO_ACTIONS = ("toggle_view", "toggle_smoothing", "run")
    seed: int | None = None  # None: a fresh model and fresh minibatches each run, as the course
    _iteration = 0

    def compose_demos(self) -> ComposeResult:
        with TabPane("Compare optimizers", id="compare"), Vertical():
            with Horizontal(id="compare-top"):
                with Vertical(id="controls"):
                    yield Stepper("batch", 135, 25, 250, 5, integer=True, big_step=5, label_width=7, id="batch")
                    yield Stepper("lr", 0.002, 1e-5, 1.0, 0.1, scale="log", label_width=7, id="lr")
                    yield Stepper("steps", 275, 50, 500, 5, integer=True, big_step=5, label_width=7, id="steps")
                yield Static(RULE, id="rule", markup=False)
            yield Static(HINT, id="hint", markup=False)
            yield ImplementationToggle(EXERCISES, self.course)
            with Horizontal(id="status-row"):
                yield Static("", id="status", markup=False)
                yield ProgressBar(total=275, show_eta=False, id="progress")
            yield Static("", id="summary")
            yield OptimizerCurves(NAMES, COLORS, 275, id="curves")

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # The demo's keys act (and show in the Footer) only on the demo tab.
        if action in self.DEMO_ACTIONS:
            return self.query_one("#tabs").active == "compare"
        return super().check_action(action, parameters)

    # -- runs -----------------------------------------------------------------------------------
    def on_pane_first_shown(self, pane_id: str) -> None:
        if pane_id == "compare":
            self.query_one("#batch", Stepper).focus()
            self.action_run()

    def settings(self) -> dict:
        return {
            "batch_size": int(self.query_one("#batch", Stepper).value),
            "lr": float(self.query_one("#lr", Stepper).value),
            "max_steps": int(self.query_one("#steps", Stepper).value),
            "seed": self.seed,
        }

    def action_run(self) -> None:
        settings = self.settings()
        self.query_one(OptimizerCurves).reset(settings["max_steps"])
        self.query_one("#progress", ProgressBar).update(progress=0, total=settings["max_steps"])
        self._iteration = 0
        self._set_status("starting…")
        self._show_summary()
        learner = self.course.learner_functions(EXERCISES)
        self.start_run(lambda ctx: compare_events(ctx, settings, learner), group="compare")

    def on_stepper_changed(self, event: Stepper.Changed) -> None:
        self.action_run()

    def on_implementation_toggle_changed(self, event: ImplementationToggle.Changed) -> None:
        self.action_run()

    # -- drawing --------------------------------------------------------------------------------
    def handle_events(self, group: str, events: list) -> None:
        curves = self.query_one(OptimizerCurves)
        for e in events:
            if isinstance(e, Status):
                self._set_status(e.text)
            elif isinstance(e, Progress):
                self._iteration = e.done
                self.query_one("#progress", ProgressBar).update(progress=e.done, total=e.total)
                self._set_status(f"iteration {e.done} of {e.total}")
            elif isinstance(e, Diverged):
                curves.diverge(e.label, e.iteration)
            elif isinstance(e, Failed):
                self._set_status(f"failed: {e.message}", error=True)
            elif isinstance(e, Done):
                self._set_status(self._done_text(e))
                curves.redraw()
            elif hasattr(e, "optimizer"):  # engine.sections.adaptive.Losses (that module imports torch)
                curves.add(e.optimizer, e.start, e.values)
        self._show_summary()

    def _done_text(self, done: Done) -> str:
        steps = self.settings()["max_steps"]
        if done.reason == "diverged":
            return f"all three diverged (learning rate {self.settings()['lr']:.3g}); try a smaller one"
        return f"done: {steps} iterations each"

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
