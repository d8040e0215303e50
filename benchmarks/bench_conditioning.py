"""Section 4's full recompute (surface, optimum, GD and momentum) ours versus the course's straightforward way.

Ours: build the closed-form problem from the data, the 30 x 30 surface in one batched
computation, Newton with the analytic Hessian until converged, and both trajectories batched
(max_steps = 300, the demo's default). The course: a deep copy
of the model per grid point (900 loss_2d calls), 200 Newton steps with
torch.autograd.functional.hessian, and run_optimizer's one-autograd-step-per-iteration loop
with the reference gradient_update and momentum_update. Run: python benchmarks/bench_conditioning.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch

from engine.data import course_subset, load_mnist
from engine.device import device_name, select_device, synchronize
from engine.sections import conditioning as C
from engine.sections import conditioning_course as course
from engine.sections import conditioning_math as M
from engine.updates import gradient_update, momentum_update

LR, BETA = 0.1, 0.9


def ours(X, y, steps: int) -> None:
    problem = M.build_problem(X, y)  # no cache: everything from the data
    C.solve(problem)
    for _ in M.trajectories(problem, steps, LR, BETA):
        pass


def theirs(X, y, steps: int) -> dict[str, float]:
    """The course's way once; returns seconds per part."""
    parts, t = {}, time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        synchronize(X.device)
        parts[name], t = time.perf_counter() - t, time.perf_counter()

    model = course.course_model(device=X.device)
    course.course_surface(model, X, y)
    lap("surface (900 deep copies)")
    g = lambda u, v: course.loss_2d(model, u, v, X, y)
    course.run_newton(g)
    lap("Newton (200 autograd Hessians)")
    course.run_optimizer(course.INITS, g, gradient_update, steps, {"lr": LR}, device=X.device)
    course.run_optimizer(course.INITS, g, momentum_update, steps, {"lr": LR, "beta": BETA}, device=X.device)
    lap(f"GD + momentum ({steps} autograd steps each)")
    return parts


def timed(fn, device, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        synchronize(device)
        t = time.perf_counter()
        fn()
        synchronize(device)
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    # One torch thread for both ways: these tensors are too small to gain from threads, and on a
    # shared CPU idle threads stall every op (the course's way then takes minutes instead of seconds).
    torch.set_num_threads(1)
    device = select_device(os.environ.get("OPTCOURSE_DEVICE", "auto"))
    X, y = course_subset(load_mnist(device=device))
    steps = 300  # the demo's default
    print(
        f"device: {device_name(device)} (torch); load average {os.getloadavg()[0]:.1f} (other processes share the CPU)"
    )
    ours(X, y, 10)  # warm-up: first-call costs of numpy and torch
    cpu0 = time.thread_time()
    fast = timed(lambda: ours(X, y, steps), device, 30)
    cpu = (time.thread_time() - cpu0) / 30
    med, best = statistics.median(fast), min(fast)
    print(
        f"ours, full recompute (problem, surface, optimum, both trajectories, {steps} steps): "
        f"{med * 1e3:.1f} ms median of 30, best {best * 1e3:.1f} ms, {cpu * 1e3:.1f} ms CPU in this thread"
    )
    parts = theirs(X, y, steps)
    slow = sum(parts.values())
    print(f"course, one run: {slow:.2f} s = " + " + ".join(f"{k} {v:.2f} s" for k, v in parts.items()))
    print(f"ratio: {slow / med:.0f}x against our median, {slow / best:.0f}x against our best")


if __name__ == "__main__":
    main()
