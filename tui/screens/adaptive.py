"""Section 7, Adaptive methods: SGD, momentum and RMSprop trained side by side on the full MNIST set."""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Static, TabbedContent, TabPane

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
    reference_label,
)
from engine.contracts.base import RUN_SEED, SettingError
from engine.events import Diverged, Done, Failed, Progress, Status

from ..charts.chart import decade_label
from ..playback import PRIORITY_PLAYER_BINDINGS, Playback, PlayerKeys, starting_speed
from ..widgets.impl_toggle import ImplementationToggle, runs_text
from ..widgets.optimizer_curves import OptimizerCurves
from ..widgets.status_line import StatusLine
from ..widgets.stepper import Stepper
from .section import SectionScreen, new_seed

# The course's black, red and fuchsia, with a light blue for black on a dark terminal.
COLORS = {"SGD": (100, 180, 255), "Momentum": (255, 85, 70), "RMSprop": (235, 90, 235)}
RULE = (
    "RMSprop  v ← α·v + (1−α)·g²\n         w ← w − η·g / √(v + ε)\n"
    f"momentum β {BETA:g} · α {ALPHA:g} · ε {decade_label(math.log10(EPSILON))}"
)

# The demo's keys, in the longest wording that fits the screen's width (the short one fits 80 columns).
HINTS = (
    "space play/pause · ,/. step · +/- speed · Home/End first/last · v panels/overlay · s smoothing"
    " · y log scale · d new seed",
    "space play/pause · ,/. step · +/- speed · Home/End · v view · s smooth · y log · d seed",
    "space ▶/‖ · ,/. step · +/- speed · Home/End · v view · s smooth · y · d seed",
    "space play/pause · ,/. step · +/- speed · Home/End · v view · s smooth · y log",
)


class AdaptiveScreen(PlayerKeys, SectionScreen):
    """Lesson, the Compare optimizers demo, and Think 7.1 / 7.2.

    The three curves play back as they are computed (tui.playback): space, ',' '.', '+' '-',
    Home and End act on the playback from any control of the demo tab, as priority keys, so a
    focused stepper no longer takes Home/End (minimum/maximum) or '.'/'-' (start typing); typed
    values still start with a digit or Enter. Every control change restarts from iteration 0.
    The run seed (the initial model and the minibatches) is the course's until `d` draws another or
    one is typed: the same settings and seed give the same curves, and with the learner's functions
    the reference's curves of the same seed are drawn beside theirs, dimmed.
    """

    BINDINGS = [
        Binding("v", "toggle_view", "panels/overlay"),
        Binding("s", "toggle_smoothing", "smoothing"),
        Binding("y", "toggle_log", "log y"),
        Binding("r", "run", "run again"),
        Binding("d", "new_seed", "new seed"),
        *PRIORITY_PLAYER_BINDINGS,
    ]
    CSS_PATH = "adaptive.tcss"
    FOCUS = {"compare": "#batch"}
    DEMO_ACTIONS = ("toggle_view", "toggle_smoothing", "toggle_log", "run", "new_seed")
    job: CompareJob | None = None  # the run on screen (or in flight)

    def __init__(self, section, course) -> None:
        super().__init__(section, course)
        self.playback = Playback(self._show_frame, speed=starting_speed(self.app))
        self._run_text, self._error = "", False  # what the run is doing, beside the playback's state

    def compose_demos(self) -> ComposeResult:
        with TabPane("Compare optimizers", id="compare"), Vertical():
            with Horizontal(id="compare-top"):
                with Vertical(id="controls"):
                    yield Stepper("batch", **BATCH.stepper_args(), big_step=5, label_width=7, id="batch")
                    yield Stepper("lr", **LR.stepper_args(), label_width=7, id="lr")
                    yield Stepper("steps", **STEPS.stepper_args(), big_step=5, label_width=7, id="steps")
                    yield Stepper("seed", **RUN_SEED.stepper_args(), big_step=100, label_width=7, id="seed")
                yield Static(RULE, id="rule", markup=False)
            yield Static(HINTS[-1], id="hint", markup=False)
            yield ImplementationToggle(EXERCISES, self.course, self.section.key)
            with Horizontal(id="status-row"):
                yield StatusLine("", id="status", markup=False)
                yield ProgressBar(total=int(STEPS.default), show_eta=False, id="progress")
            yield StatusLine("", id="summary")
            yield OptimizerCurves(OPTIMIZERS, COLORS, int(STEPS.default), id="curves")

    def on_mount(self) -> None:  # Textual calls SectionScreen.on_mount too
        self.playback.attach(self)

    def on_resize(self) -> None:
        if self.built("compare"):
            self._fit_hint()

    def _fit_hint(self) -> None:
        width = self.size.width
        self.query_one("#hint", Static).update(next((h for h in HINTS if len(h) <= width), HINTS[-1]))

    def _on_compare(self) -> bool:
        return self.is_mounted and self.query_one("#tabs", TabbedContent).active == "compare"

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        # The demo's keys act (and show in the Footer) only on the demo tab.
        if action in self.DEMO_ACTIONS:
            return self._on_compare()
        return super().check_action(action, parameters)

    def player(self) -> Playback | None:
        return self.playback if self._on_compare() and self.job is not None else None

    # -- runs -----------------------------------------------------------------------------------
    def on_pane_first_shown(self, pane_id: str) -> None:
        if pane_id == "compare":
            self._fit_hint()
            self.action_run()

    def requested_job(self) -> CompareJob:
        """The run the controls ask for, with the learner's functions where they chose theirs."""
        return CompareJob(
            batch_size=int(self.query_one("#batch", Stepper).value),
            lr=self.query_one("#lr", Stepper).value,
            max_steps=int(self.query_one("#steps", Stepper).value),
            seed=int(self.query_one("#seed", Stepper).value),
            learner=self.query_one(ImplementationToggle).learner(),
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
        self._run_text, self._error = "starting…", False
        self.playback.load(0, total=job.max_steps, complete=False)  # from iteration 0, playing as data comes
        self.start_run(job, group="compare")

    def on_stepper_changed(self, event: Stepper.Changed) -> None:
        self.action_run()

    def action_new_seed(self) -> None:
        """Another initial model and other minibatches: a seed drawn at random (it runs at once)."""
        seed = self.query_one("#seed", Stepper)
        seed.set_value(new_seed(int(seed.value), RUN_SEED), post=True)

    def on_implementation_toggle_changed(self, event: ImplementationToggle.Changed) -> None:
        self.action_run()

    # -- drawing --------------------------------------------------------------------------------
    def handle_events(self, group: str, events: list) -> None:
        curves = self.query_one(OptimizerCurves)
        complete = False
        for e in events:
            match e:
                case Losses():
                    curves.add(e.optimizer, e.start, e.values, reference=e.reference)
                case Status():
                    self._run_text = e.text
                case Progress():
                    self.query_one("#progress", ProgressBar).update(progress=e.done, total=e.total)
                    self._run_text = f"computed {e.done} of {e.total}"
                case Diverged():
                    name = next((n for n in OPTIMIZERS if e.label == reference_label(n)), None)
                    curves.diverge(name or e.label, e.iteration, reference=name is not None)
                case Failed():
                    self._run_text, self._error, complete = f"failed: {e.message}", True, True
                case Done():
                    self._run_text, complete = self._done_text(e), True
        self.playback.extend(curves.length, complete=complete or None)
        self._show_status()

    def _done_text(self, done: Done) -> str:
        job = self.job or CompareJob()
        if done.reason == "diverged":
            return f"all three diverged (learning rate {job.lr:.3g}); try a smaller one"
        return "done"  # the player says the iteration, the bar the rest

    def on_cancelled(self, group: str) -> None:
        curves = self.query_one(OptimizerCurves)
        self._run_text, self._error = f"stopped at {curves.length} · r runs again", False
        self.playback.extend(curves.length, complete=True)  # what was computed can be played and scrubbed
        self._show_status()

    def _set_status(self, text: str, error: bool = False) -> None:
        self._run_text, self._error = text, error
        self._show_status()

    def _show_frame(self, frame: int) -> None:
        """The playback moved (or started, paused, sped up): cut the curves there and say so."""
        self.query_one(OptimizerCurves).show_upto(frame, moving=self.playback.playing and not self.playback.at_end)
        self._show_status()

    def _show_status(self) -> None:
        status = self.query_one("#status", StatusLine)
        job = self.job or CompareJob()
        runs = runs_text(job.learner)  # what this run uses, in words (the seed shows on its stepper)
        if len(job.learner) > 1 and status.size.width and len(runs) + 40 > status.size.width:
            runs = f"your {len(job.learner)} functions"
        text = self._run_text if self._error else f"{self.playback.label(of_total=False)} · {runs} · {self._run_text}"
        status.show(Text(text))
        status.set_class(self._error, "-error")
        self._show_summary()

    def _show_summary(self) -> None:
        self.query_one("#summary", StatusLine).show(self.query_one(OptimizerCurves).summary())

    # -- toggles --------------------------------------------------------------------------------
    def action_toggle_view(self) -> None:
        curves = self.query_one(OptimizerCurves)
        curves.view = "overlay" if curves.view == "panels" else "panels"

    def action_toggle_smoothing(self) -> None:
        curves = self.query_one(OptimizerCurves)
        curves.smoothed = not curves.smoothed
        self._show_summary()

    def action_toggle_log(self) -> None:
        """The loss on a log axis: runs that hug 0 on the course's 0-2.5 axis come apart."""
        curves = self.query_one(OptimizerCurves)
        curves.log_y = not curves.log_y
