"""A toy 2-D non-convex loss surface (Gaussian wells in a gentle bowl) and gradient descent with momentum on it.

    f(x, y) = c (x² + y²) − Σ_k a_k exp(−((x − u_k)² + (y − v_k)²) / (2 s_k²))

The bowl keeps every path bounded for sensible learning rates; each well of depth a_k and
width s_k makes a local minimum near (u_k, v_k). It is a hand-made function, not a network's
loss: it stands in for the course's external 3-D loss-landscape website.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from functools import lru_cache

import numpy as np

from ..contracts.nonconvex import (
    DESCENT_STEPS,
    ESCAPE_RADIUS,
    EXTENT,
    MAP_CELLS,
    SETTLE_RADIUS,
    DescentJob,
    DescentPath,
    Minimum,
    ToySurface,
)
from ..events import Diverged, Done, Event

BOWL = 0.05
# (u, v, depth a, width s): four wells of different depths, so where you start decides where you end.
WELLS = np.array(
    [
        (-2.0, 1.6, 1.6, 0.9),
        (2.1, 1.8, 1.0, 0.8),
        (0.6, -2.0, 2.2, 0.8),
        (-2.4, -1.9, 0.7, 0.6),
    ]
)


def value(x, y):
    """f at points x, y (scalars or broadcastable arrays)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    u, v, a, s = (WELLS[:, k].reshape((-1,) + (1,) * x.ndim) for k in range(4))
    wells = a * np.exp(-((x - u) ** 2 + (y - v) ** 2) / (2 * s**2))
    return BOWL * (x**2 + y**2) - wells.sum(0)


def gradient(x, y) -> tuple[np.ndarray, np.ndarray]:
    """(∂f/∂x, ∂f/∂y): 2c·p + Σ_k a_k e_k (p − c_k) / s_k², with e_k the k-th well's exponential."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    u, v, a, s = (WELLS[:, k].reshape((-1,) + (1,) * x.ndim) for k in range(4))
    e = a * np.exp(-((x - u) ** 2 + (y - v) ** 2) / (2 * s**2)) / s**2
    return 2 * BOWL * x + (e * (x - u)).sum(0), 2 * BOWL * y + (e * (y - v)).sum(0)


def grid(cols: int = 121, rows: int = 121, extent=EXTENT) -> np.ndarray:
    """f on a rows x cols grid over extent; row 0 is y0 (the bottom), as HeatMap expects."""
    x0, x1, y0, y1 = extent
    xs, ys = np.linspace(x0, x1, cols), np.linspace(y0, y1, rows)
    return value(xs[None, :], ys[:, None])


@lru_cache(maxsize=1)
def minima() -> tuple[Minimum, ...]:
    """Every local minimum, deepest first: grid cells lower than their 8 neighbours, refined by Newton's method."""
    n = 161
    x0, x1, y0, y1 = EXTENT
    z = grid(n, n)
    inner = z[1:-1, 1:-1]
    is_min = np.ones(inner.shape, bool)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            if dr or dc:
                is_min &= inner < z[1 + dr : n - 1 + dr, 1 + dc : n - 1 + dc]
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    found: list[Minimum] = []
    for r, c in np.argwhere(is_min):
        p = np.array([xs[c + 1], ys[r + 1]])
        for _ in range(50):  # Newton with a finite-difference Hessian of the analytic gradient
            g = np.array(gradient(*p))
            h = 1e-5
            hess = np.column_stack(
                [(np.array(gradient(*(p + h * e))) - np.array(gradient(*(p - h * e)))) / (2 * h) for e in np.eye(2)]
            )
            p = p - np.linalg.solve(hess, g)
            if np.linalg.norm(g) < 1e-12:
                break
        if not any(math.hypot(p[0] - m.x, p[1] - m.y) < 1e-6 for m in found):
            found.append(Minimum(float(p[0]), float(p[1]), float(value(*p))))
    return tuple(sorted(found, key=lambda m: m.value))


def nearest_minimum(x: float, y: float, radius: float = SETTLE_RADIUS) -> int | None:
    """Index (in minima()) of the minimum within `radius` of (x, y), else None."""
    for i, m in enumerate(minima()):
        if math.hypot(x - m.x, y - m.y) <= radius:
            return i
    return None


def descend(
    x: float, y: float, lr: float, momentum: float = 0.0, max_steps: int = DESCENT_STEPS, tol: float = 1e-6
) -> DescentPath:
    """Momentum GD as the course's momentum_update: v ← −lr ∇f + β v, p ← p + v (β = 0 is plain GD).

    Stops early when both the step and the gradient are below tol, or when the path escapes.
    """
    p, vel = np.array([x, y], float), np.zeros(2)
    xs, ys = [p[0]], [p[1]]
    for _ in range(max_steps):
        g = np.array(gradient(*p))
        vel = -lr * g + momentum * vel
        p = p + vel
        xs.append(p[0])
        ys.append(p[1])
        if not np.all(np.isfinite(p)) or np.hypot(*p) > ESCAPE_RADIUS:
            break
        if np.hypot(*vel) < tol and np.hypot(*g) < tol:
            break
    values = value(np.array(xs), np.array(ys))
    end_x, end_y = xs[-1], ys[-1]
    still = math.isfinite(end_x) and np.hypot(*gradient(end_x, end_y)) < 1e-2
    reached = nearest_minimum(end_x, end_y) if still else None
    return DescentPath(tuple(map(float, xs)), tuple(map(float, ys)), tuple(map(float, values)), reached, len(xs) - 1)


def descent_events(
    x: float, y: float, lr: float, momentum: float = 0.0, max_steps: int = DESCENT_STEPS
) -> Iterator[Event]:
    """The path (one event: it takes well under a millisecond), then Diverged if it escaped, then Done."""
    path = descend(x, y, lr, momentum, max_steps)
    yield path
    if path.escaped:
        yield Diverged(path.steps - 1, "path")
        yield Done("diverged")
    else:
        yield Done("completed")


@lru_cache(maxsize=1)
def toy_surface(cells: int = MAP_CELLS) -> ToySurface:
    """The surface on a cells x cells grid over EXTENT, with its minima: what the explorer's map draws."""
    z = grid(cells, cells)
    return ToySurface(tuple(tuple(map(float, row)) for row in z), EXTENT, minima())


def descent_job(job: DescentJob, env) -> Iterator[Event]:
    """The DescentJob's compute function: the surface first when asked, then the descent."""
    if job.with_surface:
        yield toy_surface()
    yield from descent_events(job.x, job.y, job.lr, job.momentum)
