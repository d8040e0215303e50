"""Section 3, optimization as search: the comparison's settings, limits and event (random moves versus a gradient step).

For a model with loss J and parameters w, a random move is w + s * n with n ~ N(0, I) (the course's
random_update, unnormalised), and a gradient step is w - lr * grad J(w). Each gives delta = J(new) - J(w);
more negative is better.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..events import Event
from .base import Job, Range

PANELS = ("Initialization", "Partially trained")  # §2.2's model at initialization, then §2.4's trained one
BINS = 20  # the course's histogram
EXERCISES = ("gradient_update",)  # the learner's function the comparison can run

# The course's "Comparing updates" settings are the defaults; the steppers move a quarter decade.
NOISE = Range("noise", 1e-2, 1e-4, 1.0, 0.25, scale="log")
LR = Range("learning rate", 1e-2, 1e-4, 1.0, 0.25, scale="log")
DIRECTIONS = Range("random directions", 100, 10, 1000, 10, integer=True)
DRAW = Range("draw number", 0, 0, 2**63 - 1, 1, integer=True)  # seeds the random moves' generator


@dataclass(frozen=True)
class CompareJob(Job):
    """Both panels: `n` random moves of size `noise` and one gradient step of `lr`, from draw number `draw_seed`."""

    compute = "engine.sections.search:compare_job"

    noise: float = NOISE.default
    lr: float = LR.default
    n: int = int(DIRECTIONS.default)
    draw_seed: int = int(DRAW.default)

    def __post_init__(self) -> None:
        NOISE.check(self.noise)
        LR.check(self.lr)
        DIRECTIONS.check(self.n)
        DRAW.check(self.draw_seed)


@dataclass(frozen=True)
class Comparison(Event):
    """One panel: the random moves' changes in loss, their histogram, and the gradient step's change."""

    panel: str
    base_loss: float
    random_deltas: tuple[float, ...]
    gd_delta: float
    edges: tuple[float, ...]  # BINS + 1 bin edges over [min, max] of the random deltas, as plt.hist
    counts: tuple[int, ...]
    noise: float
    lr: float
    reference_gd_delta: float | None = None  # the reference's step beside a learner's gradient_update

    @property
    def improved(self) -> int:
        """How many random directions lowered the loss."""
        return sum(d < 0 for d in self.random_deltas)

    @property
    def best_random(self) -> float:
        return min(self.random_deltas)
