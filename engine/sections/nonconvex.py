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
import secrets
import time
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..contracts.nonconvex import (
    EXERCISES,
    INITS,
    LR,
    NOISE_SCALE,
    STEPS,
    LossRows,
    OverparamJob,
    OverparamStart,
    copy_label,
)
from ..events import Diverged, Done, Event, Progress, Status
from ..exercises.learner import load_learner_functions
from ..model import MLP, count_params, loss_fn
from ..seeding import seeded
from ..streaming import Chunk, LossStream
from ..updates import gradient_update as reference_gradient_update
from ..updates import random_update

CHUNK_STEPS = 10  # at most this many steps per LossRows event, so curves grow visibly


def perturbed_copies(
    hidden: Sequence[int],
    num_inits: int,
    noise: float = NOISE_SCALE,
    seed: int | None = None,
    device: torch.device | str = "cpu",
) -> list[MLP]:
    """One fresh base MLP, then `num_inits` deep copies each moved by random_update(noise), in that order.

    Drawn on the CPU from torch's global generator under `seed` (engine.seeding.seeded, so no
    other job's draws interleave and the global state is left as it was), then moved to the
    device: the same copies on every device. Seed None draws a fresh seed, so every run differs
    (the course leaves this unseeded).
    """
    with seeded(secrets.randbits(32) if seed is None else seed):
        base = MLP(784, 10, list(hidden))
        copies = []
        for _ in range(num_inits):
            model = copy.deepcopy(base)
            random_update(model, noise_scale=noise)
            copies.append(model)
    return [model.to(device) for model in copies]


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


def losses_and_grads(
    params: Sequence[torch.Tensor], x: torch.Tensor, y: torch.Tensor, alive: torch.Tensor | None = None
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """(N,) mean NLL of each copy, as batched_losses, and the gradient of each copy's loss, written out.

    The MLP is small (784-10-10 for the course's default) and autograd's bookkeeping cost more
    than its arithmetic (backward was 109 of 300 ms for 7 copies, 150 steps). With z the logits
    and p their softmax, d loss / dz = (p - onehot(y)) / B; each Linear layer then gives
    dW = dzᵀ·a (a: its input), db = Σ_b dz, and passes dz·W back through the ReLU's mask (a > 0).
    The first layer's dW for all copies is one matmul, (N·out, B) @ (B, 784). A copy whose loss is
    not finite, or that is not `alive`, gets no gradient from its loss (as autograd of
    torch.where(alive & finite, losses, 0).sum() would give).
    """
    n, batch = params[0].shape[0], len(x)
    x = x.reshape(batch, -1)
    weights, biases = params[0::2], params[1::2]
    w = weights[0]
    h = torch.addmm(biases[0].reshape(-1), x, w.reshape(-1, w.shape[-1]).T)  # (B, N*out)
    h = h.view(batch, n, -1).transpose(0, 1)  # (N, B, out)
    inputs = []  # what each later layer multiplies: relu of the layer before
    for w, b in zip(weights[1:], biases[1:]):
        a = torch.relu(h)
        inputs.append(a)
        h = torch.baddbmm(b[:, None, :], a, w.transpose(1, 2))
    # log_softmax written out: torch's CPU kernel over 10 classes took 5x longer than these four ops.
    z = h - h.amax(dim=-1, keepdim=True)
    dz = z.exp()
    total = dz.sum(dim=-1, keepdim=True)
    index = y.view(1, -1, 1).expand(n, -1, 1)
    losses = (total.log() - z.gather(2, index)).squeeze(2).mean(1)
    dz.div_(total)  # the softmax p
    dz.scatter_add_(2, index, torch.full_like(index, -1, dtype=dz.dtype))
    dz.mul_(1.0 / batch)
    keep = torch.isfinite(losses) if alive is None else alive & torch.isfinite(losses)
    dz = torch.where(keep[:, None, None], dz, 0.0)
    grads: list[torch.Tensor] = [dz] * len(params)  # every slot is set below
    for k in range(len(weights) - 1, 0, -1):
        a = inputs[k - 1]
        grads[2 * k] = torch.bmm(dz.transpose(1, 2), a)  # (N, out, in)
        grads[2 * k + 1] = dz.sum(1)
        dz = torch.bmm(dz, weights[k]).mul_(a > 0)  # (N, B, in): through W, then the ReLU
    flat = dz.transpose(0, 1).reshape(batch, -1)  # (B, N*out)
    grads[0] = (flat.T @ x).view_as(weights[0])
    grads[1] = dz.sum(1)
    return losses, grads


def rows_events(chunks: Sequence[Chunk], offset: int = 0, reference: bool = False) -> Iterator[Event]:
    """LossRows for each stream chunk (series k is copy offset + k), each followed by Diverged when its copy blew up."""
    for chunk in chunks:
        init = offset + chunk.series
        yield LossRows(init, chunk.start, chunk.values, reference)
        if chunk.diverged_at is not None:
            yield Diverged(chunk.diverged_at, copy_label(init, reference))


def train_batched(
    models: Sequence[MLP], x: torch.Tensor, y: torch.Tensor, max_steps: int, lr: float
) -> Iterator[Event]:
    """Full-batch GD on all copies at once; yields LossRows chunks, Progress, and Diverged per copy."""
    params = [p.detach() for p in stack_params(models)]
    alive = torch.ones(len(models), dtype=torch.bool, device=x.device)
    stream = LossStream(len(models), max_pending=CHUNK_STEPS, include_bad=True)  # a curve shows its jump
    for step in range(max_steps):
        with torch.no_grad():
            losses, grads = losses_and_grads(params, x, y, alive)
            stream.add(losses)  # kept on the device until the next flush
            # Copies that blew up get no gradient from their loss, so their NaNs reach nothing else.
            alive &= torch.isfinite(losses)
            for p, g in zip(params, grads):
                p.sub_(g, alpha=lr)
        if stream.due() or step == max_steps - 1:
            yield from rows_events(stream.flush())
            yield Progress(step + 1, max_steps, "steps")
            if not any(stream.alive):
                return


def train_sequential(
    models: Sequence[MLP],
    x: torch.Tensor,
    y: torch.Tensor,
    max_steps: int,
    lr: float,
    gradient_update: Callable = reference_gradient_update,
    beside_reference: bool = False,
) -> Iterator[Event]:
    """The course's way: each copy in turn, loss recorded before each gradient_update(loss, params, lr).

    `beside_reference`: after each copy, the reference rule trains a copy of it as it was (same start),
    its losses sent as LossRows(reference=True).
    """
    runs = 2 if beside_reference else 1
    total = runs * len(models) * max_steps
    done = 0
    for i, model in enumerate(models):
        pairs = [(model, gradient_update, False)]
        if beside_reference:
            pairs.append((copy.deepcopy(model), reference_gradient_update, True))  # before any step of the learner's
        for net, update, reference in pairs:
            params = list(net.parameters())
            stream = LossStream(1, max_pending=CHUNK_STEPS, include_bad=True)
            for step in range(max_steps):
                loss = loss_fn(net(x), y)
                stream.add(loss.detach())
                finite = bool(torch.isfinite(loss))  # the course's loop reads every loss anyway (loss.item())
                if finite:
                    update(loss, params, lr)
                if not finite or stream.due() or step == max_steps - 1:
                    yield from rows_events(stream.flush(), offset=i, reference=reference)
                    if not finite:
                        break
                    yield Progress(done + step + 1, total, "steps")
            done += max_steps


def overparam_events(
    x: torch.Tensor,
    y: torch.Tensor,
    hidden: Sequence[int],
    max_steps: int = int(STEPS.default),
    lr: float = LR.default,
    num_inits: int = int(INITS.default),
    *,
    noise: float = NOISE_SCALE,
    seed: int | None = None,
    gradient_update: Callable | None = None,
    beside_reference: bool = False,
) -> Iterator[Event]:
    """The whole demo: OverparamStart, then the copies' loss curves as they train, then Done.

    With the reference update rule the copies train batched; a learner's own
    `gradient_update` runs the course's sequential loop instead, each copy followed, with
    `beside_reference`, by the reference's training of the same copy (LossRows(reference=True)).
    """
    t0 = time.perf_counter()
    hidden = tuple(hidden)
    yield OverparamStart(hidden, count_params(784, 10, list(hidden)), num_inits, max_steps, lr)
    yield Status(f"training {num_inits} perturbed copies of MLP {list(hidden)}")
    models = perturbed_copies(hidden, num_inits, noise, seed, x.device)
    if gradient_update is None or gradient_update is reference_gradient_update:
        events = train_batched(models, x, y, max_steps, lr)
    else:
        events = train_sequential(models, x, y, max_steps, lr, gradient_update, beside_reference)
    n_diverged = 0
    for event in events:
        n_diverged += isinstance(event, Diverged) and not event.label.endswith("(reference)")
        yield event
    reason = "diverged" if n_diverged == num_inits else "completed"
    yield Done(reason, time.perf_counter() - t0)


def overparam_job(job: OverparamJob, env) -> Iterator[Event]:
    """The demo on the course's 500-example subset, with the learner's gradient_update when the job names it."""
    mine = load_learner_functions(dict(job.learner)).get(EXERCISES[0])
    x, y = env.context.subset
    yield from overparam_events(
        x,
        y,
        job.hidden,
        job.steps,
        job.lr,
        job.inits,
        seed=job.seed,
        gradient_update=mine,
        beside_reference=mine is not None and job.seed is not None,
    )


def curves(events: Iterator[Event], num_inits: int, max_steps: int, reference: bool = False) -> np.ndarray:
    """(num_inits, max_steps) losses assembled from LossRows events (the reference's beside the learner's
    with `reference`); NaN where a copy stopped."""
    out = np.full((num_inits, max_steps), np.nan)
    for event in events:
        if isinstance(event, LossRows) and event.reference == reference:
            out[event.init, event.start : event.start + len(event.losses)] = event.losses
    return out
