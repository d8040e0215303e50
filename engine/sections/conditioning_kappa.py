"""Section 4's condition-number explorer: GD and heavy ball at their best on the slice's quadratic with the κ asked for.

The quadratic and the closed forms are described in engine.contracts.conditioning_kappa. The
runs below are the two update rules themselves (gradient H (p - p*)), many κ at once as one
array, measured like the Demo; the closed forms are computed apart from them, from the rates.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

import numpy as np

from ..contracts.conditioning import LABELS, TOL
from ..contracts.conditioning_kappa import MAX_ITERS, SWEEP_STEPS, KappaJob, KappaMethod, KappaRun, KappaSweep
from ..events import Done, Event, Status
from .conditioning_math import problem_for
from .conditioning_theory import (
    best_gd,
    best_heavy_ball,
    gd_rates,
    heavy_ball_rates,
    predicted_iterations,
    quadratic_model,
)


def sweep_kappas(steps: int = SWEEP_STEPS) -> np.ndarray:
    """κ = 10^(3 j / steps), j = 0 .. steps: 1 to 1,000 on the slider's tenth-of-a-decade grid."""
    return 10.0 ** (3.0 * np.arange(steps + 1) / steps)


def hessians(Q: np.ndarray, lam_max: float, kappas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """H = Q diag(λmax / κ, λmax) Qᵀ for each κ: (n, 2, 2), and the eigenvalues (n, 2) ascending."""
    lam = np.stack([lam_max / np.asarray(kappas, float), np.full(len(kappas), lam_max)], axis=1)
    return np.einsum("ij,nj,kj->nik", Q, lam, Q), lam


def best(lam: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
    """((lr, 0), (lr, β)): GD's and heavy ball's best settings for eigenvalues (λmin, λmax)."""
    return best_gd(lam), best_heavy_ball(lam)


def measure(
    H: np.ndarray, start: np.ndarray, lr: np.ndarray, beta: np.ndarray, tol: float = TOL, max_iters: int = MAX_ITERS
) -> tuple[list[int | None], np.ndarray]:
    """Heavy ball (GD where β = 0) on ½ eᵀ H e for n problems at once, velocity from zero as the Demo.

    e is p - p* (the distance to the optimum per parameter, kept directly so that it can fall far
    below 1e-6 without cancellation). Returns each run's first iteration with every |eⱼ| < tol
    (None: not within max_iters) and the worse dimension's distance per iteration (iters, n),
    up to the last run's arrival.
    """
    n = len(H)
    e = np.tile(np.asarray(start, float), (n, 1))
    v = np.zeros_like(e)
    lr, beta = np.asarray(lr, float)[:, None], np.asarray(beta, float)[:, None]
    arrived = np.full(n, -1)
    trace = []
    for k in range(max_iters + 1):
        worst = np.abs(e).max(1)
        trace.append(worst)
        arrived[(worst < tol) & (arrived < 0)] = k
        if (arrived >= 0).all():
            break
        v = -lr * np.einsum("nij,nj->ni", H, e) + beta * v
        e = e + v
    return [int(a) if a >= 0 else None for a in arrived], np.array(trace)


def repeated_root_at(offsets: Sequence[float] | np.ndarray, roots: Sequence[float], tol: float = TOL) -> int:
    """The first k with |cᵢ rᵢᵏ (1 + k (1 - rᵢ))| < tol in every direction i: heavy ball's error at a repeated root rᵢ.

    Searched from the rate's own count upwards: before it, |cᵢ rᵢᵏ| alone is not yet below tol, and the factor is >= 1.
    """
    k = predicted_iterations([abs(r) for r in roots], offsets, tol)
    if k is None:
        raise ValueError(f"a repeated root of size >= 1 never converges: {roots}")
    while any(abs(c * r**k * (1 + k * (1 - r))) >= tol for c, r in zip(offsets, roots)):
        k += 1
    return k


def closed_forms(lam: np.ndarray, offsets: np.ndarray) -> tuple[KappaMethod, KappaMethod]:
    """Both methods' best settings and rates for eigenvalues (λmin, λmax), and their predicted counts (no run)."""
    (lr_gd, _), (lr_hb, beta) = best(lam)
    rho_gd = float(gd_rates(lam, lr_gd).max())
    rho_hb = float(heavy_ball_rates(lam, lr_hb, beta).max())
    gd_at = predicted_iterations(gd_rates(lam, lr_gd), offsets)
    hb_at = predicted_iterations([rho_hb, rho_hb], offsets)
    # Polyak's setting makes x² - (1 + β - lr λ) x + β a square in both directions: one root r = (1 + β - lr λ) / 2.
    roots = [(1 + beta - lr_hb * v) / 2 for v in lam]
    assert gd_at is not None and hb_at is not None  # best settings always converge
    return (
        KappaMethod(LABELS[0], float(lr_gd), 0.0, rho_gd, None, gd_at, gd_at),
        KappaMethod(LABELS[1], float(lr_hb), float(beta), rho_hb, None, hb_at, repeated_root_at(offsets, roots)),
    )


def explore(Q: np.ndarray, lam_max: float, start: np.ndarray, kappas: Sequence[float]):
    """Per κ: both methods' KappaMethod (measured and predicted) and their distance traces (iterations, 2 n)."""
    H, lam = hessians(Q, lam_max, np.asarray(kappas, float))
    offsets = Q.T @ start
    forms = [closed_forms(row, offsets) for row in lam]
    lr = np.array([[m.lr for m in pair] for pair in forms]).T.ravel()  # all GD runs, then all heavy-ball runs
    beta = np.array([[m.beta for m in pair] for pair in forms]).T.ravel()
    arrived, trace = measure(np.concatenate([H, H]), start, lr, beta)
    n = len(kappas)
    methods = [
        tuple(
            KappaMethod(m.label, m.lr, m.beta, m.rate, arrived[j * n + i], m.rate_at, m.exact_at)
            for j, m in enumerate(pair)
        )
        for i, pair in enumerate(forms)
    ]
    return methods, lam, trace


def slice_quadratic(X, y) -> tuple[np.ndarray, float, np.ndarray, float]:
    """The Demo's slice at its optimum: eigenvectors Q, λmax, the start's offset p₀ - p*, and κ."""
    _, _, lam, Q, offsets, _ = quadratic_model(problem_for(X, y))
    return Q, float(lam[1]), Q @ offsets, float(lam[1] / lam[0])


def _ints(values) -> tuple:
    return tuple(None if v is None else int(v) for v in values)


def kappa_events(X, y, kappa: float, with_sweep: bool = True) -> Iterator[Event]:
    """The sweep over the κ grid (when asked), then both methods at the learner's κ with their traces."""
    start = time.perf_counter()
    yield Status("the slice's quadratic at its optimum")
    Q, lam_max, offset, slice_kappa = slice_quadratic(X, y)
    if with_sweep:
        yield Status("GD and heavy ball over κ from 1 to 1,000")
        kappas = sweep_kappas()
        methods, _, _ = explore(Q, lam_max, offset, [*kappas, slice_kappa])
        grid, at_slice = methods[:-1], methods[-1]
        column = lambda attr, j: _ints(getattr(pair[j], attr) for pair in grid)
        yield KappaSweep(
            tuple(map(float, kappas)),
            (column("measured_at", 0), column("measured_at", 1)),
            (column("rate_at", 0), column("rate_at", 1)),
            (column("exact_at", 0), column("exact_at", 1)),
            slice_kappa,
            _ints(m.measured_at for m in at_slice),
        )
    yield Status(f"GD and heavy ball at κ {kappa:g}")
    methods, lam, trace = explore(Q, lam_max, offset, [kappa])
    (gd, hb), ends = methods[0], [m.measured_at for m in methods[0]]
    gd_trace, hb_trace = (
        tuple(map(float, trace[: (len(trace) if end is None else end + 1), j])) for j, end in enumerate(ends)
    )
    yield KappaRun(float(kappa), (float(lam[0, 0]), float(lam[0, 1])), (gd, hb), (gd_trace, hb_trace))
    yield Done("completed", time.perf_counter() - start)


def kappa_job(job: KappaJob, env) -> Iterator[Event]:
    """The KappaJob's compute function, on the course's 500 examples (tens of milliseconds)."""
    X, y = env.context.subset
    yield from kappa_events(X, y, job.kappa, job.with_sweep)
