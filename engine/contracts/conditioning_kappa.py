"""Section 4's condition-number explorer: its setting, limits and events (GD and heavy ball at their best).

The quadratic is the slice's own model at its optimum with one change: the flat eigenvalue.
It keeps the slice's eigen-directions Q, its steep eigenvalue λmax and the course's start
(2.5, 3.7) relative to the optimum, and sets λmin = λmax / κ for the κ the learner picks:

    f(p) = ½ (p - p*)ᵀ H (p - p*),   H = Q diag(λmax / κ, λmax) Qᵀ.

Each method runs at the theory's best setting for that κ (GD: lr = 2 / (λmin + λmax);
heavy ball: Polyak's lr = 4 / (√λmax + √λmin)², β = ((√κ - 1) / (√κ + 1))²), and is measured
as the Demo measures: the first iteration with both |Δweight| and |Δbias| below TOL.
Beside it the closed forms: with the per-step rate ρ (GD (κ - 1) / (κ + 1), heavy ball
(√κ - 1) / (√κ + 1)) and the start's eigen-coordinates cᵢ, the rate predicts

    k = max over i of ceil(log(TOL / |cᵢ|) / log ρ)
      ≈ (κ / 2) · log(|c| / TOL) for GD,  (√κ / 2) · log(|c| / TOL) for heavy ball,

so GD's count grows like κ and heavy ball's like √κ. At Polyak's setting heavy ball's iteration
matrix has a repeated root r = ±ρ in both extreme directions, so its error is exactly
cᵢ · rᵏ · (1 + k (1 - r)): the factor 1 + k (1 - r) costs a few iterations more than the
rate alone predicts (`exact_at`); GD's error is exactly cᵢ · (1 - lr λᵢ)ᵏ, which the rate gives.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..events import Event
from .base import Job, Range

# The learner's κ: 1 (a round bowl) to 1,000 on a log slider, a tenth of a decade per step.
KAPPA = Range("condition number κ", 100.0, 1.0, 1000.0, 0.1, scale="log")
SWEEP_STEPS = 30  # the sweep: κ = 10^(3 j / 30), j = 0 .. 30, the slider's own grid
MAX_ITERS = 20_000  # well past GD's need at κ 1,000 (about 7,600); a run that needs more is reported as None


@dataclass(frozen=True)
class KappaJob(Job):
    """GD and heavy ball at their best on the quadratic with condition number `kappa`; the sweep over κ when asked."""

    compute = "engine.sections.conditioning_kappa:kappa_job"

    kappa: float = KAPPA.default
    with_sweep: bool = True

    def __post_init__(self) -> None:
        KAPPA.check(self.kappa)


@dataclass(frozen=True)
class KappaMethod:
    """One method at one κ: its best setting, its rate, what was measured and what the closed forms say."""

    label: str  # "GD" or "Momentum" (heavy ball)
    lr: float
    beta: float  # 0 for GD
    rate: float  # ρ: the error shrinks by this factor per step in the long run
    measured_at: int | None  # first iteration with both dimensions within TOL (None: not within MAX_ITERS)
    rate_at: int  # the rate's prediction, max over i of ceil(log(TOL / |cᵢ|) / log ρ)
    exact_at: int  # the closed form of the error itself (heavy ball: with its factor 1 + k (1 - r))


@dataclass(frozen=True)
class KappaRun(Event):
    """Both methods at the learner's κ, with the worse dimension's distance to the optimum at every iteration."""

    kappa: float
    eigenvalues: tuple[float, float]  # (λmin, λmax)
    methods: tuple[KappaMethod, KappaMethod]  # (GD, heavy ball)
    distances: tuple[tuple[float, ...], tuple[float, ...]]  # per method, max(|Δw|, |Δb|) from iteration 0 on


@dataclass(frozen=True)
class KappaSweep(Event):
    """The iterations to TOL over the κ grid, measured and predicted, and where the course's slice sits."""

    kappas: tuple[float, ...]
    measured: tuple[tuple[int | None, ...], tuple[int | None, ...]]  # (GD, heavy ball) per κ
    rate_at: tuple[tuple[int, ...], tuple[int, ...]]  # the rate's prediction per κ: ∝ κ and ∝ √κ
    exact_at: tuple[tuple[int, ...], tuple[int, ...]]  # the error's closed form per κ
    slice_kappa: float  # the Demo's slice: κ of the Hessian at its optimum
    slice_measured: tuple[int | None, int | None]  # (GD, heavy ball) on the slice's exact quadratic
