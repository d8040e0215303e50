"""Section 5's real loss landscape (Li et al. 2018): train an MLP, then its loss on a random and a PCA plane, batched.

Grid points are evaluated a chunk at a time in one batched forward pass. The first layer is
linear in the perturbation, X (W + x·D + y·E)ᵀ = XWᵀ + x·XDᵀ + y·XEᵀ, so its three products are
computed once per plane and each grid point only combines them; every later layer runs as one
bmm over the chunk's stacked perturbed weights. That removes the 784-wide matmul, which is
most of the work, from the per-point cost. Settings, events and directions are described in
engine.contracts.nonconvex_landscape.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Generator, Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..contracts.nonconvex_landscape import (
    MEMORY_FLOATS,
    PCA_PAD,
    LandscapeGrid,
    LandscapeJob,
    LandscapeStart,
    TrainedModel,
    TrajectoryProjection,
)
from ..events import Diverged, Done, Event, Progress, Status
from ..hidden import count_params

Params = list[torch.Tensor]  # [W1, b1, W2, b2, ...] as nn.Linear stores them: W (out, in), b (out,)
FLOPS_PER_CHUNK = 2e8  # a grid chunk's arithmetic at most (a few ms on one CPU core), so Escape is prompt
STEP_SECONDS = 0.04  # training yields Progress at least this often


def init_params(
    hidden: Sequence[int], noise: float, generator: torch.Generator, device: torch.device | str = "cpu"
) -> Params:
    """nn.Linear's default init (weights and biases uniform in ±1/√fan_in), then the demo's noise·N(0, 1)."""
    dims = [784, *hidden, 10]
    params = []
    for fan_in, fan_out in zip(dims[:-1], dims[1:]):
        bound = 1.0 / math.sqrt(fan_in)
        for shape in ((fan_out, fan_in), (fan_out,)):
            p = (torch.rand(shape, generator=generator, device=device) * 2 - 1) * bound
            p += noise * torch.randn(shape, generator=generator, device=device)
            params.append(p)
    return params


def logits(params: Sequence[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """The MLP's output before log-softmax, for one set of parameters."""
    h = x.reshape(len(x), -1)
    for k in range(0, len(params), 2):
        if k:
            h = torch.relu(h)
        h = F.linear(h, params[k], params[k + 1])
    return h


def loss(params: Sequence[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The course's loss: mean NLL of log-softmax."""
    return F.nll_loss(F.log_softmax(logits(params, x), dim=1), y)


def flat(params: Sequence[torch.Tensor]) -> torch.Tensor:
    return torch.cat([p.reshape(-1) for p in params])


def unflat(vector: torch.Tensor, like: Sequence[torch.Tensor]) -> Params:
    out, at = [], 0
    for p in like:
        out.append(vector[at : at + p.numel()].view_as(p))
        at += p.numel()
    return out


def train(
    params: Params,
    x: torch.Tensor,
    y: torch.Tensor,
    steps: int,
    lr: float,
    stop: Callable[[], bool] = lambda: False,
    label: str = "training steps",
) -> Generator[Progress, None, tuple[torch.Tensor, np.ndarray, int | None]]:
    """Full-batch GD from params; returns (path (≤ steps+1, P): θ₀ … θ_n, the loss at each, first non-finite step).

    A generator: yields Progress, returns the result. Stops early (path so far) when stop() is true.
    """
    params = [p.detach().clone().requires_grad_(True) for p in params]
    path = torch.empty(steps + 1, sum(p.numel() for p in params), device=x.device)
    losses = torch.empty(steps + 1, device=x.device)
    last = time.perf_counter()
    for t in range(steps + 1):
        value = loss(params, x, y)
        with torch.no_grad():
            path[t] = flat(params)
            losses[t] = value
        if t == steps:
            break
        grads = torch.autograd.grad(value, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p.sub_(lr * g)
        if time.perf_counter() - last >= STEP_SECONDS:
            host = losses[: t + 1].cpu().numpy()
            if not np.isfinite(host).all() or stop():
                return path[: t + 1], host, _first_bad(host)
            yield Progress(t + 1, steps, label)
            last = time.perf_counter()
    host = losses.cpu().numpy()
    return path, host, _first_bad(host)


def _first_bad(values: np.ndarray) -> int | None:
    bad = np.flatnonzero(~np.isfinite(values))
    return int(bad[0]) if bad.size else None


def filter_normalised(params: Sequence[torch.Tensor], generator: torch.Generator) -> Params:
    """A Gaussian direction with each weight row scaled to the norm of that row of params; bias entries zero."""
    out = []
    for p in params:
        if p.dim() <= 1:
            out.append(torch.zeros_like(p))  # the reference code's ignore='biasbn'
            continue
        d = torch.randn(p.shape, generator=generator, device=p.device)
        out.append(d * (p.norm(dim=1, keepdim=True) / (d.norm(dim=1, keepdim=True) + 1e-10)))
    return out


def chunk_size(params: Sequence[torch.Tensor], n_examples: int) -> int:
    """Grid points per batched forward: bounded by MEMORY_FLOATS and FLOPS_PER_CHUNK (at least 1)."""
    widths = [p.shape[0] for p in params[::2]]
    later = sum(p.numel() for p in params[2:])  # stacked per point (weights and biases after the first layer)
    memory = 3 * n_examples * sum(widths) + 3 * later
    flops = 2 * n_examples * sum(p.numel() for p in params[2::2]) + 4 * n_examples * widths[0]
    return max(1, min(int(MEMORY_FLOATS // memory), int(FLOPS_PER_CHUNK // max(flops, 1))))


def stacked(base: torch.Tensor, d1: torch.Tensor, d2: torch.Tensor) -> torch.Tensor:
    """(3, base.numel()): the rows that coefficients (1, a, b) combine into base + a·d1 + b·d2 in one matmul."""
    return torch.stack([base.reshape(-1), d1.reshape(-1), d2.reshape(-1)])


def plane_basis(params, d1, d2, x2: torch.Tensor) -> list[torch.Tensor]:
    """Per layer, the rows a grid point's (1, a, b) combines: the first layer's outputs, then the later parameters."""
    first = [F.linear(x2, w, bias) for w, bias in ((params[0], params[1]), (d1[0], d1[1]), (d2[0], d2[1]))]
    return [stacked(*first)] + [stacked(params[k], d1[k], d2[k]) for k in range(2, len(params))]


def batched_loss(
    basis: Sequence[torch.Tensor], shapes: Sequence[torch.Size], a: torch.Tensor, b: torch.Tensor, y: torch.Tensor
) -> torch.Tensor:
    """(P,) losses at the P grid points (a_k, b_k): each layer's stacked weights made by one (P, 3) @ (3, ·) matmul."""
    coef = torch.stack([torch.ones_like(a), a, b], 1)  # (P, 3)
    n = len(y)
    h = (coef @ basis[0]).view(len(a), n, -1)  # (P, N, width): the first layer, linear in (a, b)
    for k in range(1, len(basis), 2):
        w = (coef @ basis[k]).view(len(a), *shapes[k])  # (P, out, in): this chunk's stacked weights
        bias = coef @ basis[k + 1]  # (P, out)
        h = torch.baddbmm(bias[:, None, :], torch.relu(h), w.transpose(1, 2))
    logp = F.log_softmax(h, dim=-1)
    return -logp.gather(2, y.view(1, -1, 1).expand(len(a), -1, 1)).squeeze(2).mean(1)


def plane_losses(
    params: Sequence[torch.Tensor],
    d1: Sequence[torch.Tensor],
    d2: Sequence[torch.Tensor],
    xs: np.ndarray,
    ys: np.ndarray,
    x: torch.Tensor,
    y: torch.Tensor,
    label: str = "grid points",
    chunk: int | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> Generator[Progress, None, np.ndarray | None]:
    """Z[i, j] = loss(θ + xs[j]·d1 + ys[i]·d2), a chunk of points per batched forward; yields Progress per chunk.

    A generator returning Z (len(ys), len(xs)) as float64 numpy, or None when stop() became true.
    """
    x2 = x.reshape(len(x), -1)
    with torch.no_grad():
        basis = plane_basis(params, d1, d2, x2)
        shapes = [torch.Size()] + [p.shape for p in params[2:]]  # basis[0] is the first layer's output: no shape
        A, B = np.meshgrid(np.asarray(xs, float), np.asarray(ys, float))  # row i: ys[i]; column j: xs[j]
        a_all = torch.as_tensor(A.ravel(), dtype=x2.dtype, device=x.device)
        b_all = torch.as_tensor(B.ravel(), dtype=x2.dtype, device=x.device)
        total = a_all.numel()
        chunk = chunk or chunk_size(params, len(x2))
        out = torch.empty(total, device=x.device)
        for start in range(0, total, chunk):
            if stop():
                return None
            end = min(start + chunk, total)
            out[start:end] = batched_loss(basis, shapes, a_all[start:end], b_all[start:end], y)
            yield Progress(end, total, label)
    return out.double().cpu().numpy().reshape(A.shape)


def pca_plane(
    path: torch.Tensor, stop: Callable[[], bool] = lambda: False, label: str = "PCA of the path"
) -> Generator[Progress, None, tuple[torch.Tensor, torch.Tensor, tuple[float, float], np.ndarray] | None]:
    """The two main PCA directions of θ_k - θ_n (k < n, centred as sklearn's PCA), and the whole path projected.

    Through the small Gram matrix of the centred rows, a block of columns at a time, in three
    passes (Gram, directions, projection), so no copy of the path is made and Escape is prompt: a
    full SVD of the wide path matrix takes seconds without a chance to stop. A generator: yields
    Progress, returns (u1, u2, explained-variance ratios, coords (n+1, 2)), or None when stopped;
    signs make the start's coordinates <= 0.
    """
    n, width = path.shape[0] - 1, path.shape[1]
    block = max(1, int(FLOPS_PER_CHUNK // (2 * n * n)))
    blocks = [slice(start, min(start + block, width)) for start in range(0, width, block)]
    total = 3 * len(blocks)

    def centred(cols: slice) -> torch.Tensor:
        part = path[:-1, cols]  # centring removes θ_n too: the PCA of θ_k - θ_n is that of θ_k
        return part - part.mean(0)

    gram = torch.zeros(n, n, dtype=torch.float64, device=path.device)
    for k, cols in enumerate(blocks):
        if stop():
            return None
        part = centred(cols)
        gram += (part @ part.T).double()
        yield Progress(k + 1, total, label)
    var, vecs = torch.linalg.eigh(gram)  # ascending
    top = vecs[:, -2:].flip(1).to(path.dtype)  # (n, 2): the two largest
    u = torch.empty(width, 2, dtype=torch.float64, device=path.device)
    for k, cols in enumerate(blocks):
        if stop():
            return None
        u[cols] = (centred(cols).T @ top).double()
        yield Progress(len(blocks) + k + 1, total, label)
    u[:, 0] /= u[:, 0].norm()
    u[:, 1] -= (u[:, 0] @ u[:, 1]) * u[:, 0]  # Gram-Schmidt in float64: orthonormal to rounding
    u[:, 1] /= u[:, 1].norm()
    u = u.to(path.dtype)
    coords = torch.zeros(n + 1, 2, dtype=torch.float64, device=path.device)
    for k, cols in enumerate(blocks):
        if stop():
            return None
        # The 'cos' projection of the reference code (u1, u2 are orthonormal); θ_n itself lands on (0, 0).
        coords += ((path[:, cols] - path[-1, cols]) @ u[cols]).double()
        yield Progress(2 * len(blocks) + k + 1, total, label)
    flip = torch.where(coords[0] > 0, -1.0, 1.0).to(torch.float64)
    coords = coords * flip
    u = (u * flip.to(path.dtype)).T.contiguous()
    var = var.clamp(min=0)
    var_total = float(var.sum())
    explained = tuple(float(v / var_total) if var_total > 0 else 0.0 for v in var.flip(0)[:2])
    return u[0], u[1], (explained[0], explained[1]), coords.cpu().numpy()


def pca_axes(coords: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """Grid axes covering the projected path and the origin, padded by PCA_PAD of the larger extent's scale."""
    lo = np.minimum(coords.min(0), 0.0)
    hi = np.maximum(coords.max(0), 0.0)
    ext = hi - lo
    pad = PCA_PAD * np.maximum(ext, 0.05 * ext.max())
    pad = np.where(pad > 0, pad, 1.0)  # a path that never moved: a unit square around it
    return tuple(np.linspace(lo[k] - pad[k], hi[k] + pad[k], n) for k in range(2))


def grid_event(model: int, hidden, plane: str, xs, ys, z: np.ndarray, centre: float) -> LandscapeGrid:
    return LandscapeGrid(
        model,
        hidden,
        plane,
        tuple(map(float, xs)),
        tuple(map(float, ys)),
        tuple(tuple(map(float, row)) for row in z),
        centre,
    )


def model_events(job: LandscapeJob, model: int, x, y, stop: Callable[[], bool]) -> Generator[Event, None, str]:
    """One architecture: start, training, the random plane, then the PCA path and plane.

    Returns "completed", "diverged" (training blew up: no planes) or "stopped".
    """
    hidden = tuple(job.hidden[model])
    name = f"MLP {list(hidden)}"
    yield LandscapeStart(model, hidden, count_params(784, 10, list(hidden)), job.steps, job.lr)
    gen = torch.Generator(device=x.device).manual_seed(job.seed)
    params = init_params(hidden, job.noise, gen, x.device)
    yield Status(f"{name}: training {job.steps} full-batch GD steps")
    path, losses, bad = yield from train(params, x, y, job.steps, job.lr, stop, f"{name}: training steps")
    if stop():
        return "stopped"
    if bad is not None:
        yield TrainedModel(model, hidden, tuple(map(float, losses[:bad])))
        yield Diverged(bad, name)
        return "diverged"
    yield TrainedModel(model, hidden, tuple(map(float, losses)))
    trained = unflat(path[-1], params)
    with torch.no_grad():
        centre = float(loss(trained, x, y))
    d1, d2 = filter_normalised(trained, gen), filter_normalised(trained, gen)
    axis = np.linspace(*job.span, job.grid)
    yield Status(f"{name}: the loss on {job.grid} x {job.grid} points of a random plane")
    z = yield from plane_losses(trained, d1, d2, axis, axis, x, y, f"{name}: random plane", stop=stop)
    if z is None:
        return "stopped"
    yield grid_event(model, hidden, "random", axis, axis, z, centre)
    if not job.pca:
        return "completed"
    found = yield from pca_plane(path, stop, f"{name}: PCA of the path")
    if found is None:
        return "stopped"
    u1, u2, explained, coords = found
    yield TrajectoryProjection(
        model,
        hidden,
        tuple(map(float, coords[:, 0])),
        tuple(map(float, coords[:, 1])),
        tuple(map(float, losses)),
        explained,
    )
    xs, ys = pca_axes(coords, job.grid)
    yield Status(f"{name}: the loss on the plane of the path's two main directions")
    z = yield from plane_losses(
        trained, unflat(u1, params), unflat(u2, params), xs, ys, x, y, f"{name}: PCA plane", stop=stop
    )
    if z is None:
        return "stopped"
    yield grid_event(model, hidden, "pca", xs, ys, z, centre)
    return "completed"


def landscape_events(job: LandscapeJob, x, y, stop: Callable[[], bool] = lambda: False) -> Iterator[Event]:
    """Every model of the job in turn, then Done ("stopped" as soon as stop() is seen between chunks)."""
    start = time.perf_counter()
    job.validate()
    diverged = 0
    for model in range(len(job.hidden)):
        outcome = yield from model_events(job, model, x, y, stop)
        if outcome == "stopped":
            yield Done("stopped", time.perf_counter() - start)
            return
        diverged += outcome == "diverged"
    reason = "diverged" if diverged == len(job.hidden) else "completed"
    yield Done(reason, time.perf_counter() - start)


def landscape_job(job: LandscapeJob, env) -> Iterator[Event]:
    """The LandscapeJob's compute function: on the course's 500 examples, honouring the polite stop."""
    x, y = env.context.subset
    yield from landscape_events(job, x, y, env.stop_requested)
