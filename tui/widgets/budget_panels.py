"""One loss-vs-seconds chart per batch size, each with the course's target shown as met or not."""

from __future__ import annotations

import math

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from engine.contracts.minibatch import MAX_BATCH_SIZES, TARGET_LOSS, target_met

from .chart import Chart, downsample

MAX_PANELS = MAX_BATCH_SIZES


class BudgetPanel(Vertical):
    """Loss against elapsed seconds for one batch size, with its own y scale (as the course)."""

    DEFAULT_CSS = """
    BudgetPanel { width: 1fr; height: 1fr; }
    BudgetPanel Chart { height: 1fr; }
    BudgetPanel .verdict { height: 1; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
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
        self.state = "waiting"  # waiting, running, done, diverged

    def compose(self) -> ComposeResult:
        yield Chart(self._draw)
        yield Static("", classes="verdict")

    def add(self, times, losses) -> None:
        self.times.extend(times)
        self.losses.extend(losses)

    def update_view(self) -> None:
        self.query_one(Chart).refresh()
        verdict = self.query_one(".verdict", Static)
        met, mean = target_met(self.times, self.losses)
        if not self.losses:
            text = "waiting" if self.state == "waiting" else "starting…"
        elif self.state == "diverged":
            text = f"✗ diverged after {len(self.losses) - 1} steps"
        else:
            text = f"lr {self.lr:g}: " + (
                f"✓ {mean:.3f} < {TARGET_LOSS:g}" if met else f"✗ {mean:.3f} ≥ {TARGET_LOSS:g}"
            )
            text += f", {len(self.losses):,} steps"
        verdict.update(text)
        done = self.state in ("done", "diverged")
        verdict.set_class(bool(self.losses) and done and met, "-met")
        verdict.set_class(bool(self.losses) and done and not met, "-missed")

    def _draw(self, plt) -> None:
        plt.title(f"Batch size: {self.batch_size}" if self.batch_size else "")
        plt.xlabel("Seconds")
        plt.ylabel("Loss")
        if self.budget:
            plt.xlim(0, self.budget)
        finite = [(t, v) for t, v in zip(self.times, self.losses) if math.isfinite(v)]
        if finite:
            width = max(10, self.size.width)
            xs, ys = downsample([t for t, _ in finite], [v for _, v in finite], 2 * width)
            plt.plot(xs, ys, marker="braille", color=(31, 119, 180))
            if min(ys) < TARGET_LOSS < max(ys) * 1.5:
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
