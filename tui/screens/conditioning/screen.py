"""Section 4: GD versus momentum on a badly conditioned two-parameter slice of the linear model, played step by step.

Key scheme of the Demo tab: the player's keys (space, ',', '.', '-', '+', Home, End) are screen
bindings; the steppers keep their arrows, Enter and digits but leave those keys to the player
(tui.playback.PLAYER_STEPPER), so Home/End always move the animation, and a value is typed by
starting with a digit or Enter (".48" is typed as "0.48"). A focused "update rules" switch
keeps space (it flips the switch, as Enter does).
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import numpy as np
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.timer import Timer
from textual.widgets import Static, TabbedContent, TabPane

from engine.contracts.conditioning import (
    BETA,
    EXERCISES,
    LABELS,
    LIMIT,
    LR,
    STEPS,
    MomentumDemoJob,
    Surface,
    Trajectory,
)
from engine.contracts.conditioning_theory import Theory, TheoryJob
from engine.events import Done, Failed, Progress, Status

from ...charts.reveal_chart import RevealChart
from ...playback import PLAYER_BINDINGS, PLAYER_STEPPER, Playback, PlayerKeys, starting_speed
from ...widgets.conditioning_axes import AxisColumn, AxisRow
from ...widgets.heatmap import HeatMap, colorbar_text
from ...widgets.impl_toggle import ImplementationToggle, runs_text
from ...widgets.status_line import StatusLine
from ...widgets.stepper import Stepper
from ..section import QUIET_S, SectionScreen
from .kappa import KappaPane
from .theory import BEST_KEYS, theory_text
from .view import (
    MAP,
    Paths,
    against_reference,
    distance_drawer,
    distance_legend,
    method_line,
    player_line,
    surface_legend,
    target_line,
)

# A key's frame waits at most this long for its run's result (a Section 4 run answers in 10-20 ms): the slider and
# the result show in one frame; a slow run (a learner's functions) shows the slider by then.
HOLD_S = 0.05


class ConditioningScreen(PlayerKeys, SectionScreen):
    """Demo: steps, lr and β; distance to the optimum and the loss surface, played. Theory: the quadratic model."""

    BINDINGS = [
        *PLAYER_BINDINGS,
        Binding(BEST_KEYS["Momentum"], "best('Momentum')", "best momentum"),
        Binding(BEST_KEYS["GD"], "best('GD')", "best GD", show=False),
        Binding("k", "slice_kappa", "the slice's κ"),
    ]
    CSS_PATH = "conditioning.tcss"
    FOCUS = {"demo": "#lr", "theory-tab": "#theory", "kappa-tab": "#kappa"}
    BUILT_WITH = {"theory-tab": ("demo",)}  # the theory runs at the Demo's settings and its results show there

    def __init__(self, section, course) -> None:
        super().__init__(section, course)
        self.surface: Surface | None = None  # computed once per screen
        self.trajs: dict[str, Trajectory] = {}  # label -> Trajectory of the latest completed run
        self.ref_trajs: dict[str, Trajectory] = {}  # the reference's beside the learner's functions (dimmed)
        self.learner: dict[str, str] = {}  # exercise id -> learner file, when the toggle says "yours"
        self.started: tuple | None = None  # (steps, lr, beta) of the run in flight
        self.shown: tuple | None = None  # (steps, lr, beta) of the results on screen
        self.theory: Theory | None = None  # the quadratic model at the latest (lr, β)
        self.playback = Playback(self.show_frame, speed=starting_speed(self.app))
        self._paths = Paths({}, None)
        self._pending: dict = {}
        self._pending_ref: dict = {}
        self._state = Text("")
        self._theory_error = ""
        self._quiet: Timer | None = None  # the run in flight's wait before its state shows
        self._soon: Text | None = None  # the state to show when the wait is over
        self._waited = False  # the run in flight has run QUIET_S: its state shows at once
        self._held: AbstractContextManager | None = None  # the app's batch that holds frames until a key's result
        self._hold_timer: Timer | None = None

    def compose_demos(self) -> ComposeResult:
        player_keys = {**PLAYER_STEPPER, "on_change": self._stepped}
        with TabPane("Demo", id="demo"):
            with Horizontal(id="controls"):
                yield Stepper("steps", **STEPS.stepper_args(), label_width=6, id="steps", **player_keys)
                lr_args = {**LR.stepper_args(), "typed_min": LR.lowest, "typed_max": LR.highest}
                yield Stepper(" lr", **lr_args, label_width=4, id="lr", **player_keys)
                yield Stepper(" β", **BETA.stepper_args(), label_width=3, id="beta", **player_keys)
            yield ImplementationToggle(EXERCISES, self.course, self.section.key)
            yield StatusLine("", id="status")
            with Horizontal(id="charts"):
                with Vertical(id="distance-panel"):
                    yield Static(distance_legend(), classes="legend")
                    yield RevealChart(distance_drawer({}), id="distance")
                with Vertical(id="surface-panel"):
                    yield Static(surface_legend(), classes="legend")
                    with Horizontal(id="surface-row"):
                        yield AxisColumn()
                        yield HeatMap(cmap=MAP, id="surface")
                    yield AxisRow()
                    yield Static("", id="colorbar")
        with TabPane("Theory", id="theory-tab"), VerticalScroll(id="theory"):
            yield Static(theory_text(None, None), id="theory-text")
        with TabPane("κ explorer", id="kappa-tab"):
            yield KappaPane(self.start_run)

    def on_mount(self) -> None:
        super().on_mount()
        self.playback.attach(self)

    def on_pane_first_shown(self, pane_id: str) -> None:
        if pane_id in ("demo", "theory-tab") and self.started is None:
            self.rerun()
        elif pane_id == "theory-tab":
            self._draw_theory()
        elif pane_id == "kappa-tab":
            self.query_one(KappaPane).start()

    def player(self) -> Playback | None:
        return self.playback if self._active() == "demo" and self.playback.length else None

    def _active(self) -> str:
        try:
            return self.query_one("#tabs", TabbedContent).active
        except NoMatches:  # not composed yet
            return ""

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "best":
            return self.theory is not None and self._active() in ("demo", "theory-tab")
        if action == "slice_kappa":
            return self._active() == "kappa-tab" and self.query_one(KappaPane).sweep is not None
        return super().check_action(action, parameters)

    # -- runs -------------------------------------------------------------------------------
    def settings(self) -> tuple[int, float, float]:
        value = lambda sid: self.query_one(sid, Stepper).value
        return int(value("#steps")), float(value("#lr")), float(value("#beta"))

    def rerun(self) -> None:
        """Run GD and momentum with the current settings (replacing any run in flight), and the theory at them."""
        steps, lr, beta = self.started = self.settings()
        self.learner = self.course.learner_functions(self.section.key, EXERCISES)
        try:
            job = MomentumDemoJob(steps, lr, beta, with_surface=self.surface is None, learner=self.learner)
        except ValueError as exc:  # the contract's refusal, said where the learner looks
            self._stop_quiet()
            self._show_state(Text(f"cannot run: {exc}", style="bold red"))
            return
        self._pending, self._pending_ref = {}, {}
        self.ref_trajs = {}  # the words about the reference wait for this run's
        self.start_run(job, group="demo")
        self._show_soon(Text(f"running {steps} steps at lr {lr:.3g}, β {beta:.2f}…", style="dim"))
        if self.theory is None or (self.theory.lr, self.theory.beta) != (lr, beta):
            self.start_run(TheoryJob(lr, beta), group="theory")

    def _stepped(self, _value: float) -> None:
        """A setting changed (the steppers' on_change): the run starts at once, and the frame that moves the slider
        waits for its result (HOLD_S at most), so the two show in one frame. Drawn alone, the slider's frame set
        Textual's screen timer going: the result's frame then waited for its next tick but one, 17-33 ms."""
        self._hold_frames()
        self.rerun()

    def _hold_frames(self) -> None:
        if self._held is None:
            self._held = self.app.batch_update()
            self._held.__enter__()
            self._hold_timer = self.set_timer(HOLD_S, self._release_frames)

    def _release_frames(self) -> None:
        """The result is shown (or failed, or the run stopped), or HOLD_S passed: the screen draws again."""
        held, self._held = self._held, None
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        if held is not None:
            held.__exit__(None, None, None)

    def on_unmount(self) -> None:  # (Textual calls SectionScreen's too)
        self._release_frames()

    @on(ImplementationToggle.Changed)
    def _changed(self) -> None:
        self._hold_frames()  # as a stepper's key: the toggle's new words and the new paths in one frame
        self.rerun()

    def action_best(self, label: str) -> None:
        """Set the controls to the theory's best setting for `label` and run it (lr beyond the slider is typed)."""
        if self.theory is None:
            return
        self._hold_frames()  # the two steppers' new values and the run's result in one frame
        best = next(b for b in self.theory.best if b.label == label)
        lr, beta = self.query_one("#lr", Stepper), self.query_one("#beta", Stepper)
        lr.set_value(best.lr)  # as the tab writes it (the engine rounds the best settings so)
        setting = f"lr {lr.format_value(best.lr)}"
        if label == "Momentum":
            beta.set_value(best.beta)
            setting += f", β {beta.format_value(best.beta)}"
        where = "" if best.lr_in_slider else f" (lr beyond the slider's {LR.maximum:.3g}, as a typed value)"
        self.notify(f"the theory's best for {label}: {setting}{where}", timeout=4)
        self.rerun()

    def action_slice_kappa(self) -> None:
        """The κ explorer at the Demo's slice's own κ (3.88): where the course's example sits on the chart."""
        pane = self.query_one(KappaPane)
        if pane.sweep is not None:
            pane.set_kappa(pane.sweep.slice_kappa)

    def on_cancelled(self, group: str) -> None:
        if group == KappaPane.GROUP:
            self.query_one(KappaPane).stopped()
        if group == "demo":
            self._show_state(Text("stopped (Escape): change a setting to run again", style="yellow"))
            self._stop_quiet()

    # -- events -----------------------------------------------------------------------------
    def handle_events(self, group: str, events: list) -> None:
        if group == KappaPane.GROUP:
            self.query_one(KappaPane).show(events)
            self.refresh_bindings()
            return
        if group == "theory":
            self._theory_events(events)
            return
        self._demo_events(events)

    def _demo_events(self, events: list) -> None:
        state, soon = None, None
        for e in events:
            if isinstance(e, Surface):
                self.show_surface(e)
            elif isinstance(e, Trajectory):
                (self._pending_ref if e.reference else self._pending)[e.label] = e
            elif isinstance(e, Status):
                soon = Text(e.text + "…", style="dim")
            elif isinstance(e, Progress):
                soon = Text(f"{e.done}/{e.total} {e.label}…", style="dim")
            elif isinstance(e, Failed):
                state = Text(f"failed: {e.message}", style="bold red")
            elif isinstance(e, Done) and self._pending.keys() == set(LABELS):
                self.trajs, self.ref_trajs, self.shown = self._pending, self._pending_ref, self.started
                self._state, state, soon = target_line(self.trajs), None, None
                self._stop_quiet()
                self.show_results()
        if state is not None:
            self._stop_quiet()
            self._show_state(state)
        elif soon is not None:
            self._show_soon(soon)

    def _show_soon(self, state: Text) -> None:
        """What a run in flight is doing, shown once it has run QUIET_S: a run that answers sooner goes from the
        old results to the new in one frame (the usual key: 10-20 ms of engine work)."""
        if self._waited:
            self._show_state(state)
            return
        self._soon = state
        if self._quiet is None:
            self._quiet = self.set_timer(QUIET_S, self._quiet_over)

    def _quiet_over(self) -> None:
        self._quiet = None
        if self._soon is not None:  # else the run ended as the timer fired
            self._waited = True
            self._show_state(self._soon)

    def _stop_quiet(self) -> None:
        """The run ended (results, a failure, Escape): what it was doing is no longer news; the next waits again."""
        self._release_frames()
        if self._quiet is not None:
            self._quiet.stop()
        self._quiet, self._soon, self._waited = None, None, False

    def _theory_events(self, events: list) -> None:
        for e in events:
            if isinstance(e, Theory):
                self.theory, self._theory_error = e, ""
            elif isinstance(e, Failed):
                self._theory_error = e.message
        self._draw_theory()
        self.refresh_bindings()

    def _draw_theory(self) -> None:
        if not self.built("theory-tab"):
            return  # drawn when first shown
        th, measured = self.theory, None
        if th is not None and self.shown is not None and self.shown[1:] == (th.lr, th.beta):
            measured = self.trajs
        lr, beta = self.query_one("#lr", Stepper), self.query_one("#beta", Stepper)
        text = theory_text(th, measured, self._theory_error, lr.format_value, beta.format_value)
        self.query_one("#theory-text", Static).update(text)

    # -- drawing ----------------------------------------------------------------------------
    def show_surface(self, s) -> None:
        self.surface = s
        z = [list(row) for row in s.z]
        lo, hi = min(map(min, z)), max(map(max, z))
        self.query_one("#surface", HeatMap).set_data(
            np.array(z), extent=(-LIMIT, LIMIT, -LIMIT, LIMIT), vmin=lo, vmax=hi
        )
        self._draw_colorbar()

    def _draw_colorbar(self) -> None:
        if self.surface is None:
            return
        bar = self.query_one("#colorbar", Static)
        z = self.surface.z
        lo, hi = min(map(min, z)), max(map(max, z))
        width = bar.content_size.width - len("loss ")
        bar.update(Text.assemble("loss ", colorbar_text(lo, hi, MAP, max(width, 12))))

    def on_resize(self) -> None:
        if not self.built("demo"):
            return
        self.call_after_refresh(self._draw_colorbar)
        self.call_after_refresh(self._show_state, self._state)

    def show_results(self) -> None:
        """A run finished: its pictures are built once, then played from iteration 0."""
        assert self.shown is not None  # set with the trajectories
        self._paths = Paths(self.trajs, self.surface.optimum if self.surface is not None else None)
        self.query_one("#distance", RevealChart).draw_growing(distance_drawer(self.trajs, self.ref_trajs))
        self.playback.load(max(len(t.points) for t in self.trajs.values()), total=self.shown[0])
        self._draw_theory()

    def show_frame(self, frame: int) -> None:
        """Draw iteration `frame`: the curves up to it, the paths up to it with a ● at each method, the numbers."""
        upto = None if self.playback.at_end else frame
        self.query_one("#distance", RevealChart).reveal(upto)
        self.query_one("#surface", HeatMap).set_overlays(self._paths.overlays(upto))
        self._show_state(self._state)

    def _show_state(self, state: Text) -> None:
        """Each method's outcome and values at the iteration shown; the player; the target or what runs."""
        self._state = state
        status = self.query_one("#status", StatusLine)
        width = status.content_size.width or 78
        runs = runs_text(self.learner)  # what runs (and how it compares with the reference), in words, where it fits
        short = "yours" if self.learner else "the reference"
        versus = against_reference(self.trajs, self.ref_trajs)
        wordings = [runs, short]  # the functions' names before the comparison: the chart shows that too
        if versus is not None:
            same, tight = (
                ("the reference's paths", "= reference") if versus else ("≠ the reference (dimmed)", "≠ reference")
            )
            wordings = [f"{runs} ({same})", f"{runs} {tight}", runs, f"yours {tight}", short]
        prefix = next((w for w in wordings if len(w) + 3 + len(state) <= width), short)
        state = Text.assemble((prefix, "italic"), " · ", state)
        frame = self.playback.frame if self.playback.length else None
        methods = [method_line(label, self.trajs.get(label), frame) for label in LABELS]
        player = player_line(self.playback.label(), width) if self.playback.length else Text("")
        # The status has a fixed size: no layout pass per frame.
        status.show(Text("\n").join([*methods, player, state]))
