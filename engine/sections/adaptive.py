"""Section 7, Compare optimizers: SGD, momentum and RMSprop train copies of one MLP side by side.

Two ways to run the same experiment:

* the plug-in path calls the course's update rules (gradient_update, momentum_update,
  rmsprop_update) and sample_minibatch, given as parameters, on three deep copies of the model;
* the fast path keeps the three copies as stacked tensors (leading dimension 3), so one batched
  forward and backward pass and a few multi-tensor in-place updates train all three at once,
  with minibatch indices drawn on the device.

Both train in lockstep (iteration i of every optimizer before iteration i + 1 of any), so the
three curves grow together, and both yield the same events. With a seed both draw the same initial
model and the same minibatches (numpy's RandomState(seed + 1), as the course's sample_minibatch
after np.random.seed), so the reference's curves and a learner's correct functions' agree; a
learner's functions run with the reference beside them.
"""

from __future__ import annotations

import copy
import math
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F

from engine import updates
from engine.contracts.adaptive import OPTIMIZERS, CompareConfig, CompareJob, Losses, reference_label
from engine.events import Diverged, Done, Event, Progress, Status
from engine.exercises.learner import load_learner_functions
from engine.model import MLP, loss_fn
from engine.seeding import GlobalStreams, seeded
from engine.streaming import LossStream

COURSE = CompareConfig()  # Demo 7 as the course runs it
Step = Callable[[int, list[bool]], torch.Tensor]  # iteration, which series are alive -> their losses


def fresh_seed() -> int:
    """A seed from the OS's entropy, for the runs that ask for none (a new random model each time, as the course)."""
    return secrets.randbits(32)


def initial_model(hidden: Sequence[int], seed: int | None = None) -> MLP:
    """The MLP every optimizer starts from (nn.Linear's init draws from torch's global RNG, so under seeded).

    seeded(None) would restore the global state afterwards and give the same "random" model on
    every unseeded run; a fresh seed keeps each one new.
    """
    with seeded(fresh_seed() if seed is None else seed):
        return MLP(784, 10, list(hidden))


def minibatch_indices(n: int, steps: int, k: int, batch: int, seed: int) -> torch.Tensor:
    """(steps, k, batch) indices as the plug-in path draws them: RandomState(seed + 1).choice(n, batch),
    iteration by iteration, optimizer by optimizer (what np.random.choice draws after np.random.seed(seed + 1))."""
    rng = np.random.RandomState(seed + 1)
    draws = np.stack([rng.choice(n, batch) for _ in range(steps * k)]).astype(np.int64)
    return torch.from_numpy(draws.reshape(steps, k, batch))


def draw_indices(
    n: int, shape: tuple[int, ...], device: torch.device, generator: torch.Generator | None
) -> torch.Tensor:
    """Uniform indices with replacement, as np.random.choice(n, size), drawn on the device itself."""
    return torch.randint(n, shape, device=device, generator=generator)


# -- the fast path: three models as one stack ---------------------------------------------------
class StackedMLP:
    """K copies of an MLP as transposed weights (K, in, out) and biases (K, out), trained as one network.

    Weights are kept transposed so that neither the forward pass nor the weight gradient
    needs a transposing copy.
    """

    def __init__(self, model: MLP, k: int):
        layers = [m for m in model.main if isinstance(m, torch.nn.Linear)]
        source = [t for m in layers for t in (m.weight.detach().t(), m.bias.detach())]
        self.params = [t.unsqueeze(0).repeat(k, *[1] * t.dim()).requires_grad_() for t in source]
        self.weights_t, self.biases = self.params[0::2], self.params[1::2]

    def losses(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        """Mean NLL of each copy on its own batch: xb (K, B, 784), yb (K, B) -> (K,)."""
        h = xb
        last = len(self.weights_t) - 1
        for i, (wt, b) in enumerate(zip(self.weights_t, self.biases)):
            h = torch.baddbmm(b.unsqueeze(1), h, wt)  # (K, B, out) = b + h W^T
            if i < last:
                h = F.relu(h)
        logp = F.log_softmax(h, dim=-1)
        return -logp.gather(2, yb.unsqueeze(2)).squeeze(2).mean(1)

    def grads(self, losses: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """d(sum of losses)/d(params): the copies are independent, so copy k's slice is dL_k/dw_k."""
        return torch.autograd.grad(losses.sum(), self.params)

    def slice(self, k: int) -> list[torch.Tensor]:
        """Copy k's parameters in the model's shapes (views: updates to the stack show through)."""
        return [p.detach()[k].t() if p.dim() == 3 else p.detach()[k] for p in self.params]


class StackedUpdates:
    """The course's three rules applied in place to copies 0, 1, 2 (SGD, momentum, RMSprop) of a stack.

    SGD:      w <- w - lr g
    Momentum: v <- beta v - lr g;  w <- w + v
    RMSprop:  s <- alpha s + (1 - alpha) g^2;  w <- w - lr g / sqrt(s + eps)

    Each line is one fused multi-tensor (torch._foreach_*) call over all layers.
    """

    def __init__(self, stack: StackedMLP, cfg: CompareConfig):
        self.cfg = cfg
        self.w = [[p.detach()[k] for p in stack.params] for k in range(len(OPTIMIZERS))]
        self.vel = [torch.zeros_like(p) for p in self.w[1]]
        self.sq = [torch.zeros_like(p) for p in self.w[2]]

    @torch.no_grad()
    def apply(self, grads: Sequence[torch.Tensor]) -> None:
        """One step of every optimizer from the stacked gradients (one (K, ...) tensor per parameter)."""
        c = self.cfg
        g = [[gr[k] for gr in grads] for k in range(len(OPTIMIZERS))]
        torch._foreach_add_(self.w[0], g[0], alpha=-c.lr)
        torch._foreach_mul_(self.vel, c.beta)
        torch._foreach_add_(self.vel, g[1], alpha=-c.lr)
        torch._foreach_add_(self.w[1], self.vel)
        torch._foreach_mul_(self.sq, c.alpha)
        torch._foreach_addcmul_(self.sq, g[2], g[2], value=1 - c.alpha)
        denom = torch._foreach_add(self.sq, c.epsilon)
        torch._foreach_sqrt_(denom)
        torch._foreach_addcdiv_(self.w[2], g[2], denom, value=-c.lr)


def _fast_steps(
    x: torch.Tensor, y: torch.Tensor, cfg: CompareConfig, base: MLP, indices: torch.Tensor | None
) -> Callable[[int, list[bool]], torch.Tensor]:
    stack = StackedMLP(base, len(OPTIMIZERS))
    rules = StackedUpdates(stack, cfg)
    flat = x.reshape(len(x), -1)
    k, b = len(OPTIMIZERS), cfg.batch_size
    if indices is None and cfg.seed is not None:  # drawn once, moved once: the plug-in path's minibatches
        indices = minibatch_indices(len(flat), cfg.max_steps, k, b, cfg.seed).to(x.device)
    gen = torch.Generator(device=x.device)
    gen.seed()

    def step(i: int, alive: list[bool]) -> torch.Tensor:
        idx = indices[i].reshape(-1) if indices is not None else draw_indices(len(flat), (k * b,), x.device, gen)
        # index_select, not flat[idx]: on CPU it is several times faster for row gathers.
        xb = flat.index_select(0, idx).view(k, b, -1)
        yb = y.index_select(0, idx).view(k, b)
        losses = stack.losses(xb, yb)
        rules.apply(stack.grads(losses))
        return losses.detach()

    return step


# -- the plug-in path: the course's functions on deep copies ------------------------------------
def _plugin_steps(
    x, y, cfg: CompareConfig, base: MLP, gradient_update, momentum_update, rmsprop_update, sample_minibatch
) -> Callable[[int, list[bool]], torch.Tensor]:
    models = [copy.deepcopy(base) for _ in OPTIMIZERS]
    params = [list(m.parameters()) for m in models]
    grad_vel = [torch.zeros_like(p) for p in params[1]]
    grad_sq = [torch.zeros_like(p) for p in params[2]]
    nan = torch.tensor(math.nan, device=x.device)

    def step(i: int, alive: list[bool]) -> torch.Tensor:
        out = []
        for k, model in enumerate(models):
            # Drawn for a diverged optimizer too: the minibatches stay in step with the reference's.
            xb, yb = sample_minibatch(x, y, cfg.batch_size)
            if not alive[k]:
                out.append(nan)
                continue
            loss = loss_fn(model(xb), yb)
            if k == 0:
                gradient_update(loss, params[0], lr=cfg.lr)
            elif k == 1:
                momentum_update(loss, params[1], grad_vel, lr=cfg.lr, beta=cfg.beta)
            else:
                rmsprop_update(loss, params[2], grad_sq, lr=cfg.lr, alpha=cfg.alpha)
            out.append(loss.detach())
        return torch.stack(out)

    return step


# -- the shared driver ----------------------------------------------------------------------------
def _side_by_side(mine: Step, reference: Step) -> Step:
    """The learner's three optimizers (series 0-2) and the reference's (3-5), one iteration of each in turn."""
    k = len(OPTIMIZERS)
    return lambda i, alive: torch.cat([mine(i, alive[:k]), reference(i, alive[k:])])


def _drive(step: Step, cfg: CompareConfig, series: int = len(OPTIMIZERS)) -> Iterator[Event]:
    """Run the iterations, streaming losses every few ms; a non-finite loss ends that optimizer.

    Series beyond the first three are the reference's beside the learner's (Losses with reference=True).
    """
    k = len(OPTIMIZERS)
    stream = LossStream(series)  # a curve ends before its first non-finite loss
    t0 = time.monotonic()
    for i in range(cfg.max_steps):
        stream.add(step(i, stream.alive))
        if i + 1 < cfg.max_steps and not stream.due():
            continue
        for chunk in stream.flush():
            name, reference = OPTIMIZERS[chunk.series % k], chunk.series >= k
            if chunk.values:
                yield Losses(name, chunk.start, chunk.values, reference=reference)
            if chunk.diverged_at is not None:
                yield Diverged(chunk.diverged_at, reference_label(name) if reference else name)
        yield Progress(i + 1, cfg.max_steps, "iterations")
        if not any(stream.alive[:k]):
            break
    yield Done("completed" if any(stream.alive[:k]) else "diverged", time.monotonic() - t0)


def compare_optimizers(
    x: torch.Tensor,
    y: torch.Tensor,
    cfg: CompareConfig = COURSE,
    *,
    gradient_update: Callable | None = None,
    momentum_update: Callable | None = None,
    rmsprop_update: Callable | None = None,
    sample_minibatch: Callable | None = None,
    fast: bool | None = None,
    indices: torch.Tensor | None = None,
    beside_reference: bool = False,
) -> Iterator[Event]:
    """Train SGD, momentum and RMSprop from one initial MLP on (x, y), yielding Losses as they come.

    Update functions left as None are the course's reference rules. `fast` (default: when no
    function is plugged in) uses the stacked implementation. `indices` (max_steps, 3, batch)
    fixes the minibatches of the fast path (tests); the plug-in path takes a sample_minibatch.
    A plugged-in sample_minibatch draws from numpy's and torch's global generators set, with a
    seed, to a private stream that starts at seed + 1 (engine.seeding.GlobalStreams).
    `beside_reference` (plug-in path): the reference rules train beside, from the same model and
    minibatches, their curves sent as Losses(reference=True).
    """
    plugged = any(f is not None for f in (gradient_update, momentum_update, rmsprop_update, sample_minibatch))
    if fast is None:
        fast = not plugged
    if fast and plugged:
        raise ValueError("the fast path runs the reference rules only; use fast=False to plug functions in")
    yield Status(f"training {', '.join(OPTIMIZERS)} on {len(x):,} images, batches of {cfg.batch_size}")
    base = initial_model(cfg.hidden, cfg.seed).to(x.device)
    if fast:
        step = _fast_steps(x, y, cfg, base, indices)
        yield from _drive(step, cfg)
        return
    rules = (gradient_update, momentum_update, rmsprop_update)
    step = _plugin_steps(x, y, cfg, base, *_rules_or_reference(*rules), _sampler(cfg.seed, sample_minibatch))
    if not beside_reference:
        yield from _drive(step, cfg)
        return
    reference = _plugin_steps(x, y, cfg, base, *_rules_or_reference(None, None, None), _sampler(cfg.seed, None))
    yield from _drive(_side_by_side(step, reference), cfg, series=2 * len(OPTIMIZERS))


def _rules_or_reference(gradient_update, momentum_update, rmsprop_update) -> tuple[Callable, Callable, Callable]:
    return (
        gradient_update or updates.gradient_update,
        momentum_update or updates.momentum_update,
        rmsprop_update or updates.rmsprop_update,
    )


def _sampler(seed: int | None, sample_minibatch: Callable | None) -> Callable:
    """The reference sampler on a private RandomState(seed + 1), or the learner's on global streams from seed + 1."""
    start = None if seed is None else seed + 1
    if sample_minibatch is None:
        return partial(updates.sample_minibatch, rng=np.random.RandomState(start))  # never numpy's global one
    if start is None:
        return sample_minibatch
    return partial(GlobalStreams(start).call, sample_minibatch)


def compare_job(job: CompareJob, env) -> Iterator[Event]:
    """The demo on the full training set, with the learner's functions where the job names them."""
    mine = load_learner_functions(dict(job.learner))
    mnist = env.context.mnist
    yield from compare_optimizers(
        mnist.train_x,
        mnist.train_y,
        job.config(),
        momentum_update=mine.get("momentum_update"),
        rmsprop_update=mine.get("rmsprop_update"),
        sample_minibatch=mine.get("sample_minibatch"),
        beside_reference=bool(mine) and job.seed is not None,
    )
