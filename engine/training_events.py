"""Events a Bonus-section training run yields: plain numbers and text, batched a few times a second."""

from __future__ import annotations

from dataclasses import dataclass, field

from .events import Event


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


@dataclass(frozen=True)
class EvalRow:
    """One row of the course's final table; accuracies in 0..1."""

    model: str
    train_loss: float
    test_loss: float
    train_acc: float
    test_acc: float


@dataclass(frozen=True)
class Evaluation(Event):
    """The final table: "Your model" first, then the benchmark."""

    rows: tuple[EvalRow, ...]


def valid_line(epoch: int, batch: int, loss: float, acc: float) -> str:
    """The course's validation print, acc in 0..1."""
    return f"[VALID] Epoch {epoch} - Batch {batch} - Loss: {loss:.3f} - Acc: {100 * acc:.3f}%"


def train_line(epoch: int, batch: int, loss: float, acc: float) -> str:
    """The course's running-mean training print, acc in 0..1."""
    return f"[TRAIN] Epoch {epoch} - Batch {batch} - Loss: {loss:.3f} - Acc: {100 * acc:.3f}%"
