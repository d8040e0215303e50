"""What a Bonus training run has recorded: per-step loss and accuracy (cut where the loss diverged) and validations."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

from .contracts.bonus import LogLine, TrainSteps, Validation, valid_line
from .events import Diverged, Event
from .streaming import LossStream

YOUR_MODEL = "Your model"  # the learner's model, in the final table and the divergence message


@dataclass
class RunCurves:
    """The curves as sent so far; `stream` holds the steps not sent yet (series 0 the loss, 1 the accuracy)."""

    stream: LossStream
    losses: list[float] = field(default_factory=list)
    accs: list[float] = field(default_factory=list)
    val_steps: list[int] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    diverged: bool = False

    def flush(self) -> Iterator[Event]:
        """Send the steps not sent yet; stop at the first non-finite loss (then `diverged`)."""
        chunks = {chunk.series: chunk for chunk in self.stream.flush()}
        loss = chunks.get(0)
        if loss is None:
            return
        good_accs = chunks[1].values[: len(loss.values)]
        self.losses.extend(loss.values)
        self.accs.extend(good_accs)
        if loss.values:
            yield TrainSteps(loss.start + 1, loss.values, good_accs)
        if loss.diverged_at is not None:
            self.diverged = True
            yield Diverged(loss.diverged_at, YOUR_MODEL)  # 0-based iteration, as engine.events

    def validated(self, step: int, epoch: int, batch: int, loss: float, acc: float) -> Iterator[Event]:
        """Keep a validation of the weights after `step` steps and say it, as the course's [VALID] line."""
        self.val_steps.append(step)
        self.val_loss.append(loss)
        self.val_acc.append(acc)
        yield Validation(step, epoch, batch, loss, acc)
        yield LogLine(valid_line(epoch, batch, loss, acc))

    def validated_at(self, step: int) -> bool:
        return bool(self.val_steps) and self.val_steps[-1] == step

    def last_validation(self, step: int) -> tuple[float, float]:
        """(loss, accuracy) of the validation after `step` steps, NaNs if the last one was earlier."""
        return (self.val_loss[-1], self.val_acc[-1]) if self.validated_at(step) else (math.nan, math.nan)

    def mean_of_last(self, k: int) -> tuple[float, float]:
        """The mean training loss and accuracy of the last `k` steps (the course's [TRAIN] line)."""
        return sum(self.losses[-k:]) / k, sum(self.accs[-k:]) / k
