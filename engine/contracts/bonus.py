"""Bonus, "Putting it all together": a training run's settings and their rules, its jobs and its events."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields

from ..events import Event
from ..hidden import HiddenSizesError, parse_hidden
from ..optimizers import OPTIMIZERS
from ..resources import FLOAT, Estimate, estimate
from .base import COURSE_SEED, Job, Range, SettingError

N_TRAIN, N_VAL = 50_000, 10_000  # the course's random_split of the 60,000 training images
N_TEST = 10_000  # MNIST's test set
PIXELS = 28 * 28
EVAL_BATCH = 8192  # examples scored at once (engine.evaluation): few kernel launches, modest memory

# The settings' sliders and their defaults (the course's: Adam, lr 1e-5, batch 64, 2 epochs). A typed
# value must lie on the slider; the engine's own rules (TrainConfig.validate) are wider, e.g. any lr > 0.
LR = Range("learning rate", 1e-5, 1e-6, 10.0, 0.1, scale="log")
MOMENTUM = Range("momentum", 0.9, 0.0, 0.99, 0.01)
ALPHA = Range("alpha", 0.99, 0.0, 0.999, 0.001)
BETA1 = Range("beta1", 0.9, 0.0, 0.99, 0.01)
BETA2 = Range("beta2", 0.999, 0.9, 0.9999, 0.0001)
WEIGHT_DECAY = Range("weight decay", 0.0, 0.0, 0.1, 0.001)
# Batch sizes step through powers of two; any whole number up to the whole split can be typed.
BATCH_SIZE = Range("batch size", 64, 1, N_TRAIN, math.log10(2), scale="log", integer=True)
# Up to the benchmark's recipe (120 epochs) on the slider; a longer run can be typed.
EPOCHS = Range("epochs", 2, 1, 120, 1, integer=True, typed_max=200)
MAX_BATCH, MAX_EPOCHS = int(BATCH_SIZE.highest), int(EPOCHS.highest)
DEFAULT_HIDDEN = (200, 100, 50)
DEFAULT_SEED = COURSE_SEED
VAL_EVERY = 200  # batches between validations, as the course's VAL_FREQ / LOG_FREQ

# Learning-rate schedules (torch.optim.lr_scheduler, stepped after every batch) and what each does.
SCHEDULES: dict[str, str] = {
    "constant": "lr stays as set",
    "step": "lr x0.1 at 50% and 75% of the run",
    "cosine": "lr falls along a cosine to 0",
    "one-cycle": "lr/25 up to lr in 20%, then down to ~0",
}
ONE_CYCLE_WARMUP = 0.2  # the fraction of the run one-cycle spends rising (the benchmark's pct_start)
ONE_CYCLE_SWING = 0.05  # one-cycle moves Adam's beta1 this far below its setting while the lr is high
STEP_MILESTONES = (0.5, 0.75)  # "step": where in the run the lr is cut
STEP_GAMMA = 0.1
# Augmentation of each training batch on the device: off, or a random affine map per image with the
# benchmark's ranges (engine.augment): rotation +-10 degrees, scale 1 +- 0.1, shift +-2 pixels.
AUGMENTATIONS: dict[str, str] = {
    "off": "the images as they are",
    "affine": "each image rotated ±10°, scaled ±10%, shifted ±2 px",
}
AFFINE = (10.0, 0.1, 2.0)  # rotation (degrees), scale (fraction), shift (pixels)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _unknown(what: str, value, known) -> list[str]:
    """[the message] when `value` is not one of `known`, else []."""
    return [] if value in known else [f"unknown {what} {value!r}; choose one of {', '.join(known)}"]


def check_hidden(hidden: Sequence[int]) -> tuple[int, ...]:
    """Hidden sizes that are already numbers, by engine.hidden's rules; HiddenSizesError says why not."""
    if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence):
        raise HiddenSizesError(f"{hidden!r} is not a list of layer sizes")
    for size in hidden:
        if not _is_int(size):
            raise HiddenSizesError(f"{size!r} is not a whole number")
    return tuple(parse_hidden(", ".join(str(size) for size in hidden)))  # one rule: the one typed text follows


@dataclass(frozen=True)
class TrainConfig:
    """One training run's settings; the defaults are the course's (Adam, lr 1e-5, batch 64, 2 epochs)."""

    optimizer: str = "Adam"
    lr: float = LR.default
    momentum: float = MOMENTUM.default
    alpha: float = ALPHA.default
    beta1: float = BETA1.default
    beta2: float = BETA2.default
    weight_decay: float = WEIGHT_DECAY.default
    batch_size: int = int(BATCH_SIZE.default)
    epochs: int = int(EPOCHS.default)
    schedule: str = "constant"
    augment: str = "off"
    hidden: tuple[int, ...] = DEFAULT_HIDDEN
    seed: int = DEFAULT_SEED
    val_every: int = VAL_EVERY
    train_limit: int | None = None  # only the first N examples of the 50k split (tests, quick runs)

    def validate(self) -> list[str]:
        """Human messages for impossible values; [] when the run can start."""
        errors = _unknown("optimizer", self.optimizer, OPTIMIZERS)
        errors += self._rate_errors()
        if not _is_int(self.batch_size) or not 1 <= self.batch_size <= MAX_BATCH:
            errors.append(f"batch size must be a whole number from 1 to {MAX_BATCH:,}, got {self.batch_size!r}")
        if not _is_int(self.epochs) or not 1 <= self.epochs <= MAX_EPOCHS:
            errors.append(f"epochs must be a whole number from 1 to {MAX_EPOCHS}, got {self.epochs!r}")
        errors += _unknown("schedule", self.schedule, SCHEDULES)
        errors += _unknown("augmentation", self.augment, AUGMENTATIONS)
        return errors + self._run_errors()

    def _rate_errors(self) -> list[str]:
        """The learning rate and the optimizers' coefficients: finite, and each in its range."""
        names = ("lr", "momentum", "alpha", "beta1", "beta2", "weight_decay")
        finite = {name: _finite(getattr(self, name)) for name in names}
        errors = [
            f"{n.replace('_', ' ')} must be a finite number, got {getattr(self, n)!r}" for n in names if not finite[n]
        ]
        if finite["lr"] and self.lr <= 0:
            errors.append(f"learning rate must be greater than 0, got {self.lr:g}")
        if finite["momentum"] and not 0 <= self.momentum < 1:
            errors.append(f"momentum must be in [0, 1), got {self.momentum:g}")
        if self.optimizer == "Nesterov" and finite["momentum"] and self.momentum == 0:
            errors.append("Nesterov needs momentum greater than 0")
        for name, label in (("alpha", "alpha (RMSprop averaging)"), ("beta1", "beta1"), ("beta2", "beta2")):
            if finite[name] and not 0 <= getattr(self, name) < 1:
                errors.append(f"{label} must be in [0, 1), got {getattr(self, name):g}")
        if finite["weight_decay"] and self.weight_decay < 0:
            errors.append(f"weight decay cannot be negative, got {self.weight_decay:g}")
        return errors

    def _run_errors(self) -> list[str]:
        """How the run is watched and seeded, how much data it sees, and the network's hidden sizes."""
        errors = []
        if not _is_int(self.val_every) or self.val_every < 1:
            errors.append(f"validation interval must be at least 1 batch, got {self.val_every!r}")
        if not _is_int(self.seed) or self.seed < 0:
            errors.append(f"seed must be a whole number >= 0, got {self.seed!r}")
        if self.train_limit is not None and (not _is_int(self.train_limit) or not 1 <= self.train_limit <= N_TRAIN):
            errors.append(f"train limit must be from 1 to {N_TRAIN:,}, got {self.train_limit!r}")
        try:
            check_hidden(self.hidden)
        except HiddenSizesError as exc:
            errors.append(f"hidden sizes: {exc}")
        return errors

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """The inverse of to_dict; unknown keys (from newer versions) are ignored."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        if "hidden" in kwargs:
            kwargs["hidden"] = tuple(int(h) for h in kwargs["hidden"])
        return cls(**kwargs)


DEFAULTS = TrainConfig()


# -- jobs ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainJob(Job):
    """Train with `config`, evaluate (also after a polite stop), keep the run in the history and the model
    in the engine (ModelHeld names it for SaveJob)."""

    compute = "engine.sections.bonus:train_job"
    keeps = True  # the trained model, for SaveJob

    config: TrainConfig = DEFAULTS
    evaluate_benchmark: bool = True
    cuda_graph: bool = False  # CUDA only: replay one captured training step per batch (engine.training_graph)

    def __post_init__(self) -> None:
        if not isinstance(self.config, TrainConfig):
            raise SettingError(f"a training run needs a TrainConfig, got {type(self.config).__name__}")
        errors = self.config.validate()
        if errors:
            raise SettingError("; ".join(errors))

    def estimate(self, device: str = "cpu", free_bytes: int | None = None) -> Estimate | None:
        """The run's peak (training, or scoring EVAL_BATCH validation images while the gradients and the
        optimizer's state are kept) and its time: every epoch's batches, the validations, the final scoring."""
        cfg = self.config
        n = cfg.train_limit or N_TRAIN
        batch = min(cfg.batch_size, n)
        per_epoch = math.ceil(n / cfg.batch_size)
        steps = cfg.epochs * per_epoch
        widest = max((*cfg.hidden, 10))
        data = (
            N_VAL * (PIXELS * FLOAT + 8)  # the validation split, gathered once (images and int64 labels)
            + (N_TRAIN + N_VAL + n) * 8  # the split's indices and an epoch's permutation
            + steps * 2 * FLOAT  # each step's loss and accuracy, kept on the device
            + batch * (PIXELS * FLOAT + 16)  # the batch gathered, its labels and indices
            + min(EVAL_BATCH, N_VAL) * (PIXELS + 2 * widest) * FLOAT  # a validation chunk and its two layers
        )
        scored = cfg.epochs * (per_epoch // cfg.val_every) * N_VAL + n + N_TEST  # forward only: a third of a step
        momentum = cfg.optimizer == "RMSprop" and cfg.momentum > 0
        return estimate(
            cfg.hidden,
            batch,
            steps=steps,
            optimizer="RMSprop momentum" if momentum else cfg.optimizer,
            data_bytes=data,
            device=device,
            free_bytes=free_bytes,
            examples=cfg.epochs * n + scored // 3,
            advice="Choose smaller hidden sizes or a smaller batch size.",
        )


def _check_path(path) -> None:
    if not isinstance(path, str) or not path.strip():
        raise SettingError("type a file path")


@dataclass(frozen=True)
class EvaluateJob(Job):
    """Score a saved model (and the benchmark) on the training and test sets."""

    compute = "engine.sections.bonus:evaluate_job"

    path: str = ""
    evaluate_benchmark: bool = True

    def __post_init__(self) -> None:
        _check_path(self.path)


@dataclass(frozen=True)
class SaveJob(Job):
    """Write the model the engine holds under `token` to `path` (.pt) and its settings next to it (.json)."""

    compute = "engine.sections.bonus:save_job"

    path: str = ""
    overwrite: bool = False
    token: str = ""

    def __post_init__(self) -> None:
        _check_path(self.path)


# -- events -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainStarted(Event):
    """The run is set up: data sizes, the step count it will take and the model's size."""

    device: str
    n_train: int
    n_val: int
    n_test: int
    batches_per_epoch: int
    total_steps: int
    params: int
    config: dict = field(default_factory=dict)


@dataclass(frozen=True)
class TrainSteps(Event):
    """Per-iteration train loss and accuracy (0..1) of steps first_step, first_step+1, ... (1-based step_idx)."""

    first_step: int
    losses: tuple[float, ...]
    accs: tuple[float, ...]


@dataclass(frozen=True)
class Validation(Event):
    """Loss and accuracy (0..1) over the whole validation split after `step` (batch is 1-based in its epoch)."""

    step: int
    epoch: int
    batch: int
    loss: float
    acc: float


@dataclass(frozen=True)
class LogLine(Event):
    """One of the course's printed lines, e.g. "[VALID] Epoch 1 - Batch 200 - Loss: 2.235 - Acc: 38.193%"."""

    text: str


@dataclass(frozen=True)
class EpochProgress(Event):
    """Where the run is: `batch` of `batches` in `epoch` of `epochs`, its speed and the time left."""

    epoch: int
    epochs: int
    batch: int
    batches: int
    samples_per_s: float
    eta_s: float
    lr: float = math.nan  # the learning rate the schedule has reached (the first group's)


@dataclass(frozen=True)
class EvalRow:
    """One row of the final table; accuracies in 0..1. Train = the 50,000-example split (never augmented),
    val = the 10,000-example validation split (what a learner chooses on), test = scored for this table only."""

    model: str
    train_loss: float
    test_loss: float
    train_acc: float
    test_acc: float
    val_loss: float = math.nan  # nan: not known (a model saved before validation was scored)
    val_acc: float = math.nan


@dataclass(frozen=True)
class Evaluation(Event):
    """The final table: "Your model" (or the saved model) first, then the benchmark."""

    rows: tuple[EvalRow, ...]


@dataclass(frozen=True)
class BenchmarkNote(Event):
    """A line describing the benchmark model: that it is this project's, and how it was trained."""

    text: str


@dataclass(frozen=True)
class ModelHeld(Event):
    """The engine keeps this run's model under `token` until the next run: SaveJob(token=...) writes it."""

    token: str


@dataclass(frozen=True)
class HistoryAdded(Event):
    """The finished run was stored in the run history under `run_id`."""

    run_id: int


@dataclass(frozen=True)
class HistoryFailed(Event):
    """The finished run could not be stored in the run history; `reason` says why (the file, the fix)."""

    reason: str


@dataclass(frozen=True)
class SavedModel(Event):
    """The model was written to `path`."""

    path: str


def valid_line(epoch: int, batch: int, loss: float, acc: float) -> str:
    """The course's validation print, acc in 0..1."""
    return f"[VALID] Epoch {epoch} - Batch {batch} - Loss: {loss:.3f} - Acc: {100 * acc:.3f}%"


def train_line(epoch: int, batch: int, loss: float, acc: float) -> str:
    """The course's running-mean training print, acc in 0..1."""
    return f"[TRAIN] Epoch {epoch} - Batch {batch} - Loss: {loss:.3f} - Acc: {100 * acc:.3f}%"
