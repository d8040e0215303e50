"""One loss-vs-seconds chart per batch size, each with the course's target shown as met or not, in lines that fit."""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from engine.contracts.minibatch import MAX_BATCH_SIZES, TARGET_LOSS, target_met

from ..charts.chart import Chart, dimmed

MAX_PANELS = MAX_BATCH_SIZES
LOSS_CAP = 1e3  # a diverging run's losses are clipped here (and the chart says so), so 2.3 .. 0.4 stays readable
BLUE = (31, 119, 180)
SAME = 5e-4  # a learner's losses this close to the reference's, step for step, read "as the reference"


class BudgetPanel(Vertical):
    """Loss against elapsed seconds for one batch size, with its own y scale (as the course)."""

    DEFAULT_CSS = """
    BudgetPanel { width: 1fr; height: 1fr; }
    BudgetPanel Chart { height: 1fr; }
    BudgetPanel .verdict { height: 1; padding: 0 1; text-wrap: nowrap; }
    BudgetPanel .verdict.-met { color: $text-success; }
    BudgetPanel .verdict.-missed { color: $text-warning; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.reset(0, 0.0, 0.0)

    def reset(self, batch_size: int, lr: float, budget: float) -> None:
        self.batch_size, self.lr, self.budget = batch_size, lr, budget
        self.times: list[float] = []
        self.losses: list[float] = []
        self.ref_times: list[float] = []  # the reference's steps beside a learner's sampler (at their seconds)
        self.ref_losses: list[float] = []
        self.state = "waiting"  # waiting, running, done, diverged

    def compose(self) -> ComposeResult:
        yield Chart(self._draw, y_cap=LOSS_CAP)
        yield Static("", classes="verdict")

    def on_resize(self) -> None:
        self.update_view()
        if isinstance(self.parent, BudgetPanels):
            self.parent.align()

    def add(self, times, losses, reference: bool = False) -> None:
        (self.ref_times if reference else self.times).extend(times)
        (self.ref_losses if reference else self.losses).extend(losses)

    def against_reference(self) -> str:
        """ "" without the reference beside; else "= reference" or the reference's own verdict."""
        if not self.ref_losses:
            return ""
        pairs = list(zip(self.losses, self.ref_losses))
        same = len(self.ref_losses) == len(self.losses) and all(
            abs(a - b) <= SAME for a, b in pairs if math.isfinite(a) and math.isfinite(b)
        )
        if same and all(math.isfinite(a) == math.isfinite(b) for a, b in pairs):
            return "= the reference"
        _, mean = target_met(self.ref_times, self.ref_losses)
        return f"reference {mean:.3f}" if math.isfinite(mean) else "reference diverged"

    def verdict_parts(self) -> list[str]:
        """What the panel says under its chart, in pieces that may go on separate lines."""
        met, mean = target_met(self.times, self.losses)
        if not self.losses:
            return ["waiting" if self.state == "waiting" else "starting…"]
        if self.state == "diverged":
            return ["✗ diverged", f"after {len(self.losses) - 1:,} steps", f"lr {self.lr:g}"]
        verdict = f"✓ {mean:.3f} < {TARGET_LOSS:g}" if met else f"✗ {mean:.3f} ≥ {TARGET_LOSS:g}"
        reference = self.against_reference()
        return [verdict, *([reference] if reference else []), f"lr {self.lr:g}", f"{len(self.losses):,} steps"]

    def verdict_lines(self) -> list[str]:
        """The parts joined by " · " into as few lines as the panel's width allows (never cut)."""
        width = max(1, self.size.width - 2)  # the verdict's padding
        lines: list[str] = []
        for part in self.verdict_parts():
            if lines and len(lines[-1]) + 3 + len(part) <= width:
                lines[-1] += " · " + part
            else:
                lines.append(part)
        return lines

    def update_view(self) -> None:
        self.query_one(Chart).redraw()
        verdict = self.query_one(".verdict", Static)
        verdict.update("\n".join(self.verdict_lines()))
        met, _ = target_met(self.times, self.losses)
        done = self.state in ("done", "diverged")
        verdict.set_class(bool(self.losses) and done and met, "-met")
        verdict.set_class(bool(self.losses) and done and not met, "-missed")

    def _draw(self, plt) -> None:
        if self.batch_size:
            plt.title((f"Batch size: {self.batch_size}", f"Batch {self.batch_size}", f"{self.batch_size}"))
        plt.xlabel("Seconds")
        plt.ylabel("Loss")
        if self.budget:
            plt.xlim(0, self.budget)
        # The Chart drops NaN/inf, clips huge values and keeps two points per pixel column.
        if self.ref_losses:  # first, dimmed: the learner's curve covers it where they agree
            plt.plot(self.ref_times, self.ref_losses, marker="braille", color=dimmed(BLUE))
        if self.losses:
            plt.plot(self.times, self.losses, marker="braille", color=BLUE)
            finite = [v for v in self.losses if math.isfinite(v)]
            if finite and min(finite) < TARGET_LOSS < max(finite) * 1.5:
                plt.horizontal_line(TARGET_LOSS, color="gray")


class BudgetPanels(Horizontal):
    """Up to MAX_PANELS BudgetPanels; only as many as there are batch sizes are shown."""

    DEFAULT_CSS = "BudgetPanels { height: 1fr; }"

    def compose(self) -> ComposeResult:
        for i in range(MAX_PANELS):
            yield BudgetPanel(id=f"panel-{i}")

    def panel(self, index: int) -> BudgetPanel:
        return self.query_one(f"#panel-{index}", BudgetPanel)

    def prepare(self, batch_sizes: list[int], lrs: list[float], budget: float) -> None:
        for i in range(MAX_PANELS):
            p = self.panel(i)
            p.display = i < len(batch_sizes)
            if i < len(batch_sizes):
                p.reset(batch_sizes[i], lrs[i], budget)
                p.update_view()
        self.align()

    def align(self) -> None:
        """Every shown verdict as tall as the tallest, so the charts above them line up."""
        shown = [p for p in self.query(BudgetPanel) if p.display]
        height = max((len(p.verdict_lines()) for p in shown), default=1)
        for p in shown:
            p.query_one(".verdict", Static).styles.height = height
