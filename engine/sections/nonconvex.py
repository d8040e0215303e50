"""Section 5's overparameterization demo: N perturbed copies of one MLP trained by full-batch GD, together.

The course trains the copies one after another (deepcopy, random_update, gradient_update loop).
Here every parameter of the N copies is stacked into one (N, ...) tensor and all copies run in
the same batched matmuls; because the copies share no parameters, the gradient of the summed
loss with respect to copy i's parameters is exactly the gradient of copy i's own loss, so one
backward pass gives all N gradient-descent steps. The course's way stays available as the
plug-in path for a learner's own `gradient_update`.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..events import Diverged, Done, Event, Progress, Status
from ..model import MLP, count_params, loss_fn
from ..seeding import set_seed
from ..updates import gradient_update as reference_gradient_update
from ..updates import random_update

NOISE_SCALE = 0.2  # the course's perturbation of each copy
CHUNK_STEPS = 10  # at most this many steps per LossRows event, so curves grow visibly
CHUNK_SECONDS = 0.04  # and at most this much work between events, so cancelling is prompt


@dataclass(frozen=True)
class OverparamStart(Event):
    """A run began: the architecture, its parameter count and the settings."""

    hidden: tuple[int, ...]
    num_params: int
    num_inits: int
    max_steps: int
    lr: float


@dataclass(frozen=True)
class LossRows(Event):
    """Losses of copy `init` at steps start, start+1, ... (each recorded before that step's update)."""

    init: int
    start: int
    losses: tuple[float, ...]


def perturbed_copies(
    hidden: Sequence[int],
    num_inits: int,
    noise: float = NOISE_SCALE,
    seed: int | None = None,
    device: torch.device | str = "cpu",
) -> list[MLP]:
    """One fresh base MLP, then `num_inits` deep copies each moved by random_update(noise), in that order.

    Unseeded as the course; with a seed the whole draw is reproducible (tests).
    """
    if seed is not None:
        set_seed(seed)
    base = MLP(784, 10, list(hidden)).to(device)
    copies = []
    for _ in range(num_inits):
        model = copy.deepcopy(base)
        random_update(model, noise_scale=noise)
        copies.append(model)
    return copies


def stack_params(models: Sequence[MLP]) -> list[torch.Tensor]:
    """[W1, b1, W2, b2, ...], each of shape (N, *param.shape), as leaf tensors that need grad."""
    per_model = [list(m.parameters()) for m in models]
    return [torch.stack([ps[k].detach() for ps in per_model]).requires_grad_(True) for k in range(len(per_model[0]))]


def batched_losses(params: Sequence[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(N,) mean NLL of each copy on (x, y), for stacked Linear weights (N, out, in) and biases (N, out)."""
    n = params[0].shape[0]
    x = x.reshape(len(x), -1)  # (B, 784)
    w, b = params[0], params[1]
    # The first layer sees the same inputs for every copy: one wide matmul (B, 784) @ (784, N*out).
    h = (x @ w.reshape(-1, w.shape[-1]).T).view(len(x), n, -1).transpose(0, 1) + b[:, None, :]  # (N, B, out)
    for w, b in zip(params[2::2], params[3::2]):
        h = torch.baddbmm(b[:, None, :], torch.relu(h), w.transpose(1, 2))  # (N, B, out)
    logp = F.log_softmax(h, dim=-1)
    return -logp.gather(2, y.view(1, -1, 1).expand(n, -1, 1)).squeeze(2).mean(1)


def _first_bad(losses: np.ndarray) -> int | None:
    bad = np.flatnonzero(~np.isfinite(losses))
    return int(bad[0]) if bad.size else None


def train_batched(
    models: Sequence[MLP], x: torch.Tensor, y: torch.Tensor, max_steps: int, lr: float
) -> Iterator[Event]:
    """Full-batch GD on all copies at once; yields LossRows chunks, Progress, and Diverged per copy."""
    params = stack_params(models)
    n = len(models)
    alive = torch.ones(n, dtype=torch.bool, device=x.device)
    diverged: set[int] = set()
    pending: list[torch.Tensor] = []  # per-step (N,) losses still on the device
    start, last = 0, time.perf_counter()

    def flush(step: int) -> Iterator[Event]:
        nonlocal pending, start, last
        rows = torch.stack(pending).T.cpu().numpy()  # (N, k); this copy is the only sync point
        for i in range(n):
            if i in diverged:
                continue
            losses = rows[i]
            bad = _first_bad(losses)
            if bad is not None:
                diverged.add(i)
                losses = losses[: bad + 1]
            yield LossRows(i, start, tuple(float(v) for v in losses))
            if bad is not None:
                yield Diverged(start + bad, f"init {i + 1}")
        yield Progress(step, max_steps, "steps")
        pending, start, last = [], step, time.perf_counter()

    for step in range(max_steps):
        losses = batched_losses(params, x, y)
        pending.append(losses.detach())
        alive &= torch.isfinite(losses.detach())
        # Copies that blew up drop out of the sum, so their NaNs cannot reach anything else.
        grads = torch.autograd.grad(torch.where(alive, losses, 0.0).sum(), params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p.sub_(lr * g)
        if len(pending) >= CHUNK_STEPS or time.perf_counter() - last >= CHUNK_SECONDS or step == max_steps - 1:
            yield from flush(step + 1)
            if len(diverged) == n:
                return


def train_sequential(
    models: Sequence[MLP],
    x: torch.Tensor,
    y: torch.Tensor,
    max_steps: int,
    lr: float,
    gradient_update: Callable = reference_gradient_update,
) -> Iterator[Event]:
    """The course's way: each copy in turn, loss recorded before each gradient_update(loss, params, lr)."""
    total = len(models) * max_steps
    for i, model in enumerate(models):
        params = list(model.parameters())
        chunk: list[float] = []
        start, last = 0, time.perf_counter()
        for step in range(max_steps):
            loss = loss_fn(model(x), y)
            chunk.append(loss.item())
            if not math.isfinite(chunk[-1]):
                yield LossRows(i, start, tuple(chunk))
                yield Diverged(step, f"init {i + 1}")
                break
            gradient_update(loss, params, lr)
            if len(chunk) >= CHUNK_STEPS or time.perf_counter() - last >= CHUNK_SECONDS or step == max_steps - 1:
                yield LossRows(i, start, tuple(chunk))
                yield Progress(i * max_steps + step + 1, total, "steps")
                chunk, start, last = [], step + 1, time.perf_counter()


def overparam_events(
    x: torch.Tensor,
    y: torch.Tensor,
    hidden: Sequence[int],
    max_steps: int = 150,
    lr: float = 0.05,
    num_inits: int = 7,
    *,
    noise: float = NOISE_SCALE,
    seed: int | None = None,
    gradient_update: Callable | None = None,
) -> Iterator[Event]:
    """The whole demo: OverparamStart, then the copies' loss curves as they train, then Done.

    With the reference update rule the copies train batched; a learner's own
    `gradient_update` runs the course's sequential loop instead.
    """
    t0 = time.perf_counter()
    hidden = tuple(hidden)
    yield OverparamStart(hidden, count_params(784, 10, list(hidden)), num_inits, max_steps, lr)
    yield Status(f"training {num_inits} perturbed copies of MLP {list(hidden)}")
    models = perturbed_copies(hidden, num_inits, noise, seed, x.device)
    if gradient_update is None or gradient_update is reference_gradient_update:
        events = train_batched(models, x, y, max_steps, lr)
    else:
        events = train_sequential(models, x, y, max_steps, lr, gradient_update)
    n_diverged = 0
    for event in events:
        n_diverged += isinstance(event, Diverged)
        yield event
    reason = "diverged" if n_diverged == num_inits else "completed"
    yield Done(reason, time.perf_counter() - t0)


def curves(events: Iterator[Event], num_inits: int, max_steps: int) -> np.ndarray:
    """(num_inits, max_steps) losses assembled from LossRows events; NaN where a copy stopped."""
    out = np.full((num_inits, max_steps), np.nan)
    for event in events:
        if isinstance(event, LossRows):
            out[event.init, event.start : event.start + len(event.losses)] = event.losses
    return out
