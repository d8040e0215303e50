"""Section 4: the closed-form 2-D problem against the course's loss_2d, autograd and finite differences."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from torch import nn

from engine.events import Diverged, Done, Status
from engine.sections import conditioning as C
from engine.sections import conditioning_course as course
from engine.sections import conditioning_math as M
from engine.updates import gradient_update, momentum_update

from .helpers import drain


@pytest.fixture(scope="module")
def problem(subset):
    return M.build_problem(*subset)


@pytest.fixture(scope="module")
def model():
    return course.course_model()


@pytest.fixture(scope="module")
def optimum(problem):
    return M.newton(problem)[0]


def course_loss(model, subset, u, v):
    as_tensor = lambda c: c if torch.is_tensor(c) else torch.tensor(float(c))
    return course.loss_2d(model, as_tensor(u), as_tensor(v), *subset)


def test_course_weights_are_the_seeded_model_and_leave_the_rng_alone(model):
    torch.manual_seed(7)
    expected_next = torch.rand(3)
    torch.manual_seed(7)
    W, b = M.course_weights()
    assert torch.equal(W, model.main[0].weight) and torch.equal(b, model.main[0].bias)
    assert torch.equal(torch.rand(3), expected_next)


def test_course_weights_drawn_by_jobs_in_many_threads_at_once_are_all_the_seeded_ones(model):
    # The demo and its theory build the problem at the same time; their draws must not interleave.
    barrier = threading.Barrier(8)

    def draw(_):
        barrier.wait()
        return M.course_weights()

    for _ in range(5):
        with ThreadPoolExecutor(8) as pool:
            drawn = list(pool.map(draw, range(8)))
        assert all(torch.equal(W, model.main[0].weight) for W, _ in drawn)


@pytest.mark.parametrize("ij", [(0, 0), (0, 29), (29, 0), (13, 22), (29, 29), (7, 15)])
def test_surface_equals_course_loss_2d(problem, model, subset, ij):
    xs = C.grid()
    z = M.loss_surface(problem, xs)
    i, j = ij
    with torch.no_grad():
        ref = course_loss(model, subset, xs[j], xs[i]).item()  # U[i, j] = xs[j], V[i, j] = xs[i]
    assert z[i, j] == pytest.approx(ref, rel=1e-6)


def test_surface_equals_course_surface_on_a_small_grid(problem, model, subset):
    xs = np.array([-4.0, -1.5, 0.5, 4.0])
    np.testing.assert_allclose(M.loss_surface(problem, xs), course.course_surface(model, *subset, xs=xs), rtol=1e-6)


def torch_loss64(problem):
    feat, base, rest, target = (
        torch.as_tensor(a, dtype=torch.float64) for a in (problem.feat, problem.base, problem.rest, problem.target)
    )
    return lambda p: M.evaluate(feat, base, rest, target, problem.const, p, xp=torch)[0]


@pytest.mark.parametrize("p", [(2.5, 3.7), (-1.0, 0.2), (3.9, -3.9), (0.0, 0.0)])
def test_loss_and_gradient_match_autograd(problem, model, subset, p):
    loss, grad = M.loss_grad(problem, p)
    u, v = (torch.tensor(float(c), requires_grad=True) for c in p)
    ref = course_loss(model, subset, u, v)
    ref_grad = torch.autograd.grad(ref, (u, v))
    assert loss == pytest.approx(ref.item(), rel=1e-6)
    np.testing.assert_allclose(grad, [g.item() for g in ref_grad], rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("p", [(2.5, 3.7), (-1.26, 0.03), (1.0, -2.0)])
def test_hessian_matches_autograd_and_finite_differences(problem, p):
    H = M.hessian(problem, p)
    ref = torch.autograd.functional.hessian(torch_loss64(problem), torch.tensor(p, dtype=torch.float64))
    np.testing.assert_allclose(H, ref.numpy(), rtol=1e-10, atol=1e-14)
    h = 1e-5
    fd = np.stack(
        [
            (M.loss_grad(problem, np.add(p, h * e))[1] - M.loss_grad(problem, np.subtract(p, h * e))[1]) / (2 * h)
            for e in np.eye(2)
        ],
        1,
    )
    np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-10)
    assert np.allclose(H, H.T)


def test_newton_optimum_is_a_minimum_and_matches_the_course(problem, model, subset, optimum):
    _, grad = M.loss_grad(problem, optimum)
    assert np.abs(grad).max() < 1e-13
    assert np.all(np.linalg.eigvalsh(M.hessian(problem, optimum)) > 0)  # positive definite
    assert M.loss_grad(problem, optimum)[0] <= M.loss_surface(problem, C.grid()).min()
    # The course's Newton (float32, autograd Hessian; it converges in a few of its 200 steps).
    g = lambda u, v: course.loss_2d(model, u, v, *subset)
    np.testing.assert_allclose(course.run_newton(g, max_iter=8), optimum, atol=2e-5)


def hand_rolled(model, subset, update, steps, **kwargs):
    """The course's functions in a plain torch loop: rows [u, v, loss] before each update."""
    params = [nn.Parameter(torch.tensor(c)) for c in course.INITS]
    vel = [torch.zeros_like(p) for p in params]
    rows = []
    for _ in range(steps):
        loss = course.loss_2d(model, *params, *subset)
        rows.append([p.item() for p in params] + [loss.item()])
        update(loss, params, **kwargs) if update is gradient_update else update(loss, params, vel, **kwargs)
    return np.array(rows)


@pytest.mark.parametrize("lr, beta", [(0.1, 0.9), (5.0, 0.5)], ids=["default", "fast"])
def test_trajectories_match_a_hand_rolled_torch_loop(problem, model, subset, lr, beta):
    steps = 25
    _, (rows, diverged) = drain(M.trajectories(problem, steps, lr, beta))
    assert diverged == [None, None]
    gd = hand_rolled(model, subset, gradient_update, steps, lr=lr)
    mom = hand_rolled(model, subset, momentum_update, steps, lr=lr, beta=beta)
    np.testing.assert_allclose(rows[0], gd, atol=2e-5)  # float32 course versus float64
    np.testing.assert_allclose(rows[1], mom, atol=2e-5)


def test_fast_path_equals_plugin_path(problem):
    steps, lr, beta = 80, 1.0, 0.8
    _, (fast, _) = drain(M.trajectories(problem, steps, lr, beta))
    _, (plug64, _) = drain(
        C.plugin_trajectories(problem, steps, lr, beta, gradient_update, momentum_update, dtype=torch.float64)
    )
    np.testing.assert_allclose(fast, plug64, rtol=1e-9, atol=1e-12)
    _, (plug32, _) = drain(C.plugin_trajectories(problem, steps, lr, beta, gradient_update, momentum_update))
    np.testing.assert_allclose(fast, plug32, atol=1e-4)


def independent_divergence(problem, lr, beta, steps):
    """First iteration whose parameters are not finite or beyond RUNAWAY, by a float64 torch autograd loop."""
    f = torch_loss64(problem)
    out = []
    for b in (0.0, beta):
        p, vel = torch.tensor(course.INITS, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
        for t in range(steps):
            if not torch.isfinite(p).all() or p.abs().max() > M.RUNAWAY:
                out.append(t)
                break
            q = p.clone().requires_grad_(True)
            vel = -lr * torch.autograd.grad(f(q), q)[0] + b * vel
            p = p + vel
        else:
            out.append(None)
    return out


def test_divergence_is_an_event_at_the_right_iteration(subset, problem):
    lr, beta = 100.0, 0.9
    expected = independent_divergence(problem, lr, beta, 40)
    assert expected[0] is not None and expected[1] is not None
    events = list(C.momentum_demo(*subset, max_steps=40, lr=lr, beta=beta))
    assert [(e.label, e.iteration) for e in events if isinstance(e, Diverged)] == list(zip(C.LABELS, expected))
    trajs = [e for e in events if isinstance(e, C.Trajectory)]
    assert [t.diverged_at for t in trajs] == expected
    assert [len(t.points) for t in trajs] == expected  # only the part before the runaway is kept
    assert isinstance(events[-1], Done) and events[-1].reason == "diverged"


def test_a_plugged_in_update_that_makes_nan_diverges(subset):
    calls = []

    def broken_momentum(loss, params, grad_vel, lr=1e-3, beta=0.8):
        momentum_update(loss, params, grad_vel, lr, beta)
        calls.append(1)
        if len(calls) == 5:  # the 5th update writes NaN: row 5 is the first bad one
            params[0].data.fill_(float("nan"))

    events = list(C.momentum_demo(*subset, max_steps=30, momentum_fn=broken_momentum))
    assert [(e.label, e.iteration) for e in events if isinstance(e, Diverged)] == [("Momentum", 5)]
    gd, mom = [e for e in events if isinstance(e, C.Trajectory)]
    assert gd.diverged_at is None and len(gd.points) == 30 and len(mom.points) == 5


def test_the_sliders_range_never_diverges(problem):
    for lr in (1e-3, 10**0.7):
        for beta in (0.0, 0.9, 1.0):
            _, (_, diverged) = drain(M.trajectories(problem, 500, lr, beta))
            assert diverged == [None, None], (lr, beta)


def test_converged_at():
    opt = (1.0, -2.0)
    rows = np.array([[3.0, 0.0, 9.0], [1.0 + 5e-7, -2.0 + 2e-6, 1.0], [1.0 - 5e-7, -2.0 - 5e-7, 1.0], [1.0, -2.0, 1.0]])
    assert C.converged_at(rows, opt) == 2  # row 1 is close in the weight only
    assert C.converged_at(rows[:2], opt) is None
    assert C.converged_at(rows[:0], opt) is None


def test_demo_events_and_the_course_target(subset):
    events = list(C.momentum_demo(*subset, max_steps=120, lr=10**0.7, beta=0.48))
    assert isinstance(events[0], Status)
    surface = next(e for e in events if isinstance(e, C.Surface))
    assert len(surface.z) == len(surface.ys) == 30 and len(surface.z[0]) == len(surface.xs) == 30
    gd, mom = [e for e in events if isinstance(e, C.Trajectory)]
    assert (gd.label, mom.label) == C.LABELS and len(gd.points) == len(mom.points) == 120
    assert gd.points[0][:2] == mom.points[0][:2] == course.INITS
    assert mom.met_target and not gd.met_target  # momentum reaches 1e-6 within 100 iterations; GD cannot
    again = list(C.momentum_demo(*subset, max_steps=50, with_surface=False))
    assert not any(isinstance(e, C.Surface) for e in again)
    assert isinstance(again[-1], Done) and again[-1].reason == "completed"
