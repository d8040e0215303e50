"""Section 2, the MNIST case study: the demos' settings, limits, parsers and events (data, model, loss, filters)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..events import Event
from ..hidden import HiddenSizesError, parse_hidden
from .base import COURSE_SEED, Job, Range, SettingError

LN10 = math.log(10)  # the loss of a model that gives every class probability 1/10
SUBSET_SIZE = 500  # the course's subset of MNIST's training set
COURSE_STEPS, COURSE_LR = 200, 7e-4  # the course's partially trained model: Adam, full batch (seed COURSE_SEED)
MAX_EVAL_PARAMS = 50_000_000  # larger untrained models are described but not evaluated (memory)

EXAMPLE = Range("example", 1, 1, SUBSET_SIZE, 1, integer=True)  # 1-based, as the screen counts
SEED = Range("seed", COURSE_SEED, 0, 9999, 1, integer=True)
STEPS = Range("steps", COURSE_STEPS, 10, 1000, 10, integer=True)


# -- 2.1 Data ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DataJob(Job):
    """Example number `example` (1 to 500) of the subset, with the normalisation constants."""

    compute = "engine.sections.casestudy:data_job"

    example: int = int(EXAMPLE.default)

    def __post_init__(self) -> None:
        EXAMPLE.check(self.example)


@dataclass(frozen=True)
class DataInfo(Event):
    """How the pixels were standardised: x' = (x - mean) / std over the raw 0-255 training pixels."""

    mean: float
    std: float
    size: int  # examples in the subset

    @property
    def background(self) -> float:
        return -self.mean / self.std

    @property
    def full_ink(self) -> float:
        return (255 - self.mean) / self.std


@dataclass(frozen=True)
class Example(Event):
    """Example `index` (0-based) of the subset: its label and its 28 rows of 28 standardised pixels."""

    index: int
    label: int
    pixels: tuple[tuple[float, ...], ...]


# -- 2.2 Model and 2.3 Loss -------------------------------------------------------------------
def check_hidden(hidden: Sequence[int]) -> tuple[int, ...]:
    """Hidden sizes as a tuple if engine.hidden's rules allow them, else SettingError saying why."""
    if any(isinstance(h, bool) or not isinstance(h, int) for h in hidden):
        raise SettingError(f"hidden sizes must be whole numbers of units, got {list(hidden)!r}")
    return parse_hidden_sizes(", ".join(map(str, hidden)))


def parse_hidden_sizes(text: str) -> tuple[int, ...]:
    """Typed hidden sizes ("200, 100, 50"; empty: the linear model) by engine.hidden's rules; SettingError if not."""
    try:
        return tuple(parse_hidden(text))
    except HiddenSizesError as exc:
        raise SettingError(str(exc)) from None


@dataclass(frozen=True)
class ModelJob(Job):
    """Describe MLP(784, 10, hidden) and, when it is small enough, evaluate it untrained (seed 2021)."""

    compute = "engine.sections.casestudy:model_job"

    hidden: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", check_hidden(self.hidden))  # a list becomes the tuple it equals

    @classmethod
    def parse(cls, text: str) -> ModelJob:
        """The job for typed hidden sizes; SettingError (in the learner's terms) if they describe no network."""
        return cls(parse_hidden_sizes(text))


@dataclass(frozen=True)
class LayerRow:
    """One Linear layer: `name` as print(model) names it, weights fan_in*fan_out, biases fan_out."""

    name: str
    fan_in: int
    fan_out: int

    @property
    def weights(self) -> int:
        return self.fan_in * self.fan_out

    @property
    def biases(self) -> int:
        return self.fan_out

    @property
    def total(self) -> int:
        return self.weights + self.biases


@dataclass(frozen=True)
class ModelSummary(Event):
    """print(model) and the layer table of MLP(784, 10, hidden)."""

    hidden: tuple[int, ...]
    text: str
    layers: tuple[LayerRow, ...]

    @property
    def total(self) -> int:
        return sum(layer.total for layer in self.layers)


@dataclass(frozen=True)
class InitLoss(Event):
    """The NLL of the untrained model (seeded) on the subset, next to ln 10."""

    hidden: tuple[int, ...]
    loss: float
    ln10: float = LN10


# -- 2.4 Interpretability ---------------------------------------------------------------------
@dataclass(frozen=True)
class FiltersJob(Job):
    """Train the course's partially trained model live (Adam, lr 7e-4, full batch) from `seed` for `steps` steps."""

    compute = "engine.sections.casestudy:filters_job"

    seed: int = int(SEED.default)
    steps: int = int(STEPS.default)

    def __post_init__(self) -> None:
        SEED.check(self.seed)
        STEPS.check(self.steps)


@dataclass(frozen=True)
class TrainStep(Event):
    """The full-batch loss after `step` Adam steps."""

    step: int
    loss: float


@dataclass(frozen=True)
class FilterWeights(Event):
    """The 10 rows of W after `step` steps, each 784 weights (a 28x28 image, row-major)."""

    step: int
    weights: tuple[tuple[float, ...], ...]
