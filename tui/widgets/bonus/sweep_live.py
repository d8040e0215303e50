"""The state of one Bonus sweep, rebuilt from its events (torch-free, widget-free)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine.contracts.bonus import HistoryFailed
from engine.contracts.sweep import (
    SWEEPABLE,
    SweepCopy,
    SweepDiverged,
    SweepProgress,
    SweepResult,
    SweepRow,
    SweepStarted,
    SweepSteps,
    SweepStored,
    SweepValidation,
)
from engine.events import Done, Event, Failed, Status


@dataclass
class SweepLive:
    """Everything the Sweep tab draws about the current sweep."""

    axes: tuple[str, ...] = ()  # the swept settings (SWEEPABLE keys), as the plan named them
    device: str = ""
    n_train: int = 0
    copies: tuple[SweepCopy, ...] = ()
    total_steps: tuple[int, ...] = ()
    groups: int = 0
    steps: dict[int, int] = field(default_factory=dict)  # copy -> iterations trained (sent so far)
    vals: dict[int, list[tuple[int, float, float]]] = field(default_factory=dict)  # copy -> (step, loss, acc)
    diverged: dict[int, int] = field(default_factory=dict)  # copy -> iteration
    progress: SweepProgress | None = None
    result: tuple[SweepRow, ...] = ()
    status: str = ""
    done: str | None = None  # "completed" | "stopped" | "cancelled" | "left"
    seconds: float = 0.0
    failed: str | None = None
    group: str | None = None  # its group in the run history, once stored
    run_ids: tuple[int, ...] = ()
    history_error: str | None = None

    @property
    def started(self) -> bool:
        return bool(self.copies)

    @property
    def running(self) -> bool:
        return self.done is None and self.failed is None

    def apply(self, events: list[Event]) -> set[str]:
        """Take a batch of events in order; return what changed: curves, progress, result, status."""
        changed = {self._apply(ev) for ev in events}
        changed.discard("")
        return changed

    def _apply(self, ev: Event) -> str:
        """One event: the copies' curves and progress here, how the sweep stands in _apply_status."""
        if isinstance(ev, SweepStarted):
            self.device, self.n_train, self.copies = ev.device, ev.n_train, ev.copies
            self.total_steps, self.groups = ev.total_steps, ev.groups
            self.steps = dict.fromkeys(range(len(ev.copies)), 0)
            self.vals = {i: [] for i in range(len(ev.copies))}
            return "status"
        if isinstance(ev, SweepSteps):
            self.steps[ev.copy] = max(self.steps.get(ev.copy, 0), ev.first_step - 1 + len(ev.losses))
            return "progress"
        if isinstance(ev, SweepValidation):
            self.vals.setdefault(ev.copy, []).append((ev.step, ev.loss, ev.acc))
            return "curves"
        if isinstance(ev, SweepDiverged):
            self.diverged[ev.copy] = ev.iteration
            return "curves"
        if isinstance(ev, SweepProgress):
            self.progress = ev
            return "progress"
        if isinstance(ev, SweepResult):
            self.result = ev.rows
            return "result"
        return self._apply_status(ev)

    def _apply_status(self, ev: Event) -> str:
        if isinstance(ev, SweepStored):
            self.group, self.run_ids = ev.group, ev.run_ids
        elif isinstance(ev, HistoryFailed):
            self.history_error = ev.reason
        elif isinstance(ev, Status):
            self.status = ev.text
        elif isinstance(ev, Failed):
            self.failed = ev.message
        elif isinstance(ev, Done):
            self.done, self.seconds = ev.reason, ev.seconds
        else:
            return ""
        return "status"

    def label(self, copy: int) -> str:
        return self.copies[copy].label if 0 <= copy < len(self.copies) else f"copy {copy + 1}"

    def best(self) -> SweepRow | None:
        """The copy with the best validation accuracy, when the sweep has ranked its copies."""
        row = self.result[0] if self.result else None
        return row if row is not None and math.isfinite(row.val_acc) else None

    def config_of(self, copy: int) -> dict:
        return dict(self.copies[copy].config) if 0 <= copy < len(self.copies) else {}

    def batches_per_epoch(self, copy: int) -> int:
        batch = int(self.config_of(copy).get("batch_size", 64) or 64)
        return max(1, math.ceil(max(1, self.n_train) / batch))

    def axis_label(self, key: str) -> str:
        return SWEEPABLE[key].label if key in SWEEPABLE else key


@dataclass
class SweepMemory:
    """The Sweep tab's fields as typed and its last sweep, kept by the app while it runs."""

    fields: dict = field(default_factory=dict)
    live: SweepLive = field(default_factory=SweepLive)
