"""Section 5's real loss landscape (Li et al. 2018): the torch-free job, its limits and defaults, and its events.

For each hidden-size choice the engine trains one MLP as one copy of the Section 5 demo (fresh
init moved by the demo's N(0, 0.2²) noise, full-batch GD on the course's 500 examples), then
evaluates the loss on two planes through the trained weights θ*:

- "random": θ* + x·δ + y·η with δ, η Gaussian directions normalised filter-wise (each row of
  each weight matrix, one neuron's incoming weights, scaled to the norm of that row of θ*;
  bias entries zero, as the reference code's `ignore='biasbn'`);
- "pca": θ* + x·u₁ + y·u₂ with u₁, u₂ the two main PCA directions (unit vectors, all
  parameters) of the training path θ₀ - θ*, …, θ_{n-1} - θ*, and that path projected on them.

Every event names its model by `model` (index into the job's `hidden`) and `hidden`, so two sizes
can be drawn side by side from one job.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from ..events import Event
from ..hidden import count_params
from ..resources import FLOAT, FLOPS, STEP_OVERHEAD, Estimate, estimate, step_flops
from . import nonconvex as demo  # the Section 5 demo: its hidden-size rule, choices and defaults
from .base import COURSE_SEED, Job
from .casestudy import SUBSET_SIZE

# A narrow and a wide network: the demo's smallest and largest choices.
DEFAULT_HIDDEN = (demo.parse_hidden_sizes(demo.PRESETS[0]), demo.parse_hidden_sizes(demo.PRESETS[-1]))
DEFAULT_GRID = 41
DEFAULT_SPAN = (-1.0, 1.0)
DEFAULT_STEPS = int(demo.STEPS.default)  # the demo's max_steps and lr
DEFAULT_LR = demo.LR.default
DEFAULT_NOISE = demo.NOISE_SCALE  # the demo's random_update noise on each copy
DEFAULT_SEED = COURSE_SEED
GRID_LIMITS = (3, 81)  # points per side
SPAN_LIMIT = 5.0  # |x|, |y| at most this many filter norms from θ*
STEPS_LIMITS = (2, int(demo.STEPS.maximum))  # up to the demo's slider; the PCA needs at least two steps of path
LR_MAX = 10.0
NOISE_MAX = 1.0
MAX_MODELS = 3
MAX_PARAMS = 200_000  # the recorded path is (steps + 1) x params floats, and every grid point is a forward pass
PCA_PAD = 0.2  # the PCA plane spans the projected path plus this fraction of its extent on each side
MEMORY_FLOATS = 8_000_000  # a grid chunk holds at most ~32 MB of float32 activations and stacked weights
PLANES = ("random", "pca")


class LandscapeError(ValueError):
    """Landscape settings that cannot run; the message says why and what to type."""


def _number(name: str, value, low: float, high: float, *, low_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise LandscapeError(f"{name} must be a finite number, got {value!r}")
    if value < low or (low_open and value == low) or value > high:
        bracket = "(" if low_open else "["
        raise LandscapeError(f"{name} must lie in {bracket}{low:g}, {high:g}], got {value:g}")
    return float(value)


def _whole(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise LandscapeError(f"{name} must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise LandscapeError(f"{name} must lie in [{low}, {high}], got {value}")
    return value


def check_hidden(hidden: Sequence[int]) -> tuple[int, ...]:
    """One architecture: the demo's hidden-size rule (the linear model allowed), plus a parameter cap for
    the landscape's memory and time."""
    try:
        sizes = demo.check_hidden(hidden, linear_ok=True)
    except ValueError as exc:
        raise LandscapeError(str(exc)) from None
    n = count_params(784, 10, list(sizes))
    if n > MAX_PARAMS:
        raise LandscapeError(f"MLP {list(sizes)} has {n:,} parameters; the landscape allows at most {MAX_PARAMS:,}")
    return sizes


@dataclass(frozen=True)
class LandscapeJob(Job):
    """Train each architecture and map its loss on the random and PCA planes (order: hidden[0] first)."""

    compute: ClassVar[str] = "engine.sections.nonconvex_landscape:landscape_job"
    hidden: tuple[tuple[int, ...], ...] = DEFAULT_HIDDEN
    grid: int = DEFAULT_GRID
    span: tuple[float, float] = DEFAULT_SPAN  # the random plane's x and y range, in filter norms
    steps: int = DEFAULT_STEPS
    lr: float = DEFAULT_LR
    noise: float = DEFAULT_NOISE
    seed: int = DEFAULT_SEED
    pca: bool = True  # also the PCA plane and the projected path

    def validate(self) -> None:
        if not self.hidden or len(self.hidden) > MAX_MODELS:
            raise LandscapeError(f"give 1 to {MAX_MODELS} hidden-size choices, got {len(self.hidden)}")
        for sizes in self.hidden:
            if tuple(sizes) != check_hidden(sizes):
                raise LandscapeError(f"hidden sizes must be whole numbers of units, got {sizes!r}")
        _whole("the grid size", self.grid, *GRID_LIMITS)
        lo, hi = (_number("the range", v, -SPAN_LIMIT, SPAN_LIMIT) for v in self.span)
        if not lo < hi:
            raise LandscapeError(f"the range must go from low to high, got [{lo:g}, {hi:g}]")
        _whole("the number of steps", self.steps, *STEPS_LIMITS)
        _number("the learning rate", self.lr, 0.0, LR_MAX, low_open=True)
        _number("the noise", self.noise, 0.0, NOISE_MAX)
        _whole("the seed", self.seed, 0, 2**32 - 1)

    def estimate(self, device: str = "cpu", free_bytes: int | None = None) -> Estimate | None:
        """The models run one after another: the peak is the largest one's training, its recorded path
        ((steps + 1) flat parameter vectors) and one grid chunk; the time is all of them, training plus
        every grid point of each plane, a forward pass (a third of a training step) on the 500 examples."""
        kind = "cuda" if str(device).startswith("cuda") else "cpu"
        sizes = [list(h) for h in self.hidden]
        largest = max(sizes, key=lambda h: count_params(784, 10, h))
        path = (self.steps + 1) * count_params(784, 10, largest) * FLOAT
        planes = 2 if self.pca else 1
        examples = SUBSET_SIZE * (self.steps + planes * self.grid**2 / 3)
        flops = sum(step_flops(h, 1) for h in sizes) * examples
        seconds = flops / FLOPS[kind] + STEP_OVERHEAD[kind] * len(sizes) * (self.steps + planes * self.grid)
        return estimate(
            largest,
            SUBSET_SIZE,
            steps=self.steps,
            data_bytes=path + MEMORY_FLOATS * FLOAT,
            device=device,
            free_bytes=free_bytes,
            seconds=seconds,
            advice="Choose smaller hidden sizes, fewer steps or fewer grid points.",
        )

    @classmethod
    def parse(cls, hidden_texts: Sequence[str], **settings) -> LandscapeJob:
        """A validated job from typed hidden sizes ("10", "100, 100") and settings; LandscapeError says why not."""
        hidden = []
        for text in hidden_texts:
            try:
                sizes = demo.parse_hidden_sizes(text, linear_ok=True)
            except ValueError as exc:
                raise LandscapeError(f"{text!r}: {exc}") from None
            hidden.append(check_hidden(sizes))
        job = cls(hidden=tuple(hidden), **settings)
        job.validate()
        return job


@dataclass(frozen=True)
class LandscapeStart(Event):
    """One model's work begins: its architecture and parameter count."""

    model: int
    hidden: tuple[int, ...]
    num_params: int
    steps: int
    lr: float


@dataclass(frozen=True)
class TrainedModel(Event):
    """Training ended: the loss before each step and after the last (steps + 1 values)."""

    model: int
    hidden: tuple[int, ...]
    losses: tuple[float, ...]

    @property
    def final_loss(self) -> float:
        """The trained model's loss (NaN when training diverged at once)."""
        return self.losses[-1] if self.losses else math.nan


@dataclass(frozen=True)
class LandscapeGrid(Event):
    """The loss on one plane: loss[i][j] at x = xs[j], y = ys[i]; the centre (0, 0) is the trained model."""

    model: int
    hidden: tuple[int, ...]
    plane: str  # "random" (filter-normalised directions) or "pca" (the path's main directions)
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    loss: tuple[tuple[float, ...], ...]
    centre_loss: float  # the trained model's loss, evaluated on its own


@dataclass(frozen=True)
class TrajectoryProjection(Event):
    """The training path θ₀ … θ_n projected on the PCA plane ((0, 0) = θ_n), with each point's real loss."""

    model: int
    hidden: tuple[int, ...]
    xs: tuple[float, ...]
    ys: tuple[float, ...]
    losses: tuple[float, ...]
    explained: tuple[float, float]  # the fraction of the path's variance along each PCA direction
