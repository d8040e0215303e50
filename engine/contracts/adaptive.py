"""Section 7, adaptive methods: the Compare optimizers demo's settings, limits, labels and events."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..events import Event
from .base import COURSE_SEED, Job, Range, SettingError

OPTIMIZERS = ("SGD", "Momentum", "RMSprop")  # the three curves, in the course's order
EXERCISES = ("momentum_update", "rmsprop_update", "sample_minibatch")  # gradient_update stays the reference (§14)

# The course's fixed hyper-parameters of Demo 7 (not on its widgets).
HIDDEN = (100, 100)
BETA = 0.9  # momentum
ALPHA = 0.8  # RMSprop's averaging weight
EPSILON = 1e-8  # RMSprop's ε, inside the square root

# The course's widgets: batch 25..250 and steps 50..500 in fives, lr on a log slider 1e-5..1
# (a tenth of a decade per step); the defaults are the widgets' start values.
BATCH = Range("batch size", 135, 25, 250, 5, integer=True)
LR = Range("learning rate", 0.002, 1e-5, 1.0, 0.1, scale="log")
STEPS = Range("steps", 275, 50, 500, 5, integer=True)
SEED_MAX = 2**32 - 2  # the plug-in path's minibatches use numpy's RandomState(seed + 1), a 32-bit seed


@dataclass(frozen=True)
class CompareConfig:
    """What the engine trains: any sizes it can run (tests use tiny ones); the demo asks through CompareJob."""

    batch_size: int = int(BATCH.default)
    lr: float = LR.default
    max_steps: int = int(STEPS.default)
    hidden: tuple[int, ...] = HIDDEN
    beta: float = BETA
    alpha: float = ALPHA
    epsilon: float = EPSILON
    seed: int | None = None  # None: a fresh random model and minibatches every run, as the course

    def __post_init__(self) -> None:
        for attr, name in (("batch_size", "batch size"), ("max_steps", "number of steps")):
            _set(self, attr, _whole(name, getattr(self, attr), 1))
        lr = self.lr
        if not (_number(lr) and math.isfinite(lr) and lr > 0):
            raise SettingError(f"the learning rate must be a positive number, got {lr!r}")
        if self.seed is not None:
            _set(self, "seed", _whole("seed", self.seed, 0, SEED_MAX))


@dataclass(frozen=True)
class CompareJob(Job):
    """Demo 7: SGD, momentum and RMSprop from one initial MLP on the full training set, in lockstep.

    With a seed and the learner's functions, the reference runs beside them from the same model and
    minibatches, its curves sent as Losses(reference=True): a correct function gives the same curves.
    """

    compute = "engine.sections.adaptive:compare_job"

    batch_size: int = int(BATCH.default)
    lr: float = LR.default
    max_steps: int = int(STEPS.default)
    seed: int | None = COURSE_SEED  # the initial model and the minibatches (None: fresh ones, as the course)

    def __post_init__(self) -> None:
        # Checked values are stored as the engine wants them (a typed 140.0 becomes the batch size 140).
        _set(self, "batch_size", BATCH.check(self.batch_size))
        _set(self, "lr", LR.check(self.lr))
        _set(self, "max_steps", STEPS.check(self.max_steps))
        self.config()  # the seed's check
        if unknown := sorted(set(self.learner) - set(EXERCISES)):
            raise SettingError(f"this demo runs your {', '.join(EXERCISES)} only, not {', '.join(unknown)}")

    def config(self) -> CompareConfig:
        """The engine's settings for this run: the chosen values and the course's fixed ones."""
        return CompareConfig(self.batch_size, self.lr, self.max_steps, seed=self.seed)


@dataclass(frozen=True)
class Losses(Event):
    """Minibatch losses of one optimizer for iterations start, start + 1, ... (before each update).

    `reference`: of the reference run beside the learner's (same seed), not of the run itself.
    """

    optimizer: str
    start: int
    values: tuple[float, ...]
    reference: bool = False


def reference_label(optimizer: str) -> str:
    """How a Diverged event names an optimizer of the reference run beside the learner's."""
    return f"{optimizer} (reference)"


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _whole(name: str, value, least: int, most: int | None = None) -> int:
    """`value` as an int if it is a whole number in [least, most], else SettingError saying so."""
    if not (_number(value) and math.isfinite(value) and value == int(value)):
        raise SettingError(f"the {name} must be a whole number, got {value!r}")
    if value < least or (most is not None and value > most):
        bounds = f"at least {least}" if most is None else f"between {least} and {most}"
        raise SettingError(f"the {name} must be {bounds}, got {int(value)}")
    return int(value)


def _set(obj, name: str, value) -> None:
    object.__setattr__(obj, name, value)  # a frozen dataclass normalising its own fields in __post_init__
