"""Section 4's κ explorer: iterations against κ, the runs at the learner's κ, their legend and status lines."""

from __future__ import annotations

import math
from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from engine.contracts.conditioning import LABELS, TOL
from engine.contracts.conditioning_kappa import KAPPA, KappaJob, KappaMethod, KappaRun, KappaSweep
from engine.events import Failed

from ...charts.chart import Chart, decade_label
from ...widgets.status_line import StatusLine
from ...widgets.stepper import Stepper
from .view import CURVES, GUIDE, rgb

MEASURED = {label: CURVES[label, 0] for label in LABELS}  # GD white, momentum red, as on the Demo tab
THEORY = {"GD": (120, 120, 120), "Momentum": (140, 60, 60)}  # the same hues, dimmed: what the closed forms say
SLICE = (0, 200, 0)  # the Demo's slice, green as its optimum
YOURS = (230, 190, 0)
NAMES = {"GD": "GD", "Momentum": "momentum"}
MAX_POINTS = 600  # a trace is thinned to this many points: a chart is at most a few hundred dots wide
X_TICKS = [0, 1, 2, 3]  # log10 κ over the slider: 1, 10, 100, 1000


def _log(values) -> list[float]:
    return [math.log10(v) if v else math.nan for v in values]


def sweep_drawer(sweep: KappaSweep | None, run: KappaRun | None):
    """Iterations to 1e-6 against κ, both axes in decades: the closed forms as lines, the runs as dots, κ marks."""

    def draw(plt) -> None:
        plt.xlabel("κ · y: iterations to 1e-6")
        plt.xlim(0, math.log10(KAPPA.maximum))
        plt.xticks(X_TICKS, [f"{10**k:g}" for k in X_TICKS])
        if sweep is None:
            return
        xs = _log(sweep.kappas)
        highest = max(v for column in (*sweep.measured, *sweep.rate_at) for v in column if v)
        top = math.ceil(math.log10(highest))
        plt.ylim(0, top)
        plt.yticks(list(range(top + 1)), [decade_label(k) for k in range(top + 1)])
        plt.vertical_line(math.log10(sweep.slice_kappa), color=SLICE)
        if run is not None:
            plt.vertical_line(math.log10(run.kappa), color=YOURS)
        for j, label in enumerate(LABELS):
            plt.plot(xs, _log(sweep.rate_at[j]), marker="braille", color=THEORY[label])
        for j, label in enumerate(LABELS):
            plt.scatter(xs, _log(sweep.measured[j]), marker="braille", color=MEASURED[label])

    return draw


def thinned(values: tuple[float, ...], most: int = MAX_POINTS) -> tuple[list[int], list[float]]:
    """Every k-th (index, value) so that at most `most` remain, the last one always kept."""
    stride = max(1, math.ceil(len(values) / most))
    index = [*range(0, len(values), stride)]
    if index[-1] != len(values) - 1:
        index.append(len(values) - 1)
    return index, [values[i] for i in index]


def rate_line(method: KappaMethod, trace: tuple[float, ...]) -> list[float] | None:
    """log10 of the start's distance times ρᵏ at the trace's first and last iteration: the rate alone, a straight line.

    None at κ 1, where the rate is 0 (both methods arrive in one step) and there is no line to draw.
    """
    if method.rate <= 0 or not trace or trace[0] <= 0:
        return None
    start = math.log10(trace[0])
    return [start, start + (len(trace) - 1) * math.log10(method.rate)]


def trace_drawer(run: KappaRun | None):
    """Both runs at the learner's κ: the worse dimension's distance per iteration, and the rate's straight line."""

    def draw(plt) -> None:
        plt.xlabel("iteration · y: distance to optimum")
        if run is None:
            return
        longest = max(len(d) for d in run.distances)
        lines = [rate_line(m, t) for m, t in zip(run.methods, run.distances)]
        logs = [v for trace in run.distances for v in _log(trace) if math.isfinite(v)]
        logs += [y for line in lines if line is not None for y in line]
        lo = max(min([math.floor(math.log10(TOL)) - 1, *map(math.floor, logs)]), -16)  # a distance of 0 is not drawn
        hi = max([1, *map(math.ceil, logs)])  # heavy ball's first swings may go beyond where it started
        plt.xlim(0, max(longest - 1, 1))
        plt.ylim(lo, hi)
        ticks = [k for k in range(lo, hi + 1) if k % 2 == 0]
        plt.yticks(ticks, [decade_label(k) for k in ticks])
        plt.horizontal_line(math.log10(TOL), color=GUIDE)
        for method, trace, line in zip(run.methods, run.distances, lines):
            if line is not None:
                plt.plot([0, len(trace) - 1], line, marker="braille", color=THEORY[method.label])
        for method, trace in zip(run.methods, run.distances):
            xs, ys = thinned(trace)
            plt.plot(xs, _log(ys), marker="braille", color=MEASURED[method.label])

    return draw


def legend() -> Text:
    parts: list = [("•", rgb(MEASURED["GD"])), " GD ", ("•", rgb(MEASURED["Momentum"])), " momentum measured  "]
    parts += [("━", rgb(THEORY["GD"])), ("━", rgb(THEORY["Momentum"])), " theory (rate)  "]
    parts += [("│", rgb(SLICE)), " the Demo's slice  ", ("│", rgb(YOURS)), " your κ"]
    return Text.assemble(*parts, no_wrap=True, overflow="ellipsis")


def _setting(m: KappaMethod) -> str:
    return f"lr {m.lr:.1f}" + (f", β {m.beta:.2f}" if m.label == "Momentum" else "")


def _needs(m: KappaMethod) -> str:
    return "not within 20,000" if m.measured_at is None else f"{m.measured_at:,}"


def method_line(m: KappaMethod, short: bool) -> Text:
    """A method's best setting and rate, the iterations it needed (bold), then the closed forms' count (dim)."""
    needs = f"needs {_needs(m)}" if short else f"{_needs(m)} iterations"
    if m.label == LABELS[0]:
        more = f" (theory {m.rate_at:,})"
    elif short:
        more = f" (rate {m.rate_at:,}, exact {m.exact_at:,})"
    else:
        more = f" (the rate says {m.rate_at:,}, exactly {m.exact_at:,})"
    head = f"{m.label:<9} {_setting(m):<16} rate {m.rate:.3f} · "
    return Text.assemble(head, (needs, "bold " + rgb(MEASURED[m.label])), (more, "dim"))


def method_lines(run: KappaRun, width: int) -> list[Text]:
    """Both methods' lines, in the shorter wording when the longer would not fit `width` columns."""
    lines = [method_line(m, short=False) for m in run.methods]
    return lines if all(line.cell_len <= width for line in lines) else [method_line(m, True) for m in run.methods]


def kappa_text(kappa: float) -> str:
    """κ as its stepper shows it: three significant digits, and 1000 rather than 1e+03."""
    text = f"{kappa:.3g}"
    return f"{kappa:.0f}" if "e+" in text else text


def kappa_status(run: KappaRun | None, sweep: KappaSweep | None, width: int) -> Text:
    """The κ and its eigenvalues, each method's line, and how much faster momentum is, within `width` columns."""
    if run is None:
        return Text("computing GD and momentum on the quadratic…", style="dim")
    lo, hi = run.eigenvalues
    head = f"κ {kappa_text(run.kappa)}: λmin {lo:.2e}, λmax {hi:.4f}"
    if sweep is not None:
        head += f" · the Demo's slice has κ {sweep.slice_kappa:.2f}"
    gd, hb = (m.measured_at for m in run.methods)
    if gd and hb:
        faster = Text(f"momentum needs {gd / hb:.1f}× fewer; GD's count grows like κ, momentum's like √κ")
    else:
        faster = Text("")
    lines = [Text(head), *method_lines(run, width), faster]
    for line in lines:
        line.no_wrap, line.overflow = True, "ellipsis"
    return Text("\n").join(lines)


class KappaPane(Vertical):
    """The κ explorer tab's body: the κ stepper, the status, the legend, then the two charts side by side.

    It starts its runs through the screen's `start_run` (group GROUP) and draws what the screen hands back (`show`);
    its stepper's Changed stops here, so the Demo's own handler never sees it.
    """

    GROUP = "kappa"

    def __init__(self, start_run: Callable[..., object]) -> None:
        super().__init__(id="kappa-pane")
        self._start_run = start_run  # the screen's start_run(job, group): Escape and leaving it stop the run
        self.sweep: KappaSweep | None = None
        self.run: KappaRun | None = None
        self._note: Text | None = None  # a failure or a stop, shown instead of the numbers until the next run

    def compose(self) -> ComposeResult:
        yield Stepper("κ", **KAPPA.stepper_args(), label_width=2, id="kappa")
        yield StatusLine(kappa_status(None, None, 78), id="kappa-status")
        yield Static(legend(), classes="legend")
        with Horizontal(id="kappa-charts"):
            yield Chart(sweep_drawer(None, None), id="kappa-sweep")
            yield Chart(trace_drawer(None), id="kappa-trace")

    def start(self) -> None:
        """Run both methods at the stepper's κ (and the sweep over κ, the first time)."""
        self._note = None
        kappa = float(self.query_one("#kappa", Stepper).value)
        self._start_run(KappaJob(kappa, with_sweep=self.sweep is None), group=self.GROUP)

    @on(Stepper.Changed, "#kappa")
    def _kappa_changed(self, event: Stepper.Changed) -> None:
        event.stop()
        self.start()

    def set_kappa(self, kappa: float) -> None:
        """Move the stepper to `kappa` (a typed value, off the grid) and run there."""
        self.query_one("#kappa", Stepper).set_value(kappa)
        self.start()

    def show(self, events: list) -> None:
        for e in events:
            if isinstance(e, KappaSweep):
                self.sweep = e
            elif isinstance(e, KappaRun):
                self.run, self._note = e, None
            elif isinstance(e, Failed):
                self._note = Text(f"failed: {e.message}", style="bold red")
        self.query_one("#kappa-sweep", Chart).draw(sweep_drawer(self.sweep, self.run))
        self.query_one("#kappa-trace", Chart).draw(trace_drawer(self.run))
        self.show_status()

    def stopped(self) -> None:
        self._note = Text("stopped (Escape): change κ to run again", style="yellow")
        self.show_status()

    def show_status(self) -> None:
        status = self.query_one("#kappa-status", StatusLine)
        width = status.content_size.width or 78
        status.show(self._note if self._note is not None else kappa_status(self.run, self.sweep, width))

    def on_resize(self) -> None:
        self.call_after_refresh(self.show_status)
