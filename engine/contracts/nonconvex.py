"""Section 5, non-convexity: settings, limits and events of the overparameterization demo and the landscape explorer."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..events import Event
from ..hidden import HiddenSizesError, check_sizes, parse_hidden
from ..resources import Estimate, estimate
from .base import COURSE_SEED, Job, Range, SettingError
from .casestudy import SUBSET_SIZE

# -- Interactive Demo 5: N perturbed copies of one MLP, trained by full-batch GD ------------------
PRESETS = ("10", "20, 20", "100, 100")  # the course's hidden-size choices; "10" is its default
DEFAULT_HIDDEN = (10,)
NOISE_SCALE = 0.2  # the course's random_update(noise_scale) on each copy
EXERCISES = ("gradient_update",)  # the learner's function the demo can run
STEPS = Range("max steps", 150, 50, 500, 5, integer=True)
LR = Range("lr", 0.05, 1e-3, 1.0, 0.1, scale="log")
INITS = Range("inits", 7, 5, 10, 1, integer=True)
SEED_MAX = 2**32 - 1


def check_hidden(sizes: Sequence[int], *, linear_ok: bool = False) -> tuple[int, ...]:
    """Hidden sizes by engine.hidden's rules; this demo also needs at least one hidden layer (unless linear_ok).

    Raises HiddenSizesError (a ValueError) whose message says why, in the learner's terms.
    """
    return _at_least_one(tuple(check_sizes(sizes)), linear_ok)


def parse_hidden_sizes(text: str, *, linear_ok: bool = False) -> tuple[int, ...]:
    """Typed hidden sizes ("20, 20") by engine.hidden.parse_hidden, plus: at least one layer unless linear_ok."""
    return _at_least_one(tuple(parse_hidden(text)), linear_ok)


def _at_least_one(sizes: tuple[int, ...], linear_ok: bool) -> tuple[int, ...]:
    if not sizes and not linear_ok:
        raise HiddenSizesError("give at least one hidden layer, e.g. 10 or 20, 20")
    return sizes


def copy_label(init: int, reference: bool = False) -> str:
    """How events name copy `init` (counted from 0): "init 1" is the first, as the course's legend;
    "init 1 (reference)" is the reference's training of it beside the learner's."""
    return f"init {init + 1}" + (" (reference)" if reference else "")


@dataclass(frozen=True)
class OverparamJob(Job):
    """Interactive Demo 5: `inits` copies of MLP `hidden`, each moved by N(0, 0.2²) noise, trained for `steps`.

    With the learner's gradient_update the copies train one after another (the course's loop), each
    beside the reference's training of the same copy (LossRows(reference=True)): a correct rule gives
    the same curves. Otherwise all copies train together. `seed` draws the copies (the course's seed
    by default; None: fresh ones each run, as the course).
    """

    compute = "engine.sections.nonconvex:overparam_job"

    hidden: tuple[int, ...] = DEFAULT_HIDDEN
    steps: int = int(STEPS.default)
    lr: float = LR.default
    inits: int = int(INITS.default)
    seed: int | None = COURSE_SEED

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", check_hidden(self.hidden))  # a list becomes the tuple it means
        STEPS.check(self.steps)
        LR.check(self.lr)
        INITS.check(self.inits)
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= SEED_MAX
        ):
            raise SettingError(f"the seed must be a whole number from 0 to {SEED_MAX}, got {self.seed!r}")

    def estimate(self, device: str = "cpu", free_bytes: int | None = None) -> Estimate | None:
        """`inits` copies trained full-batch on the course's 500 examples for `steps` steps: stacked into one
        tensor per parameter (the reference rule), or one after another (the learner's gradient_update)."""
        return estimate(
            self.hidden,
            SUBSET_SIZE,
            steps=self.steps,
            copies=self.inits,
            stacked=EXERCISES[0] not in self.learner,
            device=device,
            free_bytes=free_bytes,
            advice="Choose smaller hidden sizes or fewer inits.",
        )


@dataclass(frozen=True)
class OverparamStart(Event):
    """A run began: the architecture, its parameter count and the settings."""

    hidden: tuple[int, ...]
    num_params: int
    num_inits: int
    max_steps: int
    lr: float


@dataclass(frozen=True)
class LossRows(Event):
    """Losses of copy `init` at steps start, start+1, ... (each recorded before that step's update).

    A copy that blew up sends its first non-finite loss last, then a Diverged labelled copy_label(init).
    `reference`: the reference's training of the copy, beside the learner's.
    """

    init: int
    start: int
    losses: tuple[float, ...]
    reference: bool = False


# -- the offline landscape explorer: momentum GD on a toy 2-D surface -------------------------------
EXTENT = (-4.0, 4.0, -4.0, 4.0)  # x0, x1, y0, y1 of the explorer's map; the start stays inside
START = (3.0, 3.0)
MAP_CELLS = 121  # the surface is sent as MAP_CELLS x MAP_CELLS values
DESCENT_STEPS = 300
ESCAPE_RADIUS = 1e3  # a path this far from the origin has diverged
SETTLE_RADIUS = 0.3  # a path ending this close to a minimum (and nearly still) reached it
EXPLORER_LR = Range("lr", 0.3, 1e-2, 30.0, 0.1, scale="log")
EXPLORER_MOMENTUM = Range("momentum", 0.0, 0.0, 0.99, 0.01)
START_X = Range("the start's x", START[0], EXTENT[0], EXTENT[1], 0.1)
START_Y = Range("the start's y", START[1], EXTENT[2], EXTENT[3], 0.1)


@dataclass(frozen=True)
class DescentJob(Job):
    """One descent from (x, y) with momentum GD; `with_surface` also sends the surface and its minima first."""

    compute = "engine.sections.landscape:descent_job"

    x: float = START[0]
    y: float = START[1]
    lr: float = EXPLORER_LR.default
    momentum: float = EXPLORER_MOMENTUM.default
    with_surface: bool = False

    def __post_init__(self) -> None:
        START_X.check(self.x)
        START_Y.check(self.y)
        EXPLORER_LR.check(self.lr)
        EXPLORER_MOMENTUM.check(self.momentum)


@dataclass(frozen=True)
class Minimum:
    """A local minimum of the toy surface and its value."""

    x: float
    y: float
    value: float


@dataclass(frozen=True)
class ToySurface(Event):
    """The toy surface on a grid (z[i][j] at the j-th x and i-th y of extent; row 0 is y0), its minima deepest first."""

    z: tuple[tuple[float, ...], ...]
    extent: tuple[float, float, float, float]
    minima: tuple[Minimum, ...]


@dataclass(frozen=True)
class DescentPath(Event):
    """A whole descent: the points visited, f along them, and the minimum reached (index into minima, or None)."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    values: tuple[float, ...]
    reached: int | None
    steps: int

    @property
    def escaped(self) -> bool:
        """The path ended off every map: not finite, or farther than ESCAPE_RADIUS from the origin."""
        x, y = self.xs[-1], self.ys[-1]
        return not (math.isfinite(x) and math.isfinite(y)) or math.hypot(x, y) > ESCAPE_RADIUS
