"""Section 6, minibatches: the cost measurement's and the budgeted runs' settings, parsers, target rule and events."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..events import Event
from ..hidden import check_sizes, parse_hidden
from ..parsing import NumberError, parse_float, parse_int
from ..resources import FLOAT, Estimate, estimate
from .base import COURSE_SEED, Job, SettingError

# -- Interactive Demo 6.1: the cost of a forward and a backward pass --------------------------------
COST_CHOICES = ("1", "100", "50, 50")  # the course's dropdown of hidden sizes...
DEFAULT_COST_CHOICE = "100"  # ...and its default
NUM_POINTS = (1, 5, 10, 100, 200, 500, 1000, 5000, 10000, 20000, 30000, 50000)  # examples per measurement
REPEATS = 5
MAX_EXAMPLES = 60000  # MNIST's training set: no batch or measurement can be larger
PIXELS = 28 * 28


# -- Interactive Demo 6.2: minibatch SGD with several batch sizes under one time budget ------------
HIDDEN = (100, 100)  # the course's minibatch_experiment model
BUDGETS = (2.5, 5.0, 10.0)  # seconds per batch size: the course's choices; 2.5 is its default
DEFAULT_BATCH_SIZES = "20, 250, 1000"  # the course's text boxes, as it writes them
DEFAULT_LRS = "5e-3, 5e-3, 5e-3"
MAX_BATCH_SIZES = 4
EXERCISES = ("sample_minibatch",)  # the learner's function the demo can run
# The course's target, made precise: the mean of the last TARGET_TAIL of the losses recorded by
# TARGET_SECONDS is below TARGET_LOSS.
TARGET_LOSS, TARGET_SECONDS, TARGET_TAIL = 0.5, 5.0, 0.1


class ListError(SettingError):
    """Batch-size or learning-rate text (or values) that cannot be used; the message says why."""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _check_size(v: int) -> int:
    if v <= 0:
        raise ListError(f"each batch size must be positive, got {v}")
    if v > MAX_EXAMPLES:
        raise ListError(f"a batch size can be at most {MAX_EXAMPLES:,} (the training set), got {v:,}")
    return v


def _check_lr(v: float) -> float:
    if not math.isfinite(v) or v <= 0:
        raise ListError(f"each learning rate must be positive, got {v:g}")
    return v


def _numbers(text: str, what: str, whole: bool) -> list:
    """Comma-separated numbers through the one strict parser ('²' or '٣' get a reason, not a traceback)."""
    if not text.strip():
        raise ListError(f"type at least one {what}")
    out = []
    for p in (p.strip() for p in text.replace(";", ",").split(",")):
        if not p:
            raise ListError(f"empty {what} between commas")
        try:
            out.append(parse_int(p, example="250") if whole else parse_float(p, example="5e-3"))
        except NumberError as exc:
            raise ListError(f"{what}: {exc}") from None
    return out


def parse_batch_sizes(text: str) -> list[int]:
    """ "20, 250, 1000" -> [20, 250, 1000]: 1 to MAX_BATCH_SIZES positive whole numbers up to MAX_EXAMPLES."""
    sizes = [_check_size(v) for v in _numbers(text, "batch size", whole=True)]
    if len(sizes) > MAX_BATCH_SIZES:
        raise ListError(f"at most {MAX_BATCH_SIZES} batch sizes, got {len(sizes)}")
    return sizes


def parse_lrs(text: str, count: int | None = None) -> list[float]:
    """ "5e-3, 5e-3" -> [0.005, 0.005]: positive numbers, exactly `count` of them when given."""
    lrs = [_check_lr(v) for v in _numbers(text, "learning rate", whole=False)]
    if count is not None:
        match_lrs(lrs, count)
    return lrs


def match_lrs(lrs: Sequence[float], count: int) -> None:
    """One learning rate per batch size, else ListError saying how many of each there are."""
    if len(lrs) != count:
        raise ListError(
            f"{_plural(len(lrs), 'learning rate')} for {_plural(count, 'batch size')}: give one per batch size"
        )


def target_met(
    times: Sequence[float],
    losses: Sequence[float],
    by: float = TARGET_SECONDS,
    threshold: float = TARGET_LOSS,
    tail: float = TARGET_TAIL,
) -> tuple[bool, float]:
    """The course's target: the mean of the last 10% of the losses recorded by `by` seconds is below
    `threshold`. Returns (met, that mean); (False, nan) with no losses."""
    kept = [loss for t, loss in zip(times, losses) if t <= by]
    if not kept:
        return False, math.nan
    last = kept[-max(1, math.ceil(tail * len(kept))) :]
    mean = sum(last) / len(last)
    return bool(mean < threshold), mean


def cost_hidden(choice: str) -> tuple[int, ...]:
    """A choice of the cost demo's dropdown ("50, 50") as hidden sizes, by engine.hidden's rule."""
    return tuple(parse_hidden(choice))


def _whole(name: str, v, low: int, high: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
        raise SettingError(f"{name} must be a whole number from {low:,} to {high:,}, got {v!r}")
    return v


@dataclass(frozen=True)
class CostJob(Job):
    """Interactive Demo 6.1: forward and backward time of MLP `hidden` on the first n examples, for each size."""

    compute = "engine.sections.costs:cost_job"

    hidden: tuple[int, ...] = cost_hidden(DEFAULT_COST_CHOICE)
    sizes: tuple[int, ...] = NUM_POINTS
    repeats: int = REPEATS

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(check_sizes(self.hidden)))  # a list becomes the tuple it means
        if not self.sizes:
            raise SettingError("give at least one number of examples to time")
        for n in self.sizes:
            _whole("a number of examples", n, 1, MAX_EXAMPLES)
        _whole("the number of repeats", self.repeats, 1, 100)

    def estimate(self, device: str = "cpu", free_bytes: int | None = None) -> Estimate | None:
        """A forward and backward pass on the most examples (slices: no copy of the data), once per repeat and size."""
        largest = max(self.sizes)
        return estimate(
            self.hidden,
            largest,
            steps=1 + self.repeats * len(self.sizes),
            examples=largest + self.repeats * sum(self.sizes),
            device=device,
            free_bytes=free_bytes,
            advice="Choose fewer examples or a smaller network.",
        )


@dataclass(frozen=True)
class MinibatchJob(Job):
    """Interactive Demo 6.2: one fresh MLP [100, 100], a copy per batch size, each trained for `budget` seconds.

    `seed` draws the model and the minibatches (the course's seed by default; None: fresh ones each
    run, as the course). With the learner's sample_minibatch and a seed, the reference's sampler
    trains a copy of the same model beside each batch size's run, for the same steps.
    """

    compute = "engine.sections.minibatch:minibatch_job"

    batch_sizes: tuple[int, ...] = tuple(parse_batch_sizes(DEFAULT_BATCH_SIZES))
    lrs: tuple[float, ...] = tuple(parse_lrs(DEFAULT_LRS))
    budget: float = BUDGETS[0]
    seed: int | None = COURSE_SEED

    def __post_init__(self) -> None:
        if not 1 <= len(self.batch_sizes) <= MAX_BATCH_SIZES:
            raise ListError(f"give 1 to {MAX_BATCH_SIZES} batch sizes, got {len(self.batch_sizes)}")
        for size in self.batch_sizes:
            _whole("a batch size", size, 1, MAX_EXAMPLES)
        for lr in self.lrs:
            if isinstance(lr, bool) or not isinstance(lr, (int, float)):
                raise ListError(f"each learning rate must be a number, got {lr!r}")
            _check_lr(lr)
        match_lrs(self.lrs, len(self.batch_sizes))
        ok = isinstance(self.budget, (int, float)) and not isinstance(self.budget, bool)
        if not ok or not 0 < self.budget <= max(BUDGETS):
            raise SettingError(f"the budget must be a number of seconds up to {max(BUDGETS):g}, got {self.budget!r}")
        if self.seed is not None:
            _whole("the seed", self.seed, 0, 2**32 - 1)

    def estimate(self, device: str = "cpu", free_bytes: int | None = None) -> Estimate | None:
        """One copy of MLP [100, 100] at a time on minibatches gathered from the training set, for the budget each."""
        largest = max(self.batch_sizes)
        return estimate(
            HIDDEN,
            largest,
            data_bytes=largest * (PIXELS * FLOAT + 16),  # the minibatch gathered, its labels and indices
            device=device,
            free_bytes=free_bytes,
            seconds=self.budget * len(self.batch_sizes),
            advice="Choose smaller batch sizes.",
        )


@dataclass(frozen=True)
class CostStart(Event):
    """A measurement began: the network, its parameter count and where it runs."""

    hidden: tuple[int, ...]
    num_params: int
    device: str
    sizes: tuple[int, ...]


@dataclass(frozen=True)
class CostPoint(Event):
    """Mean seconds of a forward pass (+ loss) and of a backward pass (+ no-op update) on `size` examples."""

    size: int
    forward: float
    backward: float
    repeats: int


@dataclass(frozen=True)
class BatchStart(Event):
    """Training with batch size `batch_size` (the `index`-th of `count`) and learning rate `lr` began."""

    index: int
    count: int
    batch_size: int
    lr: float
    budget: float


@dataclass(frozen=True)
class LossPoints(Event):
    """Losses of run `index` and the elapsed seconds at which each was computed.

    `reference`: the reference's training beside a learner's sampler, step for step, placed at the
    seconds of the learner's steps (the same curve for a correct sample_minibatch).
    """

    index: int
    times: tuple[float, ...]
    losses: tuple[float, ...]
    reference: bool = False


@dataclass(frozen=True)
class BatchEnd(Event):
    """Run `index` ended after `steps` updates in `seconds` (diverged runs end early)."""

    index: int
    steps: int
    seconds: float
