"""The state of one Bonus training run, rebuilt from its events (torch-free, widget-free)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from engine.contracts.bonus import (
    BenchmarkNote,
    EpochProgress,
    EvalRow,
    Evaluation,
    HistoryAdded,
    HistoryFailed,
    LogLine,
    ModelHeld,
    SavedModel,
    TrainStarted,
    TrainSteps,
    Validation,
)
from engine.events import Diverged, Done, Event, Failed, Status

from ...charts.smoothing import Ema
from .sweep_live import SweepMemory

SMOOTHING = 0.9  # TensorBoard-style debiased EMA weight of the smoothed curves


@dataclass
class LiveRun:
    """Everything the Train tab draws about the current run."""

    device: str = ""
    total_steps: int = 0
    batches_per_epoch: int = 0
    params: int = 0
    n_train: int = 0
    config: dict = field(default_factory=dict)
    losses: list[float] = field(default_factory=list)  # per iteration; step = index + 1
    accs: list[float] = field(default_factory=list)
    smooth_losses: list[float] = field(default_factory=list)
    smooth_accs: list[float] = field(default_factory=list)
    val_steps: list[int] = field(default_factory=list)
    val_losses: list[float] = field(default_factory=list)
    val_accs: list[float] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    progress: EpochProgress | None = None  # the last one
    status: str = ""
    diverged_at: int | None = None
    eval_rows: tuple[EvalRow, ...] = ()
    benchmark: str = ""
    done: str | None = None  # "completed" | "stopped" | "diverged" | "cancelled" | "left" (the screen, mid-run)
    seconds: float = 0.0
    failed: str | None = None
    history_id: int | None = None
    history_error: str | None = None  # why the run could not be stored in the history
    saved_to: str | None = None
    token: str | None = None  # the engine holds this run's model under it (SaveJob names it)
    model_lost: bool = False  # the engine that held it was restarted: there is nothing to save
    evaluating_only: bool = False  # a loaded model's evaluation, not a training run

    def __post_init__(self) -> None:
        self._ema_loss, self._ema_acc = Ema(SMOOTHING), Ema(SMOOTHING)

    @property
    def steps(self) -> int:
        return len(self.losses)

    @property
    def started(self) -> bool:
        return self.total_steps > 0

    def apply(self, events) -> set[str]:
        """Take a batch of events in order; return which parts changed: curves, log, progress, eval, status."""
        changed: set[str] = set()
        for ev in events:
            changed.add(self._apply(ev))
        changed.discard("")
        return changed

    def _apply(self, ev: Event) -> str:
        """One event: the curves, log and results here, how the run stands in _apply_status."""
        if isinstance(ev, TrainSteps):
            missing = ev.first_step - 1 - len(self.losses)
            self._extend([math.nan] * max(0, missing), [math.nan] * max(0, missing))
            skip = max(0, -missing)  # a repeated step is ignored rather than drawn twice
            self._extend(list(ev.losses[skip:]), list(ev.accs[skip:]))
            return "curves"
        if isinstance(ev, Validation):
            self.val_steps.append(ev.step)
            self.val_losses.append(ev.loss)
            self.val_accs.append(ev.acc)
            return "curves"
        if isinstance(ev, LogLine):
            self.log.append(ev.text)
            return "log"
        if isinstance(ev, EpochProgress):
            self.progress = ev
            return "progress"
        if isinstance(ev, Evaluation):
            self.eval_rows = tuple(ev.rows)
            return "eval"
        if isinstance(ev, BenchmarkNote):
            self.benchmark = ev.text
            return "eval"
        if isinstance(ev, ModelHeld):
            self.token = ev.token
            return ""
        return self._apply_status(ev)

    def _apply_status(self, ev: Event) -> str:
        if isinstance(ev, TrainStarted):
            self.device, self.total_steps = ev.device, ev.total_steps
            self.batches_per_epoch, self.params, self.n_train = ev.batches_per_epoch, ev.params, ev.n_train
            self.config = dict(ev.config)
        elif isinstance(ev, Status):
            self.status = ev.text
        elif isinstance(ev, Diverged):
            self.diverged_at = ev.iteration
        elif isinstance(ev, Failed):
            self.failed = ev.message
        elif isinstance(ev, Done):
            self.done, self.seconds = ev.reason, ev.seconds
        elif isinstance(ev, HistoryAdded):
            self.history_id = ev.run_id
        elif isinstance(ev, HistoryFailed):
            self.history_error = ev.reason
        elif isinstance(ev, SavedModel):
            self.saved_to = ev.path
        else:
            return ""
        return "status"

    def _extend(self, losses: list[float], accs: list[float]) -> None:
        self.losses += losses
        self.accs += accs
        self.smooth_losses += [self._ema_loss(v) for v in losses]
        self.smooth_accs += [self._ema_acc(v) for v in accs]

    def row(self, model_prefix: str) -> EvalRow | None:
        """The evaluation row whose model name starts with the prefix, if any."""
        return next((r for r in self.eval_rows if r.model.lower().startswith(model_prefix.lower())), None)


@dataclass
class BonusMemory:
    """What the Bonus shows, kept by the app (App.memory["bonus"]) while it runs: the settings as
    typed (SettingsPanel.snapshot()) and the last run, with its curves, log and table."""

    settings: dict = field(default_factory=dict)
    live: LiveRun = field(default_factory=LiveRun)
    log_y: bool = False  # the loss charts on a log axis (y): good runs that hug 0 come apart
    sweep: SweepMemory = field(default_factory=SweepMemory)  # the Sweep tab's fields and last sweep

    def engine_restarted(self) -> None:
        """The engine was replaced: the model it held for the last run is gone, so nothing offers to save it."""
        if self.live.token is not None:
            self.live.token, self.live.model_lost = None, True
