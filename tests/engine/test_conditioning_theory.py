"""Section 4's theory: the Hessian against finite differences, predicted rates against runs on exact quadratics."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from engine.contracts.conditioning import TOL
from engine.contracts.conditioning_theory import (
    LR_SLIDER,
    Theory,
    TheoryError,
    TheoryJob,
    slider_offset,
)
from engine.events import Done
from engine.jobs import RunEnv, run_job
from engine.sections import conditioning as C
from engine.sections import conditioning_math as M
from engine.sections import conditioning_theory as T


@pytest.fixture(scope="module")
def problem(subset):
    return M.problem_for(*subset)


@pytest.fixture(scope="module")
def default_theory(problem) -> Theory:
    return T.theory(problem, 0.1, 0.9)


def fd_hessian(problem, p, h=1e-3) -> np.ndarray:
    """Central second differences of the closed-form loss alone (no gradient, no Hessian formula)."""
    loss = lambda q: float(M.loss_grad(problem, np.asarray(q, float))[0])
    H = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            H[i, j] = (loss(p + ei + ej) - loss(p + ei - ej) - loss(p - ei + ej) + loss(p - ei - ej)) / (4 * h * h)
    return H


def test_eigenvalues_match_a_finite_difference_hessian(problem, default_theory):
    p = np.array(default_theory.optimum)
    assert np.abs(M.loss_grad(problem, p)[1]).max() < 1e-12  # it is the optimum
    H_fd = fd_hessian(problem, p)
    np.testing.assert_allclose(default_theory.eigenvalues, np.linalg.eigvalsh(H_fd), rtol=1e-5)
    np.testing.assert_allclose(default_theory.hessian, H_fd, atol=1e-7)
    assert default_theory.condition_number == pytest.approx(np.divide(*np.linalg.eigvalsh(H_fd)[::-1]), rel=1e-5)


def test_near_the_optimum_the_weight_is_the_flatter_direction(problem, default_theory):
    # The course's Think! 4 says the loss moves more through the weight; at the optimum it is the other way round.
    H_fd = fd_hessian(problem, np.array(default_theory.optimum))
    assert H_fd[0, 0] < H_fd[1, 1]
    assert default_theory.flat_parameter == "weight"
    (w0, b0), (w1, b1) = default_theory.eigenvectors
    assert abs(w0) > abs(b0) and abs(b1) > abs(w1)
    for vec, lam in zip(default_theory.eigenvectors, default_theory.eigenvalues):
        np.testing.assert_allclose(H_fd @ np.array(vec), lam * np.array(vec), atol=1e-7)


def rotated_quadratic(lams=(0.02, 0.09), angle=0.5) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    R = np.array([[c, -s], [s, c]])
    return R @ np.diag(lams) @ R.T


def run_quadratic(H, e0, lr, beta, steps):
    """Heavy ball (GD when beta = 0) on ½ eᵀHe as the demo runs it; the error recorded before each update."""
    w, v, out = np.array(e0, float), np.zeros(2), []
    for _ in range(steps):
        out.append(w.copy())
        v = -lr * (H @ w) + beta * v
        w = w + v
    return np.array(out)


def settled_at(errors_eigen: np.ndarray, tol=TOL) -> int:
    """The first iteration from which every eigen-coordinate stays within tol."""
    above = np.flatnonzero((np.abs(errors_eigen) >= tol).any(-1))
    return int(above[-1]) + 1 if above.size else 0


@pytest.mark.parametrize(
    "lr, beta, slack",
    [
        (1.0, 0.0, 1),
        (10.0, 0.0, 1),
        (20.0, 0.0, 1),  # lr·λmax > 1: the fast direction flips sign each step
        (2 / 0.11, 0.0, 1),  # the best GD setting
        (1.0, 0.3, 2),  # heavy ball, real roots
        (1.0, 0.6, 2),
        (10.0, 0.2, 2),
        (5.0, 0.5, 2),  # complex roots in the flat direction
    ],
)
def test_predicted_rate_and_iteration_match_a_run_on_an_exact_quadratic(lr, beta, slack):
    H = rotated_quadratic()
    lam, Q = T.eigen(H)
    e0 = np.array([3.0, -2.0])
    offsets = Q.T @ e0
    label = "GD" if beta == 0 else "Momentum"
    m = T.method_theory(label, lam, offsets, lr, beta)
    steps = m.predicted_at + 50
    eig = run_quadratic(H, e0, lr, beta, steps) @ Q  # rows: the error in the eigenbasis
    assert abs(settled_at(eig) - m.predicted_at) <= slack
    # The measured rate: the slowest direction's shrink per step over the last 40 steps.
    norms = np.abs(eig).max(-1)
    k0, k1 = steps - 45, steps - 5
    assert (norms[k1] / norms[k0]) ** (1 / (k1 - k0)) == pytest.approx(m.rate, rel=0.01)


def test_heavy_ball_rate_is_the_spectral_radius_and_gd_is_heavy_ball_without_beta():
    lam = np.array([0.02, 0.09])
    np.testing.assert_allclose(T.heavy_ball_rates(lam, 3.0, 0.0), T.gd_rates(lam, 3.0))
    # Complex roots have modulus √β exactly.
    np.testing.assert_allclose(T.heavy_ball_rates(lam, 1.0, 0.9), math.sqrt(0.9))
    lr, beta = T.best_heavy_ball(lam)
    kappa = 4.5
    np.testing.assert_allclose(T.heavy_ball_rates(lam, lr, beta), (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1))
    lr, _ = T.best_gd(lam)
    np.testing.assert_allclose(T.gd_rates(lam, lr), (kappa - 1) / (kappa + 1))


def test_predicted_iterations_edge_cases():
    assert T.predicted_iterations([0.5, 0.5], [1e-7, 1e-7]) == 0
    assert T.predicted_iterations([1.0, 0.5], [1.0, 1.0]) is None
    assert T.predicted_iterations([1.0, 0.5], [1e-7, 1.0]) == 20  # a direction already there needs no rate
    assert T.predicted_iterations([0.0, 0.5], [1.0, 1e-7]) == 1
    assert T.predicted_iterations([0.1, 0.1], [1.0, 1.0]) == 6


def test_best_heavy_ball_beats_best_gd_on_the_real_slice(subset, default_theory):
    gd, hb = default_theory.best
    assert hb.predicted_at < gd.predicted_at
    # The demo's own generator, with the theory's settings (a wider lr than its slider allows).
    got = {}
    for best in (gd, hb):
        events = list(C.momentum_demo(*subset, max_steps=200, lr=best.lr, beta=best.beta))
        traj = {e.label: e for e in events if isinstance(e, C.Trajectory)}
        got[best.label] = traj["GD" if best.label == "GD" else "Momentum"].converged_at
    assert got["GD"] == gd.measured_at and got["Momentum"] == hb.measured_at
    assert got["Momentum"] is not None and got["GD"] is not None
    assert got["Momentum"] < got["GD"]


def test_best_settings_against_the_course_sliders(default_theory):
    gd, hb = default_theory.best
    lam_min, lam_max = default_theory.eigenvalues
    assert gd.lr == float(f"{2 / (lam_min + lam_max):.3g}") == 17.0  # as the tab writes it and g sets it
    assert (hb.lr, hb.beta) == T.as_typed(*T.best_heavy_ball(np.array([lam_min, lam_max]))) == (18.8, 0.107)
    assert not gd.lr_in_slider and gd.lr_decades_outside == pytest.approx(math.log10(gd.lr / LR_SLIDER[1]))
    assert not hb.lr_in_slider and hb.lr_decades_outside > 0
    assert hb.beta_in_slider and 0 < hb.beta < 1
    assert slider_offset(1e-4, *LR_SLIDER, log=True) == pytest.approx(-1.0)
    assert slider_offset(0.5, *LR_SLIDER, log=True) == 0.0


def test_predictions_move_with_lr_and_beta(problem):
    slow, fast = T.theory(problem, 0.1, 0.9), T.theory(problem, 5.0, 0.5)
    assert slow.methods[0].rate == pytest.approx(1 - 0.1 * slow.eigenvalues[0])
    assert fast.methods[0].predicted_at < slow.methods[0].predicted_at
    assert fast.methods[1].predicted_at < fast.methods[0].predicted_at
    assert fast.methods[1].beta == 0.5 and fast.methods[0].beta == 0.0


def test_theory_job_streams_one_theory_then_done(subset):
    env = RunEnv(SimpleNamespace(subset=subset))
    events = list(run_job(TheoryJob(lr=5.0, beta=0.5), env))
    theories = [e for e in events if isinstance(e, Theory)]
    assert len(theories) == 1 and theories[0].lr == 5.0 and theories[0].beta == 0.5
    assert isinstance(events[-1], Done) and events[-1].reason == "completed"


@pytest.mark.parametrize(
    "lr, beta", [(0.0, 0.5), (-1.0, 0.5), (math.nan, 0.5), (math.inf, 0.5), (1e3, 0.5), (0.1, -0.1), (0.1, 1.5)]
)
def test_theory_job_refuses_what_is_not_usable(lr, beta):
    with pytest.raises(TheoryError):
        TheoryJob(lr=lr, beta=beta).validate()


def test_the_lesson_quotes_the_computed_figures(default_theory):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "assets/lessons/conditioning.md").read_text(encoding="utf-8")
    text = " ".join(text.split())  # a rewrapped paragraph says the same
    lam_min, lam_max = default_theory.eigenvalues
    gd, hb = default_theory.best
    for figure in (
        f"{lam_min:.4f}",
        f"{lam_max:.4f}",
        f"{default_theory.hessian[0][0]:.4f}",
        f"{default_theory.hessian[0][1]:.4f}",
        f"κ = λmax/λmin ≈ {default_theory.condition_number:.1f}",
        f"≈ {gd.lr:.1f} (rate {gd.rate:.2f}, {gd.measured_at} iterations",
        f"lr ≈ {hb.lr:.1f} with β ≈ {hb.beta:.2f} (rate {hb.rate:.2f}, {hb.measured_at} iterations",
        f"GD {gd.predicted_at} predicted, momentum {hb.predicted_at}.",
        f"{default_theory.methods[0].predicted_at:,} predicted",
    ):
        assert figure in text, figure
