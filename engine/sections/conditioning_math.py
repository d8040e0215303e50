"""The closed form of Section 4's two-parameter problem: loss, gradient, Hessian, surface, Newton, GD and momentum.

Freezing the linear model except u = W[0, 378] and v = b[7], the 500 x 10 logits change only in
column 0 (by u * x_n, with x_n = X[n, 378]) and column 7 (by v). With the other eight classes
folded into r_n = logsumexp_k B[n, k] (k not 0 or 7), the course's loss_2d is

    L(u, v) = mean_n LSE(a_n + u x_n, c_n + v, r_n) - (K + u t_x + v t_7)

where a_n, c_n are columns 0 and 7 of the fixed logits without u and v, and the last bracket is
the mean logit of the true class. Its gradient is mean_n p_n * (x_n, 1) - (t_x, t_7) and its
Hessian mean_n f f^T (diag(p) - p p^T) with f = (x_n, 1), p = softmax probabilities of classes 0
and 7. Everything below is computed from these few arrays, in float64, with no autograd.
"""

from __future__ import annotations

import functools
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import torch

from ..events import Progress
from ..model import MLP, first_layer
from ..seeding import SEED, seeded
from .conditioning_course import INITS, MASK_IDX, NEWTON_INIT, NEWTON_ITERS

RUNAWAY = 100.0  # a parameter this far from 0 (25x the drawn region) has run away: diverged
CHUNK = 100  # steps between Progress events


@dataclass(frozen=True, eq=False)  # hashed by identity, for the caches
class Problem:
    """The fixed parts of the 2-D problem, float64 on the host (each step is ~2,000 flops: launches would dominate)."""

    x: np.ndarray  # (N,): x_n = X[n, 378]
    base: np.ndarray  # (2, N): a_n and c_n, the logits of classes 0 and 7 without u and v
    rest: np.ndarray  # (N,): r_n, logsumexp of the other eight classes' logits
    target: np.ndarray  # (2,): t_x = mean x_n [y_n = 0], t_7 = mean [y_n = 7]
    const: float  # K: mean fixed logit of the true class (without u and v)
    device: torch.device  # where the data lives: the plug-in path runs there

    @functools.cached_property
    def feat(self) -> np.ndarray:
        """(2, N): the features f_n = (x_n, 1) multiplying (u, v)."""
        return np.stack([self.x, np.ones_like(self.x)])

    @functools.cached_property
    def relative(self) -> tuple[np.ndarray, np.ndarray, float]:
        """(e^(a - r), e^(c - r), mean r - K): L = mean log(1 + e^(a-r) e^(ux) + e^(c-r) e^v) + mean r - K - ..."""
        ea, ec = np.exp(self.base - self.rest)
        return ea, ec, float(self.rest.mean()) - self.const


def course_weights(seed: int = SEED) -> tuple[torch.Tensor, torch.Tensor]:
    """W and b of set_seed(seed); MLP(784, 10, []), drawn without disturbing the global torch RNG.

    Under seeding.seeded's lock: two jobs building the problem at once (the demo and its theory)
    would otherwise interleave their draws from the global generator and get other weights.
    """
    with seeded(seed):
        layer = first_layer(MLP(784, 10, []))
    return layer.weight.detach(), layer.bias.detach()


def build_problem(X: torch.Tensor, y: torch.Tensor, seed: int = SEED) -> Problem:
    """Precompute the 2-D problem from the subset (X, y): one small matmul on their device."""
    W, b = (t.to(X.device) for t in course_weights(seed))
    W = W.clone()
    W[MASK_IDX] = 0.0
    X = X.reshape(-1, 784)
    logits = (X @ W.T + b).double().cpu().numpy()  # float32 matmul as the course, float64 from here on
    x = X[:, MASK_IDX[1]].double().cpu().numpy()
    labels = y.cpu().numpy()
    logits[:, 7] -= float(b[7])  # column 7 without its bias: v takes its place
    others = [k for k in range(10) if k not in (MASK_IDX[0], 7)]
    top = logits[:, others].max(1)
    rest = top + np.log(np.exp(logits[:, others] - top[:, None]).sum(1))
    target = np.array([(x * (labels == MASK_IDX[0])).mean(), (labels == 7).mean()])
    const = float(logits[np.arange(len(labels)), labels].mean())
    return Problem(x, logits[:, [MASK_IDX[0], 7]].T.copy(), rest, target, const, X.device)


@functools.lru_cache(maxsize=2)
def problem_for(X: torch.Tensor, y: torch.Tensor) -> Problem:
    """build_problem, cached per data tensors (the surface and optimum depend only on the data)."""
    return build_problem(X, y)


def evaluate(feat, base, rest, target, const: float, P, xp=np):
    """Loss (...,) and gradient (..., 2) at parameters P (..., 2) = (u, v); xp is numpy or torch.

    The max shift keeps every exponential <= 1, so any finite P gives a finite loss.
    """
    Z = base + P[..., :, None] * feat  # (..., 2, N): logits of classes 0 and 7
    m = xp.maximum(Z.max(-2) if xp is np else Z.max(-2).values, rest)  # (..., N)
    e = xp.exp(Z - m[..., None, :])
    s = e.sum(-2) + xp.exp(rest - m)
    loss = (m + xp.log(s)).mean(-1) - const - (P * target).sum(-1)
    grad = (e / s[..., None, :] * feat).mean(-1) - target
    return loss, grad


def loss_grad(problem: Problem, P) -> tuple[np.ndarray, np.ndarray]:
    """Loss and gradient at P (..., 2) in float64 numpy."""
    return evaluate(problem.feat, problem.base, problem.rest, problem.target, problem.const, np.asarray(P, float))


def hessian(problem: Problem, p) -> np.ndarray:
    """The 2 x 2 Hessian mean_n f f^T (diag(q) - q q^T) at one point p = (u, v), q = p(class 0, 7)."""
    feat = problem.feat
    Z = problem.base + np.asarray(p, float)[:, None] * feat
    m = np.maximum(Z.max(0), problem.rest)
    e = np.exp(Z - m)
    fq = feat * e / (e.sum(0) + np.exp(problem.rest - m))  # (2, N): f_j q_j
    return np.diag((fq * feat).mean(1)) - (fq @ fq.T) / feat.shape[1]


def loss_surface(problem: Problem, xs: np.ndarray) -> np.ndarray:
    """Z[i, j] = L(xs[j], xs[i]) for all grid points at once (no overflow on a bounded grid)."""
    ea, ec, offset = problem.relative
    tx, t7 = problem.target
    e0 = ea * np.exp(np.multiply.outer(xs, problem.x))  # (n, N): the class-0 term at each weight u = xs[j]
    e7 = np.multiply.outer(np.exp(xs), ec)  # (n, N): the class-7 term at each bias v = xs[i]
    lse = np.log1p(e0[None, :, :] + e7[:, None, :]).mean(-1)  # (n_bias, n_weight)
    return lse + offset - xs[None, :] * tx - xs[:, None] * t7


def newton(problem: Problem, init=NEWTON_INIT, max_iter: int = NEWTON_ITERS, tol: float = 1e-15):
    """Newton's method p <- p - H^-1 grad from init, as the course, stopping once the step is below tol.

    Returns (optimum as a (2,) array, iterations taken).
    """
    p = np.asarray(init, dtype=float)
    for it in range(1, max_iter + 1):  # noqa: B007 (the count is returned)
        _, grad = loss_grad(problem, p)
        step = np.linalg.solve(hessian(problem, p), grad)
        p = p - step
        if np.abs(step).max() <= tol * (1 + np.abs(p).max()):
            break
    return p, it


def diverged_rows(rows: np.ndarray, bound: float = RUNAWAY) -> np.ndarray:
    """Per row: a value that is not finite, or a parameter beyond +-bound (a runaway)."""
    with np.errstate(invalid="ignore"):
        return ~np.isfinite(rows).all(-1) | (np.abs(rows[..., :2]) > bound).any(-1)


def first_true(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def trajectories(
    problem: Problem, max_steps: int, lr: float, beta: float, inits=INITS, bound: float = RUNAWAY
) -> Generator[Progress, None, tuple[np.ndarray, list[int | None]]]:
    """GD and momentum together, as one (2, 2) parameter array; returns rows (2, max_steps, 3), diverged_at.

    Both follow v <- -lr * grad + b * v; w <- w + v with b = 0 for GD (so w <- w - lr * grad)
    and b = beta for momentum, velocity starting at zero; [u, v, loss] is recorded before
    each update, as the course's run_optimizer. A generator: yields Progress, returns the result.
    The loss is taken relative to r (no max shift): e^(ux) stays finite for |u| < bound = 100,
    and a run is stopped as diverged once it leaves that range or stops being finite.
    """
    x, (ea, ec, offset), (tx, t7) = problem.x, problem.relative, problem.target
    n = len(x)
    P = np.empty((2, 2))  # rows [GD, momentum], columns (u, v): the parameters
    P[:, 0], P[:, 1] = float(inits[0]), float(inits[1])
    V = np.zeros((2, 2))  # their velocities
    G = np.empty((2, 2))  # their gradients
    target = np.array([tx, t7])
    betas = np.array([[0.0], [beta]])
    rows = np.full((2, max_steps, 3), np.nan)
    # Each step's sums 1 + e^(a-r+ux) + e^(c-r+v): their log's mean (the loss) is taken a chunk at a time, in one
    # call rather than two per step, and the step's arrays are written in place; u and v move as one (2, 2)
    # array. The numbers are those of one update per method and parameter, operation for operation.
    sums = np.empty((max_steps, 2, n))
    e0, inv = np.empty((2, n)), np.empty((2, n))
    t, logged = -1, 0
    with np.errstate(all="ignore"):  # a runaway may overflow; it is detected afterwards, not raised
        for t in range(max_steps):
            s = sums[t]
            np.multiply(P[:, 0:1], x, out=e0)
            np.exp(e0, out=e0)
            e0 *= ea  # (2, N): e^(a - r + u x)
            ev = np.exp(P[:, 1])
            np.multiply.outer(ev, ec, out=s)  # (2, N): e^(c - r + v)
            s += e0
            s += 1.0
            rows[:, t, :2] = P
            np.divide(1.0, s, out=inv)
            e0 *= inv
            np.matmul(e0, x, out=G[:, 0])  # sum p0 x
            np.multiply(ev, inv @ ec, out=G[:, 1])  # sum p7
            G /= n
            G -= target  # mean p0 x - t_x, mean p7 - t_7
            V = -lr * G + betas * V
            P = P + V
            if (t + 1) % CHUNK == 0:
                rows[:, logged : t + 1, 2] = np.log(sums[logged : t + 1]).mean(-1).T
                logged = t + 1
                if diverged_rows(rows[:, t], bound).all():
                    break
                yield Progress(t + 1, max_steps, "steps")
        rows[:, logged : t + 1, 2] = np.log(sums[logged : t + 1]).mean(-1).T
        rows[:, :, 2] += offset - rows[:, :, 0] * tx - rows[:, :, 1] * t7
    diverged = [first_true(diverged_rows(rows[k, : t + 1], bound)) for k in range(2)]
    return rows, diverged
