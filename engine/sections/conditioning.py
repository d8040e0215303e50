"""Section 4, poor conditioning: Interactive Demo 4 (GD versus momentum on a two-parameter slice) as events.

The maths lives in conditioning_math (fast, closed form) and conditioning_course (the course's
own torch code, used for a learner's update functions and as the reference in tests).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Generator, Iterator

import numpy as np
import torch

from ..contracts.conditioning import EXERCISES, LABELS, TOL, MomentumDemoJob, Surface, Trajectory
from ..events import Diverged, Done, Event, Progress, Status
from ..exercises.learner import load_learner_functions
from ..updates import gradient_update, momentum_update
from .conditioning_course import GRID_L, GRID_N, INITS, run_optimizer
from .conditioning_math import (
    RUNAWAY,
    Problem,
    diverged_rows,
    evaluate,
    first_true,
    loss_grad,
    loss_surface,
    newton,
    problem_for,
    trajectories,
)


def converged_at(rows: np.ndarray, optimum, tol: float = TOL) -> int | None:
    """The first iteration at which both |u - u*| and |v - v*| are below tol (None if never)."""
    if not len(rows):
        return None
    with np.errstate(invalid="ignore"):
        return first_true((np.abs(np.asarray(rows)[:, :2] - np.asarray(optimum)) < tol).all(-1))


def plugin_trajectories(
    problem: Problem,
    max_steps: int,
    lr: float,
    beta: float,
    gradient_fn: Callable,
    momentum_fn: Callable,
    inits=INITS,
    dtype: torch.dtype = torch.float32,
    bound: float = RUNAWAY,
) -> Generator[Progress, None, tuple[np.ndarray, list[int | None]]]:
    """The same result through the course's run_optimizer: torch autograd and any update functions.

    The loss is conditioning_math's closed form written in torch (identical to loss_2d), in the course's float32.
    """
    feat, base, rest, target = (
        torch.as_tensor(a, dtype=dtype, device=problem.device)
        for a in (problem.feat, problem.base, problem.rest, problem.target)
    )

    def eval_fn(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        loss, _ = evaluate(feat, base, rest, target, problem.const, torch.stack([u, v]), xp=torch)
        return loss

    def stop(t: int, row: np.ndarray) -> bool:
        return bool(diverged_rows(row[None], bound)[0])

    runs = [(gradient_fn, {"lr": lr}), (momentum_fn, {"lr": lr, "beta": beta})]
    rows = np.full((2, max_steps, 3), np.nan)
    diverged: list[int | None] = [None, None]
    for k, (fn, kwargs) in enumerate(runs):
        got = run_optimizer(inits, eval_fn, fn, max_steps, kwargs, dtype=dtype, device=problem.device, stop=stop)
        rows[k, : len(got)] = got
        diverged[k] = first_true(diverged_rows(got, bound))
        yield Progress(k + 1, 2, "methods")
    return rows, diverged


def grid() -> np.ndarray:
    return np.linspace(-GRID_L, GRID_L, GRID_N)


def solve(problem: Problem) -> Surface:
    """The loss surface and the Newton optimum: everything that depends only on the data."""
    xs = grid()
    z = loss_surface(problem, xs)
    opt, iters = newton(problem)
    opt_loss, _ = loss_grad(problem, opt)
    xt = tuple(map(float, xs))
    return Surface(
        xt, xt, tuple(tuple(map(float, row)) for row in z), (float(opt[0]), float(opt[1])), float(opt_loss), iters
    )


@functools.lru_cache(maxsize=2)
def solved(problem: Problem) -> Surface:
    return solve(problem)


def momentum_demo(
    X: torch.Tensor,
    y: torch.Tensor,
    max_steps: int = 300,
    lr: float = 0.1,
    beta: float = 0.9,
    *,
    with_surface: bool = True,
    gradient_fn: Callable = gradient_update,
    momentum_fn: Callable = momentum_update,
    beside_reference: bool = False,
) -> Iterator[Event]:
    """Interactive Demo 4: the surface and optimum (when asked, cached), then GD and momentum trajectories.

    With the reference update functions the fast batched path runs; any other function runs
    through the course's run_optimizer (torch autograd, float32) so a learner's code plugs in, and
    with `beside_reference` the reference's paths follow (Trajectory(reference=True)): the problem has
    no random draw, so a correct function gives the same path.
    """
    start = time.perf_counter()
    yield Status("building the loss surface and its optimum")
    problem = problem_for(X, y)
    surface = solved(problem)
    if with_surface:
        yield surface
    yield Status(f"running GD and momentum for {max_steps} steps")
    fast = gradient_fn is gradient_update and momentum_fn is momentum_update
    if fast:
        rows, diverged = yield from trajectories(problem, max_steps, lr, beta)
    else:
        rows, diverged = yield from plugin_trajectories(problem, max_steps, lr, beta, gradient_fn, momentum_fn)
    for k, label in enumerate(LABELS):
        if (at := diverged[k]) is not None:
            yield Diverged(at, label)
    yield from trajectory_events(rows, diverged, max_steps, surface.optimum)
    if beside_reference and not fast:
        ref_rows, ref_diverged = yield from trajectories(problem, max_steps, lr, beta)
        yield from trajectory_events(ref_rows, ref_diverged, max_steps, surface.optimum, reference=True)
    reason = "diverged" if any(d is not None for d in diverged) else "completed"
    yield Done(reason, time.perf_counter() - start)


def trajectory_events(rows: np.ndarray, diverged, max_steps: int, optimum, reference: bool = False) -> Iterator[Event]:
    """A Trajectory per method: the finite rows up to its divergence, and when it met the optimum."""
    for k, label in enumerate(LABELS):
        good = rows[k, : diverged[k] if diverged[k] is not None else max_steps]
        good = good[np.isfinite(good).all(-1)]
        points = tuple(map(tuple, good.tolist()))
        yield Trajectory(label, points, max_steps, optimum, converged_at(good, optimum), diverged[k], reference)


ARGUMENTS = dict(zip(EXERCISES, ("gradient_fn", "momentum_fn")))  # momentum_demo's names for them


def momentum_demo_job(job: MomentumDemoJob, env) -> Iterator[Event]:
    """The demo on the course's 500-example subset, with the learner's functions where the job names them."""
    mine = {ARGUMENTS[name]: fn for name, fn in load_learner_functions(dict(job.learner)).items()}
    X, y = env.context.subset
    yield from momentum_demo(
        X, y, job.steps, job.lr, job.beta, with_surface=job.with_surface, beside_reference=bool(mine), **mine
    )
