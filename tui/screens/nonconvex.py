"""Section 5: overparameterization (N copies trained live, played), a toy landscape explorer, the MLP's real landscape.

Keys: the player's (space, ',', '.', '-', '+', Home, End) on the Overparameterization and
Landscape tabs, with the steppers leaving them to it (tui.playback.PLAYER_STEPPER); a text box
(the hidden sizes) keeps every key it can type. On Real landscape: m narrow/wide, v plane, r again.
"""

from __future__ import annotations

import math

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import ProgressBar, Select, Static, TabbedContent, TabPane

from engine.contracts.base import RUN_SEED
from engine.contracts.nonconvex import (
    DEFAULT_HIDDEN,
    EXERCISES,
    INITS,
    LR,
    PRESETS,
    STEPS,
    DescentJob,
    LossRows,
    OverparamJob,
    OverparamStart,
    copy_label,
    parse_hidden_sizes,
)
from engine.contracts.nonconvex_landscape import LandscapeJob
from engine.events import Diverged, Done, Failed, Progress
from engine.hidden import count_params

from ..charts.chart import dimmed, downsample
from ..charts.reveal_chart import RevealChart
from ..playback import PLAYER_BINDINGS, PLAYER_STEPPER, SHORT_HINT, Playback, PlayerKeys, starting_speed
from ..weigh import Gate
from ..widgets.impl_toggle import ImplementationToggle, runs_text
from ..widgets.landscape_explorer import LandscapeExplorer
from ..widgets.real_landscape import RealLandscape
from ..widgets.status_line import StatusLine
from ..widgets.stepper import Stepper
from ..widgets.text_field import TextField
from .section import SectionScreen, new_seed

# matplotlib's tab10, the course's default colour cycle: one colour per init.
COLOURS = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
]


class NonConvexScreen(PlayerKeys, SectionScreen):
    """Demo tabs: Overparameterization (Interactive Demo 5), Landscape (replaces losslandscape.com), Real landscape."""

    BINDINGS = [
        *PLAYER_BINDINGS,
        Binding("r", "rerun", "run again"),
        Binding("d", "new_seed", "new seed"),
        Binding("m", "real('model')", "narrow/wide"),
        Binding("v", "real('plane')", "random/path plane"),
    ]
    CSS_PATH = "nonconvex.tcss"
    FOCUS = {"overparam": "#op-steps", "landscape": "#ls-map", "real": "#real-landscape"}
    LANDSCAPE_JOB = LandscapeJob()  # the 10 and 100, 100 networks on 41 x 41 points; tests make it small
    autorun = True  # tests may inject canned events instead
    DEFAULT_STEPS, DEFAULT_INITS = int(STEPS.default), int(INITS.default)  # the course's; tests lower them

    def __init__(self, section, course) -> None:
        super().__init__(section, course)
        self.curves: list[list[float]] = []
        self.ref_curves: list[list[float]] = []  # the reference's training of each copy, beside the learner's
        self.diverged: dict[int, int] = {}  # copy number (from 1) -> iteration it diverged at
        self.max_steps = self.DEFAULT_STEPS
        self.hidden = list(DEFAULT_HIDDEN)
        self.playback = Playback(self._show_curves_frame, speed=starting_speed(self.app))
        self.gate = Gate("Enter or r again runs it anyway")  # heavy settings: refused, or run when asked again
        self._runs = "the reference"  # what the run on screen uses, in words

    def compose_demos(self) -> ComposeResult:
        with TabPane("Overparameterization", id="overparam"), Horizontal(id="op-body"):
            with Vertical(id="op-controls"):
                steps = {**STEPS.stepper_args(), "value": self.DEFAULT_STEPS, **PLAYER_STEPPER}
                yield Stepper("max steps", **steps, id="op-steps")
                yield Stepper("lr", **LR.stepper_args(), **PLAYER_STEPPER, id="op-lr")
                inits = {**INITS.stepper_args(), "value": self.DEFAULT_INITS, **PLAYER_STEPPER}
                yield Stepper("inits", **inits, id="op-inits")
                yield Stepper("seed", **RUN_SEED.stepper_args(), **PLAYER_STEPPER, big_step=100, id="op-seed")
                yield TextField(
                    "hidden",
                    PRESETS[0],
                    parse_hidden_sizes,
                    label_width=10,
                    id="op-hidden",
                    hint="sizes, e.g. 20, 20; Enter runs",
                )
                yield Select(
                    [(p, p) for p in PRESETS],
                    value=PRESETS[0],
                    allow_blank=False,
                    compact=True,
                    type_to_search=False,
                    id="op-preset",
                )
                yield ImplementationToggle(list(EXERCISES), self.course, self.section.key)
                yield Static("", id="op-params")
                yield ProgressBar(total=1, show_eta=False, id="op-progress")
                yield StatusLine("", id="op-status", markup=False)
                yield StatusLine("", id="op-player")
            yield RevealChart(self._draw_curves, id="op-chart")
        with TabPane("Landscape", id="landscape"):
            yield LandscapeExplorer(id="explorer")
        with TabPane("Real landscape", id="real"):
            yield RealLandscape(id="real-landscape")

    def on_mount(self) -> None:
        super().on_mount()
        self.playback.attach(self)

    def on_pane_first_shown(self, pane_id: str) -> None:
        if pane_id == "overparam" and self.autorun:
            self.run_overparam()
        elif pane_id == "landscape":
            self.run_descent()
        elif pane_id == "real" and self.autorun:
            self.run_real()

    def _active(self) -> str:
        return self.query_one("#tabs", TabbedContent).active if self.is_mounted else ""

    def player(self) -> Playback | None:
        active = self._active()
        playback = self.playback if active == "overparam" else None
        if active == "landscape":
            playback = self.query_one(LandscapeExplorer).playback
        return playback if playback is not None and playback.length else None

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "rerun":
            return self._active() in ("overparam", "real")
        if action == "new_seed":
            return self._active() == "overparam"
        if action == "real":
            return self._active() == "real"
        return super().check_action(action, parameters)

    # -- Interactive Demo 5 ---------------------------------------------------------------------
    def run_overparam(self) -> None:
        field = self.query_one("#op-hidden", TextField)
        hidden, error = field.check()
        if error:
            field.show(error, error=True)
            self._status(f"not run: hidden sizes — {error}")
            return
        steps = int(self.query_one("#op-steps", Stepper).value)
        lr = self.query_one("#op-lr", Stepper).value
        inits = int(self.query_one("#op-inits", Stepper).value)
        learner = self.query_one(ImplementationToggle).learner()
        seed = int(self.query_one("#op-seed", Stepper).value)
        try:
            job = OverparamJob(tuple(hidden), steps, lr, inits, seed=seed, learner=learner)
        except ValueError as exc:  # the contract's refusal, said where the learner looks
            self._status(f"cannot run: {exc}")
            return
        verdict = self.gate.check(self.app.runner, job)
        field.show(verdict.text or field.hint, error=verdict.error)  # the cost shows under the sizes typed
        if not verdict.start:
            self._status("not run: too large (see under hidden)" if verdict.error else "not run yet: see under hidden")
            return
        self._start(hidden, steps, inits)
        self._runs = runs_text(learner)
        self._status(f"training {inits} copies of MLP {list(hidden)}, lr {lr:.3g}, seed {seed}: {self._runs}…")
        self.start_run(job, group="overparam")

    def _start(self, hidden, steps: int, inits: int) -> None:
        """Clear the chart for a run of `inits` copies of MLP `hidden` over `steps` steps; play it as it streams."""
        self.hidden, self.max_steps = list(hidden), steps
        self.curves, self.diverged = [[] for _ in range(inits)], {}
        self.ref_curves = [[] for _ in range(inits)]
        self.query_one("#op-params", Static).update(
            f"Number of parameters in model:  {count_params(784, 10, hidden):,}"
        )
        self.query_one("#op-progress", ProgressBar).update(total=steps, progress=0)
        self.query_one("#op-chart", RevealChart).draw_growing(self._draw_curves, upto=0)
        self.playback.load(0, total=steps, complete=False)

    def action_new_seed(self) -> None:
        """Other copies: a seed drawn at random (the run starts at once)."""
        seed = self.query_one("#op-seed", Stepper)
        seed.set_value(new_seed(int(seed.value), RUN_SEED), post=True)

    @on(Stepper.Changed, "#op-steps, #op-lr, #op-inits, #op-seed")
    @on(ImplementationToggle.Changed)
    def _overparam_changed(self) -> None:
        self.run_overparam()

    @on(TextField.Accepted, "#op-hidden")
    def _hidden_accepted(self, event: TextField.Accepted) -> None:
        text = ", ".join(map(str, event.value))
        if text in PRESETS:  # keep the preset list showing what runs
            self.query_one("#op-preset", Select).value = text
        self.run_overparam()

    @on(Select.Changed, "#op-preset")
    def _preset(self, event: Select.Changed) -> None:
        field = self.query_one("#op-hidden", TextField)
        if event.value != field.value and event.value in PRESETS:
            field.set_text(str(event.value))
            self.run_overparam()

    def action_rerun(self) -> None:
        if self._active() == "real":
            self.run_real()
        else:
            self.run_overparam()

    def _status(self, text: str) -> None:
        self.query_one("#op-status", StatusLine).show(text)

    def _draw_curves(self, plt) -> None:
        plt.title(f"Loss of {len(self.curves)} perturbed copies")
        plt.xlabel("Iteration")
        plt.ylabel("Loss")
        plt.ylim(0, 3)
        plt.xlim(0, self.max_steps)
        width = max(20, self.query_one("#op-chart").size.width)
        # The reference's curves first, dimmed: the learner's cover them where they agree.
        for curves, fade in ((self.ref_curves, True), (self.curves, False)):
            for i, losses in enumerate(curves):
                if losses:
                    xs, ys = downsample(range(len(losses)), [min(v, 3.5) for v in losses], 2 * width)
                    colour = COLOURS[i % len(COLOURS)]
                    plt.plot(xs, ys, color=dimmed(colour) if fade else colour, marker="braille")

    # -- events --------------------------------------------------------------------------------
    def handle_events(self, group: str, events: list) -> None:
        if group == "landscape":
            self.query_one(LandscapeExplorer).show(events)
            return
        if group == "real":
            self.query_one(RealLandscape).show(events)
            return
        ended = [self._overparam_event(e) for e in events]
        self.query_one("#op-chart", RevealChart).curves_changed()
        self.playback.extend(max(map(len, self.curves), default=0), complete=True if any(ended) else None)
        self._show_player()

    def _overparam_event(self, e) -> bool:
        """Show one event of the copies' training; True when it ends the run."""
        match e:
            case OverparamStart():
                self._start(e.hidden, e.max_steps, e.num_inits)
            case LossRows():
                curve = (self.ref_curves if e.reference else self.curves)[e.init]
                del curve[e.start :]
                curve.extend(e.losses)
            case Progress():
                self.query_one("#op-progress", ProgressBar).update(total=e.total, progress=e.done)
            case Diverged():
                copies = {copy_label(i): i for i in range(len(self.curves))}
                if e.label in copies:
                    self.diverged[copies[e.label] + 1] = e.iteration
            case Failed():
                self._status(f"failed: {e.message}")
                return True
            case Done():
                self._status(self._summary(e.reason))
                return True
        return False

    def _show_curves_frame(self, frame: int) -> None:
        """The copies' curves up to iteration `frame` (all of them once a complete run is at its end)."""
        self.query_one("#op-chart", RevealChart).reveal(None if self.playback.at_end else frame)
        self._show_player()

    def _show_player(self) -> None:
        p = self.playback
        if not p.length:
            self.query_one("#op-player", StatusLine).show("")
            return
        at = [c[p.frame] for c in self.curves if len(c) > p.frame and math.isfinite(c[p.frame])]
        losses = f"loss {min(at):.3f} … {max(at):.3f} ({len(at)} copies)" if at else ""
        self.query_one("#op-player", StatusLine).show(f"{p.label()}\n{losses}\n{SHORT_HINT}")

    def _summary(self, reason: str) -> str:
        finals = [c[-1] for i, c in enumerate(self.curves) if c and i + 1 not in self.diverged and math.isfinite(c[-1])]
        parts = []
        if finals:
            parts.append(f"final loss {min(finals):.3f} … {max(finals):.3f} over {len(finals)} copies")
        if self.diverged:
            inits, its = sorted(self.diverged), sorted(self.diverged.values())
            which = (
                f"all {len(inits)} copies" if len(inits) == len(self.curves) else "init " + ", ".join(map(str, inits))
            )
            when = f"at iteration {its[0]}" if its[0] == its[-1] else f"at iterations {its[0]}–{its[-1]}"
            parts.append(f"{which} diverged {when}")
        return f"{'; '.join(parts) or reason} · {self._runs}{self._against_reference()}"

    def _against_reference(self) -> str:
        """ "" without the reference beside; else whether the learner's curves are the reference's."""
        pairs = [(a, b) for mine, ref in zip(self.curves, self.ref_curves) for a, b in zip(mine, ref)]
        if not any(self.ref_curves):
            return ""
        gap = max((abs(a - b) for a, b in pairs if math.isfinite(a) and math.isfinite(b)), default=math.inf)
        if gap <= 5e-4 and all(len(m) == len(r) for m, r in zip(self.curves, self.ref_curves)):
            return " · the same curves as the reference (dimmed under yours)"
        finals = [r[-1] for r in self.ref_curves if r and math.isfinite(r[-1])]
        ref = f" {min(finals):.3f} … {max(finals):.3f}" if finals else ""
        return f" · the reference (dimmed) ends at{ref}" if ref else " · the reference diverged"

    def on_cancelled(self, group: str) -> None:
        if group == "overparam":
            self._status("stopped (r runs again)")
            self.playback.extend(max(map(len, self.curves), default=0), complete=True)
        elif group == "real":
            self.query_one(RealLandscape).show([Done("stopped")])

    # -- the real landscape ---------------------------------------------------------------------
    def run_real(self) -> None:
        """Train the narrow and the wide network and map their loss on both planes (seconds; Escape stops)."""
        self.query_one(RealLandscape).clear()
        self.start_run(self.LANDSCAPE_JOB, group="real")

    def action_real(self, what: str) -> None:
        view = self.query_one(RealLandscape)
        view.switch_model() if what == "model" else view.switch_plane()

    # -- landscape explorer -------------------------------------------------------------------
    @on(LandscapeExplorer.Changed)
    def _landscape_changed(self) -> None:
        self.run_descent()

    def run_descent(self) -> None:
        ex = self.query_one(LandscapeExplorer)
        (x, y), lr, momentum = ex.start, ex.lr, ex.momentum
        try:
            job = DescentJob(x, y, lr, momentum, with_surface=ex.surface is None)
        except ValueError as exc:
            ex.show([Failed(f"cannot run: {exc}")])
            return
        self.start_run(job, group="landscape")
