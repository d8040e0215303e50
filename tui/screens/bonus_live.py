"""The state of one Bonus training run, rebuilt from its events (torch-free, widget-free)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..widgets.smoothing import Ema

SMOOTHING = 0.9  # TensorBoard-style debiased EMA weight of the smoothed curves


def event_name(event) -> str:
    """Events are matched by class name, so the screen never imports the torch-importing engine."""
    return type(event).__name__


@dataclass(frozen=True)
class HistoryAdded:
    """Screen-side event: the finished run was stored in the run history under `run_id`."""

    run_id: int


@dataclass(frozen=True)
class BenchmarkNote:
    """Screen-side event: a line describing the benchmark (from engine.benchmark.benchmark_info)."""

    text: str


@dataclass(frozen=True)
class SavedModel:
    """Screen-side event: the model was written to `path`."""

    path: str


def benchmark_note(info: dict) -> str:
    """One line about the benchmark: that it is this project's model, and how it was made."""
    arch = info.get("architecture") if isinstance(info.get("architecture"), dict) else {}
    hidden = arch.get("hidden") or info.get("hidden") or (200, 100, 50)
    recipe = info.get("recipe") if isinstance(info.get("recipe"), dict) else {}
    how = [str(recipe[k]).split("(")[0] for k in ("optimizer", "schedule") if recipe.get(k)]
    how = [" + ".join(how)] if how else []
    if recipe.get("epochs"):
        how.append(f"{recipe['epochs']} epochs")
    if recipe.get("batch_size"):
        how.append(f"batch {recipe['batch_size']}")
    if recipe.get("augmentation"):
        how.append("augmented images")
    if info.get("date"):
        how.append(str(info["date"])[:10])
    text = f"† Benchmark = this project's model, MLP {'-'.join(str(h) for h in hidden)}"
    return text + (f" ({', '.join(how)})" if how else "") + "; not the course's download."


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
    progress: object | None = None  # the last EpochProgress event
    status: str = ""
    diverged_at: int | None = None
    eval_rows: tuple = ()
    benchmark: str = ""
    done: str | None = None  # "completed" | "stopped" | "diverged" | "cancelled"
    seconds: float = 0.0
    failed: str | None = None
    history_id: int | None = None
    saved_to: str | None = None
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

    def _apply(self, ev) -> str:
        name = event_name(ev)
        if name == "TrainStarted":
            self.device, self.total_steps = ev.device, ev.total_steps
            self.batches_per_epoch, self.params, self.n_train = ev.batches_per_epoch, ev.params, ev.n_train
            self.config = dict(ev.config)
            return "status"
        if name == "TrainSteps":
            missing = ev.first_step - 1 - len(self.losses)
            self._extend([math.nan] * max(0, missing), [math.nan] * max(0, missing))
            skip = max(0, -missing)  # a repeated step is ignored rather than drawn twice
            self._extend(list(ev.losses[skip:]), list(ev.accs[skip:]))
            return "curves"
        if name == "Validation":
            self.val_steps.append(ev.step)
            self.val_losses.append(ev.loss)
            self.val_accs.append(ev.acc)
            return "curves"
        if name == "LogLine":
            self.log.append(ev.text)
            return "log"
        if name == "EpochProgress":
            self.progress = ev
            return "progress"
        if name == "Evaluation":
            self.eval_rows = tuple(ev.rows)
            return "eval"
        if name == "BenchmarkNote":
            self.benchmark = ev.text
            return "eval"
        if name == "Status":
            self.status = ev.text
            return "status"
        if name == "Diverged":
            self.diverged_at = ev.iteration
            return "status"
        if name == "Failed":
            self.failed = ev.message
            return "status"
        if name == "Done":
            self.done, self.seconds = ev.reason, ev.seconds
            return "status"
        if name == "HistoryAdded":
            self.history_id = ev.run_id
            return "status"
        if name == "SavedModel":
            self.saved_to = ev.path
            return "status"
        return ""

    def _extend(self, losses: list[float], accs: list[float]) -> None:
        self.losses += losses
        self.accs += accs
        self.smooth_losses += [self._ema_loss(v) for v in losses]
        self.smooth_accs += [self._ema_acc(v) for v in accs]

    def row(self, model_prefix: str):
        """The evaluation row whose model name starts with the prefix, if any."""
        return next((r for r in self.eval_rows if r.model.lower().startswith(model_prefix.lower())), None)
