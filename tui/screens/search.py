"""Section 3: random directions versus one gradient step, at initialization and for the partially trained model."""

from __future__ import annotations

import math

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static, TabbedContent, TabPane

from engine.contracts.search import DIRECTIONS, EXERCISES, LR, NOISE, PANELS, CompareJob, Comparison
from engine.events import Done, Failed, Progress, Status

from ..charts.chart import Chart
from ..widgets.impl_toggle import ImplementationToggle, runs_text
from ..widgets.stepper import Stepper
from .section import SectionScreen

INTRO = Text.assemble(
    ("gradient step", "bold"),
    " w ← w − η∇J(w) · ",
    ("random move", "bold"),
    " w ← w + s·n, n ~ N(0, I)\n",
    ("Think! 3", "bold"),
    " is on the Questions tab: write your answer, then ctrl+r shows the course's.",
)


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values (1, 2 or 5 times a power of ten apart) inside [lo, hi]."""
    span = (hi - lo) / max(count, 1) or 1e-3
    power = 10 ** math.floor(math.log10(span))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= span)
    first = math.ceil(lo / step) * step
    return [round(first + k * step, 12) for k in range(int((hi - first) / step) + 1)]


SAME = 1e-5  # a learner's step this close to the reference's is the reference's
REFERENCE_RED = (120, 40, 50)  # the reference's step, dimmed, beside a learner's


def histogram_drawer(c: Comparison | None, panel: str = ""):
    """Bars of the random moves' changes in loss, a green line at zero and a red one at the gradient step.

    The two lines are drawn as series after the bars: plotext draws a vertical_line under every bar,
    so the zero line vanished exactly where the bars stand on it."""

    def draw(plt) -> None:
        if c is None:
            plt.title(f"{panel}: computing")
        else:  # wordings from the longest: a narrow panel keeps room for the y label
            j = f"{c.base_loss:.3f}"
            plt.title((f"{c.panel} (J = {j})", f"{c.panel} J={j}", f"{c.panel.split()[-1].capitalize()} (J = {j})"))
        plt.xlabel("change in loss")
        plt.ylabel("directions")
        if c is None:
            return
        edges, counts = c.edges, c.counts
        centres = [(a + b) / 2 for a, b in zip(edges[:-1], edges[1:])]
        ref = [] if c.reference_gd_delta is None else [c.reference_gd_delta]  # beside a learner's step
        lo, hi = min(edges[0], 0.0, c.gd_delta, *ref), max(edges[-1], 0.0, c.gd_delta, *ref)
        pad = 0.05 * (hi - lo or 1e-3)
        top = max(counts)
        ceiling = top * 1.1 + 0.5
        plt.bar(centres, counts, width=0.8, color="blue")
        plt.plot([0.0, 0.0], [0.0, ceiling], color="green", marker="│")
        for x in ref:  # dimmed, under the learner's red line where they agree
            plt.plot([x, x], [0.0, ceiling], color=REFERENCE_RED, marker="│")
        plt.plot([c.gd_delta, c.gd_delta], [0.0, ceiling], color="red", marker="│")
        plt.xlim(lo - pad, hi + pad)
        ticks = nice_ticks(lo - pad, hi + pad)
        plt.xticks(ticks, [f"{t:g}" for t in ticks])
        plt.ylim(0, ceiling)
        # No tick at 0: a character row holds a range of counts, and plotext writes a tick on the row holding
        # its value, so a "0" stood beside the bars of count 1 on the bottom row. The frame is the zero line.
        plt.yticks([t for t in nice_ticks(0, top, 4) if t > 0] or [top])

    return draw


def summary_text(c: Comparison) -> Text:
    """How many random directions improved, the best of them and the gradient step's change."""
    n = len(c.random_deltas)
    beaten = sum(d <= c.gd_delta for d in c.random_deltas)
    return Text.assemble(
        ("random", "blue"),
        f": {c.improved}/{n} better, best ",
        (f"{c.best_random:+.4f}", "bold"),
        "\n",
        ("gradient step", "red"),
        ": ",
        (f"{c.gd_delta:+.4f}", "bold"),
        f", beats {n - beaten} of {n}" if beaten else ", beats them all",
        *reference_line(c),
    )


def reference_line(c: Comparison) -> tuple:
    """Beside a learner's gradient_update: the reference's step from the same model, and whether theirs is it."""
    if c.reference_gd_delta is None:
        return ()
    same = abs(c.gd_delta - c.reference_gd_delta) <= SAME
    verdict = ": yours is the same" if same else ": yours differs"
    return ("\n", ("reference step", "dim"), f": {c.reference_gd_delta:+.4f}", (verdict, "dim" if same else "bold"))


class SearchScreen(SectionScreen):
    """One demo tab, Compare: the course's "Comparing updates" figure, live and with its knobs."""

    FOCUS = {"compare": "#noise"}

    BINDINGS = [Binding("r", "redraw", "new random draws")]
    CSS_PATH = "search.tcss"

    def __init__(self, section, course) -> None:
        super().__init__(section, course)
        self.draw_seed = 0
        self.runs = "the reference"  # what the run on screen uses, in words
        self.results: dict[str, Comparison] = {}  # panel -> its latest Comparison

    def compose_demos(self) -> ComposeResult:
        with TabPane("Compare", id="compare"):
            yield Static(INTRO, id="compare-intro")
            yield ImplementationToggle(EXERCISES, self.course, self.section.key)
            with Horizontal(classes="controls"):
                yield Stepper("noise", **NOISE.stepper_args(), label_width=6, id="noise")
                yield Stepper(" lr", **LR.stepper_args(), label_width=4, id="lr")
                yield Stepper(" dirs", **DIRECTIONS.stepper_args(), label_width=6, id="dirs")
            with Horizontal(id="panels"):
                for i, panel in enumerate(PANELS):
                    with Vertical(classes="panel"):
                        yield Chart(histogram_drawer(None, panel), id=f"hist-{i}")
                        yield Static("", id=f"summary-{i}", classes="summary")
            yield Static("", id="compare-status", classes="status", markup=False)

    def on_pane_first_shown(self, pane_id: str) -> None:
        if pane_id == "compare":
            self.run_compare()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "redraw":
            return self.is_mounted and self.query_one("#tabs", TabbedContent).active == "compare"
        return super().check_action(action, parameters)

    # -- runs -------------------------------------------------------------------------------
    def job(self) -> CompareJob:
        """The comparison the controls describe, with the learner's gradient_update when the toggle says so."""
        value = lambda sid: self.query_one(sid, Stepper).value
        learner = self.course.learner_functions(self.section.key, EXERCISES)
        self.runs = runs_text(learner)  # what the run uses, in words
        return CompareJob(value("#noise"), value("#lr"), int(value("#dirs")), self.draw_seed, learner=learner)

    def run_compare(self) -> None:
        self.start_run(self.job(), group="compare")

    @on(Stepper.Changed)
    @on(ImplementationToggle.Changed)
    def _changed(self) -> None:
        self.run_compare()

    def action_redraw(self) -> None:
        self.draw_seed += 1
        self.run_compare()

    # -- drawing ----------------------------------------------------------------------------
    def handle_events(self, group: str, events: list) -> None:
        status = None
        for e in events:
            if isinstance(e, Comparison):
                i = PANELS.index(e.panel)
                self.results[e.panel] = e
                self.query_one(f"#hist-{i}", Chart).draw(histogram_drawer(e))
                self.query_one(f"#summary-{i}", Static).update(summary_text(e))
            elif isinstance(e, Status):
                status = e.text
            elif isinstance(e, Progress):
                status = f"{e.done}/{e.total} {e.label}"
            elif isinstance(e, Failed):
                status = f"failed: {e.message}"
            elif isinstance(e, Done) and e.reason == "completed":
                status = self._done_text()
        if status is not None:
            self.query_one("#compare-status", Static).update(status)

    def _done_text(self) -> str:
        """What ran, its draws and how to read the histograms, in the longest wording that fits one line."""
        head = f"{self.runs} · draws #{self.draw_seed}"
        width = self.query_one("#compare-status", Static).content_size.width or 78
        long = f"{head} · green: no change · red: gradient step · left is better"
        return long if len(long) <= width else f"{head} · red: gradient step · left is better"

    def on_cancelled(self, group: str) -> None:
        self.query_one("#compare-status", Static).update("stopped (Escape). Change a setting or press r to run again.")
