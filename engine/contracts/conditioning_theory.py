"""Section 4's theory beside the measurement: the quadratic model at the optimum, as a torch-free job and events.

Around the Newton optimum p* the loss is ½ (p - p*)ᵀ H (p - p*) to second order. In H's
eigenbasis each direction i (eigenvalue λᵢ) evolves on its own: GD multiplies its error by
1 - lr·λᵢ per step; heavy-ball momentum by the 2 x 2 matrix [[1 + β - lr·λᵢ, -β], [1, 0]], whose
spectral radius is the asymptotic rate. The predicted iteration turns those rates into a count:

    kᵢ = ceil(log(TOL / |cᵢ|) / log ρᵢ),   k = max over i of kᵢ,

where c = Qᵀ (p₀ - p*) is the course's starting point's error in the eigenbasis (Q: H's unit
eigenvectors as columns), ρᵢ the method's rate in direction i, and kᵢ = 0 when |cᵢ| < TOL already.
So the prediction is per dimension in the eigenbasis (both eigen-coordinates within 1e-6), while
the demo's measured `converged_at` is per dimension in (weight, bias); on this slice the
eigenvectors are within two degrees of those axes, so the two tests nearly coincide. No
prediction (None) when some ρᵢ >= 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from ..events import Event
from .base import Job
from .conditioning import BETA, LR

# The demo's sliders: lr on a log slider 10^-3 .. 10^0.7, β linear 0 .. 1; a typed lr may go past
# the slider (the theory's best GD lr does), up to LR.typed_max.
LR_SLIDER = (LR.minimum, LR.maximum)
BETA_SLIDER = (BETA.minimum, BETA.maximum)
LR_TYPED_MAX = LR.highest
BEST_CHECK_STEPS = 500  # the measured iteration of a best setting is looked for within this many steps
DEFAULT_LR, DEFAULT_BETA = LR.default, BETA.default


class TheoryError(ValueError):
    """A learning rate or β the theory cannot use; the message says why."""


def check_lr(lr: float) -> float:
    """A learning rate must be a positive finite number, at most LR_TYPED_MAX."""
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise TheoryError(f"the learning rate must be a positive finite number, got {lr!r}")
    if lr > LR_TYPED_MAX:
        raise TheoryError(f"a learning rate above {LR_TYPED_MAX:g} teaches nothing here, got {lr:g}")
    return float(lr)


def check_beta(beta: float) -> float:
    """β must be a finite number in [0, 1]."""
    if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not math.isfinite(beta):
        raise TheoryError(f"β must be a finite number, got {beta!r}")
    if not BETA_SLIDER[0] <= beta <= BETA_SLIDER[1]:
        raise TheoryError(f"β must lie in [0, 1], got {beta:g}")
    return float(beta)


@dataclass(frozen=True)
class TheoryJob(Job):
    """Ask for the quadratic model's numbers at one lr and β (cheap: milliseconds once the optimum is cached)."""

    compute: ClassVar[str] = "engine.sections.conditioning_theory:theory_job"
    lr: float = DEFAULT_LR
    beta: float = DEFAULT_BETA

    def validate(self) -> None:
        check_lr(self.lr)
        check_beta(self.beta)


@dataclass(frozen=True)
class MethodTheory:
    """One method at one (lr, β): its rate per eigen-direction, the worst of them and the predicted iteration."""

    label: str  # "GD" or "Momentum"
    lr: float
    beta: float  # 0 for GD
    rates: tuple[float, float]  # ρᵢ per eigenvalue, in the order of Theory.eigenvalues
    rate: float  # max of rates: the error shrinks by this factor per step, asymptotically
    predicted_at: int | None  # the iteration at which both eigen-coordinates are within TOL; None: never

    @property
    def stable(self) -> bool:
        return self.rate < 1.0


@dataclass(frozen=True)
class BestSetting:
    """The theory's best setting for one method, where it sits against the course's sliders, and what it does."""

    label: str
    lr: float
    beta: float
    rate: float
    predicted_at: int | None
    measured_at: int | None  # the demo's converged_at with this setting (None: not within BEST_CHECK_STEPS)
    lr_decades_outside: float  # 0 inside the lr slider; else decades beyond its end (> 0 above, < 0 below)
    beta_outside: float  # 0 inside [0, 1]; else how far beyond (never for these formulas, kept for the screen)

    @property
    def lr_in_slider(self) -> bool:
        return self.lr_decades_outside == 0.0

    @property
    def beta_in_slider(self) -> bool:
        return self.beta_outside == 0.0

    @property
    def in_slider(self) -> bool:
        return self.lr_in_slider and self.beta_in_slider


@dataclass(frozen=True)
class Theory(Event):
    """The quadratic model at the Newton optimum, both methods' predictions at (lr, β), and the best settings."""

    optimum: tuple[float, float]  # (weight, bias)
    hessian: tuple[tuple[float, float], tuple[float, float]]  # rows (weight, bias)
    eigenvalues: tuple[float, float]  # ascending: (λmin, λmax)
    eigenvectors: tuple[tuple[float, float], tuple[float, float]]  # eigenvectors[i]: unit (weight, bias) of λᵢ
    condition_number: float  # κ = λmax / λmin
    flat_parameter: str  # "weight" or "bias": the parameter the λmin eigenvector mostly moves
    max_stable_lr: float  # GD on the quadratic is stable for lr < 2 / λmax
    start_offset: tuple[float, float]  # c: the start's error in the eigenbasis
    lr: float
    beta: float
    methods: tuple[MethodTheory, MethodTheory]  # (GD, Momentum) at (lr, β)
    best: tuple[BestSetting, BestSetting]  # (GD, Momentum) at the theory's best settings

    @property
    def max_stable_lr_momentum(self) -> float:
        """Heavy ball on the quadratic is stable for lr < 2 (1 + β) / λmax."""
        return 2 * (1 + self.beta) / self.eigenvalues[1]


def slider_offset(value: float, low: float, high: float, log: bool) -> float:
    """0 inside [low, high]; else the distance beyond the nearer end (in decades when log), signed."""
    if low <= value <= high:
        return 0.0
    f = math.log10 if log else (lambda v: v)
    return f(value) - f(high) if value > high else f(value) - f(low)
