"""Section 3's computation: the change in loss from random directions versus one gradient step (see its contract)."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F

from ..contracts.search import BINS, DIRECTIONS, LR, NOISE, PANELS, CompareJob, Comparison
from ..events import Done, Event, Progress, Status
from ..exercises.learner import load_learner_functions
from ..model import MLP, loss_fn
from ..seeding import SEED
from ..updates import gradient_update as reference_gradient_update
from ..updates import random_update as reference_random_update
from .casestudy import COURSE_LR, COURSE_STEPS, course_models, first_layer, partially_trained_events

N_RANDOM, NOISE_SCALE, STEP_LR = int(DIRECTIONS.default), NOISE.default, LR.default  # the course's settings
CHUNK = 100  # random trials evaluated per batched matmul; between chunks the run can be cancelled


def histogram(values, bins: int = BINS) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Bin edges and counts over [min, max] of the values, like matplotlib's hist."""
    counts, edges = np.histogram(np.asarray(values, float), bins=bins)
    return tuple(edges.tolist()), tuple(int(c) for c in counts)


def gd_delta(
    model: torch.nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    lr: float = STEP_LR,
    gradient_update: Callable = reference_gradient_update,
) -> float:
    """J after one gradient_update(loss, params, lr) on a copy of the model, minus J before."""
    trial = copy.deepcopy(model)
    loss = loss_fn(trial(X), y)
    base = loss.item()
    gradient_update(loss, list(trial.parameters()), lr=lr)
    with torch.no_grad():
        return float(loss_fn(trial(X), y)) - base


def random_deltas_reference(
    model: torch.nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    n: int = N_RANDOM,
    noise: float = NOISE_SCALE,
    random_update: Callable = reference_random_update,
) -> list[float]:
    """The course's way: for each trial, deep-copy the model, random_update it, evaluate J."""
    with torch.no_grad():
        base = float(loss_fn(model(X), y))
        deltas = []
        for _ in range(n):
            trial = copy.deepcopy(model)
            random_update(trial, noise_scale=noise)
            deltas.append(float(loss_fn(trial(X), y)) - base)
    return deltas


def draw_noise(model: MLP, n: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(n, 10, 784) and (n, 10) standard normal draws, in the order random_update draws them.

    Trial by trial, weight then bias, so with the same seed the draws equal the course's
    (torch's sampler takes a different path for tensors under 16 entries, so one big draw would not).
    """
    layer = first_layer(model)
    W, b = layer.weight, layer.bias
    nw = torch.empty((n, *W.shape), device=W.device)
    nb = torch.empty((n, *b.shape), device=b.device)
    for i in range(n):
        nw[i] = torch.randn(W.shape, generator=generator, device=W.device)
        nb[i] = torch.randn(b.shape, generator=generator, device=b.device)
    return nw, nb


def batched_losses(W: torch.Tensor, b: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """J for n linear models at once: W (n, 10, 784), b (n, 10) -> (n,) mean NLL over X (N, 784).

    One matmul X @ [W_1; ...; W_n]^T gives every model's logits, (N, n*10) -> (n, N, 10).
    """
    n, k, d = W.shape
    logits = (X.reshape(-1, d) @ W.reshape(n * k, d).T).reshape(-1, n, k).transpose(0, 1) + b[:, None, :]
    logp = F.log_softmax(logits, dim=-1)  # (n, N, 10)
    picked = logp.gather(2, y.expand(n, -1).unsqueeze(-1)).squeeze(-1)  # (n, N)
    return -picked.mean(dim=1)


def random_deltas_batched(
    model: MLP,
    X: torch.Tensor,
    y: torch.Tensor,
    n: int = N_RANDOM,
    noise: float = NOISE_SCALE,
    generator: torch.Generator | None = None,
    chunk: int = CHUNK,
) -> Iterator[torch.Tensor]:
    """The same deltas as random_deltas_reference for a linear model, `chunk` trials per matmul.

    Yields one tensor of deltas per chunk (so a consumer can stop between chunks).
    """
    if len(model.main) != 1:
        raise ValueError("the batched path is for the linear model (no hidden layers)")
    layer = first_layer(model)
    W, b = layer.weight.detach(), layer.bias.detach()
    with torch.no_grad():
        base = loss_fn(model(X), y)
        for start in range(0, n, chunk):
            nw, nb = draw_noise(model, min(chunk, n - start), generator)
            yield batched_losses(W + noise * nw, b + noise * nb, X, y) - base


def compare(
    model: MLP,
    X: torch.Tensor,
    y: torch.Tensor,
    panel: str,
    n: int = N_RANDOM,
    noise: float = NOISE_SCALE,
    lr: float = STEP_LR,
    generator: torch.Generator | None = None,
    gradient_update: Callable = reference_gradient_update,
) -> Comparison:
    """One panel of the figure, with the batched random trials."""
    deltas = torch.cat(list(random_deltas_batched(model, X, y, n, noise, generator))).tolist()
    with torch.no_grad():
        base = float(loss_fn(model(X), y))
    edges, counts = histogram(deltas)
    return Comparison(panel, base, tuple(deltas), gd_delta(model, X, y, lr, gradient_update), edges, counts, noise, lr)


def compare_events(
    X: torch.Tensor,
    y: torch.Tensor,
    *,
    n: int = N_RANDOM,
    noise: float = NOISE_SCALE,
    lr: float = STEP_LR,
    draw_seed: int = 0,
    seed: int = SEED,
    train_steps: int = COURSE_STEPS,
    train_lr: float = COURSE_LR,
    gradient_update: Callable = reference_gradient_update,
) -> Iterator[Event]:
    """Both panels: §2.2's model at initialization and the partially trained model of §2.4.

    The random trials draw from a generator seeded with `draw_seed` (the course leaves them unseeded),
    the same draws for both panels. With a learner's gradient_update each panel also carries the
    reference's step (Comparison.reference_gd_delta).
    """
    start = time.perf_counter()
    initial, _ = course_models(seed, device=X.device)
    trained = yield from partially_trained_events(X, y, seed, train_steps, train_lr)
    for model, panel in zip((initial, trained), PANELS):
        yield Status(f"{panel}: {n} random directions and one gradient step…")
        generator = torch.Generator(device=X.device).manual_seed(draw_seed)
        chunks = []
        for part in random_deltas_batched(model, X, y, n, noise, generator):
            chunks.append(part)
            yield Progress(sum(len(c) for c in chunks), n, f"{panel.lower()} random directions")
        deltas = torch.cat(chunks).tolist()
        with torch.no_grad():
            base = float(loss_fn(model(X), y))
        edges, counts = histogram(deltas)
        step = gd_delta(model, X, y, lr, gradient_update)
        # Beside a learner's rule, the reference's step from the same model: a correct rule gives the same change.
        ref = None if gradient_update is reference_gradient_update else gd_delta(model, X, y, lr)
        yield Comparison(panel, base, tuple(deltas), step, edges, counts, noise, lr, ref)
    yield Done("completed", time.perf_counter() - start)


def compare_job(job: CompareJob, env) -> Iterator[Event]:
    """The comparison on the course's 500-example subset, with the learner's gradient_update when the job names it."""
    X, y = env.context.subset
    step = load_learner_functions(dict(job.learner)).get("gradient_update", reference_gradient_update)
    assert callable(step)
    yield from compare_events(X, y, n=job.n, noise=job.noise, lr=job.lr, draw_seed=job.draw_seed, gradient_update=step)
