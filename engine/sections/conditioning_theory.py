"""Section 4's theory: the Hessian at the Newton optimum, each method's predicted rate and iteration, the best settings.

The formulas and the way a rate becomes an iteration count are described in
engine.contracts.conditioning_theory; this module computes them from conditioning_math's
closed-form Hessian, at the same (cached) optimum the demo draws.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Iterator, Sequence

import numpy as np

from ..contracts.conditioning import LABELS, TOL
from ..contracts.conditioning_theory import (
    BEST_CHECK_STEPS,
    BETA_SLIDER,
    LR_SLIDER,
    BestSetting,
    MethodTheory,
    Theory,
    TheoryJob,
    slider_offset,
)
from ..events import Done, Event, Status
from .conditioning import converged_at, solved
from .conditioning_course import INITS
from .conditioning_math import Problem, hessian, problem_for, trajectories

PARAMETERS = ("weight", "bias")


def eigen(H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues ascending and unit eigenvectors as columns, each signed so its largest component is positive."""
    lam, Q = np.linalg.eigh(H)
    signs = np.sign(Q[np.abs(Q).argmax(0), np.arange(Q.shape[1])])
    return lam, Q * signs


def gd_rates(lam: np.ndarray, lr: float) -> np.ndarray:
    """GD multiplies the error along eigenvalue λ by 1 - lr·λ each step: the rate is its size."""
    return np.abs(1.0 - lr * np.asarray(lam, float))


def heavy_ball_matrix(lam: float, lr: float, beta: float) -> np.ndarray:
    """The map (e_t, e_{t-1}) -> (e_{t+1}, e_t) of heavy ball along one eigen-direction of a quadratic."""
    return np.array([[1.0 + beta - lr * lam, -beta], [1.0, 0.0]])


def heavy_ball_rates(lam: np.ndarray, lr: float, beta: float) -> np.ndarray:
    """The spectral radius of each eigen-direction's 2 x 2 iteration matrix."""
    return np.array([np.abs(np.linalg.eigvals(heavy_ball_matrix(v, lr, beta))).max() for v in np.asarray(lam, float)])


def predicted_iterations(
    rates: Sequence[float] | np.ndarray, offsets: Sequence[float] | np.ndarray, tol: float = TOL
) -> int | None:
    """max over i of ceil(log(tol / |cᵢ|) / log ρᵢ): when every eigen-coordinate has shrunk below tol; None if never.

    A direction already within tol needs 0 steps; a rate of exactly 0 needs one.
    """
    worst = 0
    for rate, offset in zip(rates, offsets):
        size = abs(float(offset))
        if size < tol:
            continue
        if rate >= 1.0:
            return None
        k = 1 if rate == 0.0 else math.ceil(math.log(tol / size) / math.log(rate))
        worst = max(worst, k)
    return worst


def best_gd(lam: np.ndarray) -> tuple[float, float]:
    """lr = 2 / (λmin + λmax) balances the two extreme directions: rate (κ - 1) / (κ + 1)."""
    return 2.0 / (lam[0] + lam[-1]), 0.0


def best_heavy_ball(lam: np.ndarray) -> tuple[float, float]:
    """lr = 4 / (√λmax + √λmin)², β = ((√κ - 1) / (√κ + 1))²: rate (√κ - 1) / (√κ + 1) (Polyak)."""
    lo, hi = math.sqrt(lam[0]), math.sqrt(lam[-1])
    root_kappa = hi / lo
    return 4.0 / (hi + lo) ** 2, ((root_kappa - 1.0) / (root_kappa + 1.0)) ** 2


def measured_at(problem: Problem, optimum, lr: float, beta: float, method: int, steps: int) -> int | None:
    """The demo's own trajectory code with (lr, β): the converged_at of method 0 (GD) or 1 (momentum)."""
    run = trajectories(problem, steps, lr, beta)
    try:
        while True:
            next(run)
    except StopIteration as stop:
        rows, diverged = stop.value
    good = rows[method, : diverged[method] if diverged[method] is not None else steps]
    return converged_at(good[np.isfinite(good).all(-1)], optimum)


def method_theory(label: str, lam: np.ndarray, offsets: np.ndarray, lr: float, beta: float) -> MethodTheory:
    rates = gd_rates(lam, lr) if label == LABELS[0] else heavy_ball_rates(lam, lr, beta)
    return MethodTheory(
        label,
        float(lr),
        float(beta if label == LABELS[1] else 0.0),
        (float(rates[0]), float(rates[1])),
        float(rates.max()),
        predicted_iterations(rates, offsets),
    )


def as_typed(lr: float, beta: float) -> tuple[float, float]:
    """A setting as the Theory tab writes it and its keys set it: lr to 3 significant digits, β to 3 decimals.

    The best settings are rounded so before anything is computed from them: the Demo then runs, shows
    and measures exactly the setting the tab names (β 0.107, not 0.106574 beside a tab saying 0.107).
    """
    return float(f"{lr:.3g}"), round(beta, 3)


def best_settings(problem: Problem, optimum, lam: np.ndarray, offsets: np.ndarray, steps: int) -> tuple:
    out = []
    for method, (label, exact) in enumerate(zip(LABELS, (best_gd(lam), best_heavy_ball(lam)))):
        lr, beta = as_typed(*exact)
        m = method_theory(label, lam, offsets, lr, beta)
        out.append(
            BestSetting(
                label,
                float(lr),
                float(beta),
                m.rate,
                m.predicted_at,
                measured_at(problem, optimum, lr, beta, method, steps),
                slider_offset(lr, *LR_SLIDER, log=True),
                slider_offset(beta, *BETA_SLIDER, log=False),
            )
        )
    return tuple(out)


@functools.lru_cache(maxsize=4)
def quadratic_model(problem: Problem, inits=INITS, optimum=None, best_steps: int = BEST_CHECK_STEPS):
    """What does not depend on (lr, β), cached: p*, H, its eigenvectors, the start's offsets, the best settings."""
    p_star = np.asarray(solved(problem).optimum if optimum is None else optimum, float)
    H = hessian(problem, p_star)
    lam, Q = eigen(H)
    offsets = Q.T @ (np.asarray(inits, float) - p_star)
    return p_star, H, lam, Q, offsets, best_settings(problem, p_star, lam, offsets, best_steps)


def theory(
    problem: Problem, lr: float, beta: float, inits=INITS, optimum=None, best_steps: int = BEST_CHECK_STEPS
) -> Theory:
    """Everything the quadratic model says at (lr, β), from the Hessian at the optimum (the demo's, unless given)."""
    opt_key = None if optimum is None else tuple(map(float, optimum))
    p_star, H, lam, Q, offsets, best = quadratic_model(problem, tuple(inits), opt_key, best_steps)
    pair = lambda a: (float(a[0]), float(a[1]))
    return Theory(
        optimum=pair(p_star),
        hessian=(pair(H[0]), pair(H[1])),
        eigenvalues=pair(lam),
        eigenvectors=(pair(Q[:, 0]), pair(Q[:, 1])),
        condition_number=float(lam[1] / lam[0]),
        flat_parameter=PARAMETERS[int(np.abs(Q[:, 0]).argmax())],
        max_stable_lr=float(2.0 / lam[1]),
        start_offset=pair(offsets),
        lr=float(lr),
        beta=float(beta),
        methods=(method_theory(LABELS[0], lam, offsets, lr, beta), method_theory(LABELS[1], lam, offsets, lr, beta)),
        best=best,
    )


def theory_job(job: TheoryJob, env) -> Iterator[Event]:
    """The TheoryJob's compute function: one Theory event from the course's 500 examples (milliseconds)."""
    start = time.perf_counter()
    job.validate()
    yield Status("the quadratic model at the optimum")
    X, y = env.context.subset
    yield theory(problem_for(X, y), job.lr, job.beta)
    yield Done("completed", time.perf_counter() - start)
