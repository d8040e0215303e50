"""Section 4, poor conditioning: the demo's settings, limits and events (GD versus momentum on a 2-D slice)."""

from __future__ import annotations

from dataclasses import dataclass

from ..events import Event
from .base import Job, Range

LABELS = ("GD", "Momentum")
TOL = 1e-6  # the course's target: both dimensions within 1e-6 of the optimum...
TARGET_ITERS = 100  # ...within 100 iterations
LIMIT = 4.0  # the loss surface spans [-LIMIT, LIMIT] in both parameters
EXERCISES = ("gradient_update", "momentum_update")  # the learner's functions the demo can run

STEPS = Range("steps", 300, 50, 500, 5, integer=True)
# The course's log slider 10^-3 .. 10^0.7 in tenths of a decade; typed values may go further
# (the theory's best learning rates lie above the slider), up to 100.
LR = Range("learning rate", 0.1, 1e-3, 10**0.7, 0.1, scale="log", typed_max=100.0)
BETA = Range("β", 0.9, 0.0, 1.0, 0.01)


@dataclass(frozen=True)
class MomentumDemoJob(Job):
    """Interactive Demo 4: GD and momentum from the course's start, and (when asked) the surface."""

    compute = "engine.sections.conditioning:momentum_demo_job"

    steps: int = int(STEPS.default)
    lr: float = LR.default
    beta: float = BETA.default
    with_surface: bool = True

    def __post_init__(self) -> None:
        STEPS.check(self.steps)
        LR.check(self.lr)
        BETA.check(self.beta)


@dataclass(frozen=True)
class Surface(Event):
    """The loss over the grid (z[i][j] at weight xs[j], bias ys[i]) and the Newton optimum."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    z: tuple[tuple[float, ...], ...]
    optimum: tuple[float, float]
    optimum_loss: float
    newton_iters: int


@dataclass(frozen=True)
class Trajectory(Event):
    """One method's rows (weight, bias, loss) recorded before each update; only the finite part.

    `reference`: the reference's path of the same method, sent beside a learner's.
    """

    label: str
    points: tuple[tuple[float, float, float], ...]
    max_steps: int
    optimum: tuple[float, float]
    converged_at: int | None  # first iteration with both dimensions within TOL of the optimum
    diverged_at: int | None  # first iteration that was not finite or ran away
    reference: bool = False

    @property
    def met_target(self) -> bool:
        return self.converged_at is not None and self.converged_at <= TARGET_ITERS
