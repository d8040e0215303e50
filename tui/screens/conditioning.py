"""Section 4: GD versus momentum on a badly conditioned two-parameter slice of the linear model."""

from __future__ import annotations

import math

import numpy as np
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static, TabPane

from engine.contracts.conditioning import (
    BETA,
    EXERCISES,
    LABELS,
    LIMIT,
    LR,
    STEPS,
    TARGET_ITERS,
    TOL,
    MomentumDemoJob,
    Surface,
    Trajectory,
)
from engine.events import Done, Failed, Progress, Status

from ..widgets.chart import Chart, decade_label
from ..widgets.heatmap import HeatMap, Overlay, colorbar_text
from ..widgets.impl_toggle import ImplementationToggle
from ..widgets.stepper import Stepper
from .section import SectionScreen

EPS = 1e-16  # the course's log floor
Y_FLOOR, Y_LO, Y_HI = -16, -8, 1  # log10 distance axis: at least 1e-8 ... 10, at most down to 1e-16
CURVES = {  # (method, dimension) -> colour: one colour family per method
    ("GD", 0): (235, 235, 235),
    ("GD", 1): (140, 150, 170),
    ("Momentum", 0): (255, 80, 80),
    ("Momentum", 1): (255, 175, 60),
}
PATH = {"GD": "rgb(235,235,235)", "Momentum": "rgb(255,80,80)"}
OPTIMUM = "rgb(0,255,0)"
GUIDE = (110, 110, 110)
MAP = "viridis"


def rgb(c: tuple[int, int, int]) -> str:
    return f"rgb({c[0]},{c[1]},{c[2]})"


def log_distances(points, optimum) -> tuple[list[float], list[float]]:
    """log10 |u - u*| and log10 |v - v*| per iteration, floored at 1e-16 as the course's eps."""
    return tuple([math.log10(max(abs(p[k] - optimum[k]), EPS)) for p in points] for k in (0, 1))


def y_range(curves: list[list[float]]) -> tuple[int, int, list[int]]:
    """Decades shown: 1e-8 ... 10 at least, widened to the data (down to 1e-16, up for a runaway)."""
    finite = [y for ys in curves for y in ys if math.isfinite(y)]
    lo = max(Y_FLOOR, min([Y_LO, *map(math.floor, finite)]))
    hi = max([Y_HI, *map(math.ceil, finite)])
    stride = 2 if hi - lo <= 12 else 4
    return lo, hi, [k for k in range(lo, hi + 1) if k % stride == 0]


def distance_drawer(trajs: dict):
    """Four curves (method x dimension) of the log10 distance to the optimum, and the target's guides."""

    def draw(plt) -> None:
        steps = max((t.max_steps for t in trajs.values()), default=300)
        curves = {
            (label, dim): ys for label, t in trajs.items() for dim, ys in enumerate(log_distances(t.points, t.optimum))
        }
        lo, hi, ticks = y_range(list(curves.values()))
        plt.xlim(0, steps)
        plt.ylim(lo, hi)
        plt.yticks(ticks, [decade_label(k) for k in ticks])
        plt.xlabel("iteration · y: distance to optimum")
        plt.horizontal_line(math.log10(TOL), color=GUIDE)
        plt.vertical_line(TARGET_ITERS, color=GUIDE)
        for key, ys in curves.items():
            if ys:
                plt.plot(list(range(len(ys))), ys, marker="braille", color=CURVES[key])

    return draw


def distance_legend() -> Text:
    parts = []
    for label in LABELS:
        parts += [
            (f"{label} ", "bold"),
            ("━", rgb(CURVES[label, 0])),
            "weight ",
            ("━", rgb(CURVES[label, 1])),
            "bias  ",
        ]
    return Text.assemble(*parts, ("┼", rgb(GUIDE)), " target", no_wrap=True, overflow="ellipsis")


def surface_legend() -> Text:
    return Text.assemble(
        "Bias ↑  ",
        ("•", PATH["GD"]),
        " GD ",
        ("•", PATH["Momentum"]),
        " Momentum ",
        ("★", OPTIMUM),
        " optimum",
        no_wrap=True,
        overflow="ellipsis",
    )


def result_line(t) -> str:
    """One method's outcome: where it reached 1e-6, where it diverged, or that it did not get there."""
    if t.diverged_at is not None:
        return f"{t.label} diverged at iteration {t.diverged_at}"
    if t.converged_at is not None:
        return f"{t.label}: within 1e-6 at iteration {t.converged_at}"
    return f"{t.label}: not within 1e-6 after {t.max_steps} steps"


def outcome_line(trajs: dict) -> Text:
    """Both methods' outcomes on one line (merged when both fell short, so it fits 80 columns)."""
    ts = [trajs[k] for k in LABELS if k in trajs]
    if len(ts) == 2 and all(t.diverged_at is None and t.converged_at is None for t in ts):
        return Text(f"GD and Momentum: not within 1e-6 after {ts[0].max_steps} steps")
    return Text("  ").join(Text(result_line(t), style="bold red" if t.diverged_at is not None else "") for t in ts)


def target_line(trajs: dict) -> Text:
    met = [t.label for t in trajs.values() if t.met_target]
    if met:
        return Text.assemble(("✔ target met: ", "bold green"), f"{' and '.join(met)} within {TARGET_ITERS} iterations")
    return Text(f"target: both dimensions within 1e-6 by iteration {TARGET_ITERS}", style="dim")


class AxisColumn(Widget):
    """The bias axis beside the surface: 4 at the top, 0 in the middle, -4 at the bottom."""

    DEFAULT_CSS = "AxisColumn { width: 3; height: 1fr; color: $text-muted; }"

    def render(self) -> Text:
        h = self.size.height
        rows = [""] * h
        if h:
            rows[0], rows[-1], rows[(h - 1) // 2] = " 4", "-4", " 0"
        return Text("\n".join(rows), no_wrap=True)


class AxisRow(Widget):
    """The weight axis under the surface: -4 ... Weight → ... 4."""

    DEFAULT_CSS = "AxisRow { height: 1; color: $text-muted; padding-left: 3; }"

    def render(self) -> Text:
        w, mid = self.size.width, "0  Weight →"
        left = (w - 1) // 2
        line = "-4".ljust(left) + mid
        return Text(line[: w - 1].ljust(w - 1) + "4", no_wrap=True)


class ConditioningScreen(SectionScreen):
    """One demo tab: steps, learning rate and β; distance to the optimum and the loss surface, live."""

    FOCUS = {"demo": "#lr"}

    DEFAULT_CSS = """
    ConditioningScreen ImplementationToggle { padding: 0 1; }
    ConditioningScreen #controls { height: auto; margin: 0 1; }
    ConditioningScreen #steps { width: 1fr; min-width: 26; }
    ConditioningScreen #lr { width: 1fr; min-width: 24; }
    ConditioningScreen #beta { width: 1fr; min-width: 23; }
    ConditioningScreen #status { height: 2; margin: 0 1; }
    ConditioningScreen #charts { height: 1fr; }
    ConditioningScreen #distance-panel { width: 11fr; height: 1fr; }
    ConditioningScreen #surface-panel { width: 9fr; height: 1fr; margin-right: 1; }
    ConditioningScreen .legend { height: 1; padding-left: 1; }
    ConditioningScreen #surface-row { height: 1fr; }
    ConditioningScreen #colorbar { height: 1; padding-left: 3; }
    """

    def __init__(self, section, course) -> None:
        super().__init__(section, course)
        self.surface: Surface | None = None  # computed once per screen
        self.trajs: dict[str, Trajectory] = {}  # label -> Trajectory of the latest completed run
        self.learner: dict[str, str] = {}  # exercise id -> learner file, when the toggle says "yours"
        self.started: tuple | None = None  # (steps, lr, beta) of the run in flight
        self.shown: tuple | None = None  # (steps, lr, beta) of the results on screen
        self._pending: dict = {}
        self._state = Text("")

    def compose_demos(self) -> ComposeResult:
        with TabPane("Demo", id="demo"):
            with Horizontal(id="controls"):
                yield Stepper("steps", **STEPS.stepper_args(), label_width=6, id="steps")
                yield Stepper(" lr", **LR.stepper_args(), label_width=4, id="lr")
                yield Stepper(" β", **BETA.stepper_args(), label_width=3, id="beta")
            yield ImplementationToggle(EXERCISES, self.course)
            yield Static("", id="status")
            with Horizontal(id="charts"):
                with Vertical(id="distance-panel"):
                    yield Static(distance_legend(), classes="legend")
                    yield Chart(distance_drawer({}), id="distance")
                with Vertical(id="surface-panel"):
                    yield Static(surface_legend(), classes="legend")
                    with Horizontal(id="surface-row"):
                        yield AxisColumn()
                        yield HeatMap(cmap=MAP, id="surface")
                    yield AxisRow()
                    yield Static("", id="colorbar")

    def on_pane_first_shown(self, pane_id: str) -> None:
        if pane_id == "demo":
            self.rerun()

    # -- runs -------------------------------------------------------------------------------
    def settings(self) -> tuple[int, float, float]:
        value = lambda sid: self.query_one(sid, Stepper).value
        return int(value("#steps")), float(value("#lr")), float(value("#beta"))

    def rerun(self) -> None:
        """Run GD and momentum with the current settings, replacing any run in flight."""
        steps, lr, beta = self.started = self.settings()
        self.learner = self.course.learner_functions(EXERCISES)
        job = MomentumDemoJob(steps, lr, beta, with_surface=self.surface is None, learner=self.learner)
        self._pending = {}
        self.start_run(job, group="demo")
        self._show_state(Text(f"running {steps} steps at lr {lr:.3g}, β {beta:.2f}…", style="dim"))

    @on(Stepper.Changed)
    @on(ImplementationToggle.Changed)
    def _changed(self) -> None:
        self.rerun()

    def on_cancelled(self, group: str) -> None:
        self._show_state(Text("stopped (Escape): change a setting to run again", style="yellow"))

    # -- drawing ----------------------------------------------------------------------------
    def handle_events(self, group: str, events: list) -> None:
        state = None
        for e in events:
            if isinstance(e, Surface):
                self.show_surface(e)
            elif isinstance(e, Trajectory):
                self._pending[e.label] = e
            elif isinstance(e, Status):
                state = Text(e.text + "…", style="dim")
            elif isinstance(e, Progress):
                state = Text(f"{e.done}/{e.total} {e.label}…", style="dim")
            elif isinstance(e, Failed):
                state = Text(f"failed: {e.message}", style="bold red")
            elif isinstance(e, Done) and self._pending.keys() == set(LABELS):
                self.trajs, self.shown = self._pending, self.started
                self.show_results()
                state = target_line(self.trajs)
        if state is not None:
            self._show_state(state)

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
        self.call_after_refresh(self._draw_colorbar)

    def show_results(self) -> None:
        self.query_one("#distance", Chart).draw(distance_drawer(self.trajs))
        overlays = []
        for label in LABELS:
            t = self.trajs.get(label)
            if t is not None and t.points:
                overlays.append(Overlay([p[0] for p in t.points], [p[1] for p in t.points], PATH[label], "•"))
        if self.surface is not None:
            u, v = self.surface.optimum
            overlays.append(Overlay([u], [v], OPTIMUM, "★", line=False))
        self.query_one("#surface", HeatMap).set_overlays(overlays)

    def _show_state(self, state: Text) -> None:
        """Line 1: each method's outcome; line 2: the target, or what the run is doing."""
        self._state = state
        if self.learner:
            names = ", ".join(sorted(self.learner))
            state = Text.assemble((f"your {names}", "italic"), " · ", state)
        # Two lines, always: no layout pass (which would re-render every widget of the screen).
        self.query_one("#status", Static).update(Text("\n").join([outcome_line(self.trajs), state]), layout=False)
