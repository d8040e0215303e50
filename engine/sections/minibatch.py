"""Section 6.2: minibatch SGD with several batch sizes, each under the same wall-clock budget."""

from __future__ import annotations

import copy
import math
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from functools import partial

import numpy as np
import torch

from .. import updates
from ..contracts.minibatch import (
    BUDGETS,
    EXERCISES,
    HIDDEN,
    BatchEnd,
    BatchStart,
    LossPoints,
    MinibatchJob,
    match_lrs,
)
from ..events import Diverged, Done, Event, Progress, Status
from ..exercises.learner import load_learner_functions
from ..model import MLP, loss_fn
from ..seeding import GlobalStreams, seeded
from ..streaming import LossStream
from ..updates import gradient_update as reference_gradient_update
from ..updates import sample_minibatch_on_device

REFERENCE_CHUNK = 100  # the reference's steps per event beside a learner's sampler


def minibatch_events(
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    batch_sizes: Sequence[int],
    lrs: Sequence[float],
    budget: float = BUDGETS[0],
    *,
    seed: int | None = None,
    sample_minibatch: Callable | None = None,
    gradient_update: Callable = reference_gradient_update,
    clock: Callable[[], float] = time.perf_counter,
    beside_reference: bool = False,
) -> Iterator[Event]:
    """The course's minibatch_experiment: one fresh MLP [100, 100], deep-copied per batch size, each
    trained until `budget` seconds have passed; every step records (elapsed, loss before the update).

    Minibatches are drawn on the device by default, from a private generator; `sample_minibatch(x, y, n)`
    plugs in the course's (or a learner's) sampler. Losses stay on the device and are copied out about
    every 50 ms (engine.streaming.LossStream), which is also when a GPU is synchronised, so the loop
    never waits per step. Seed None draws a fresh model and fresh minibatches (the course is unseeded).

    A plugged-in sample_minibatch draws from numpy's and torch's global generators set to a private
    stream from seed + 1 (engine.seeding.GlobalStreams), as after np.random.seed(seed + 1) in the
    notebook. `beside_reference`: after each batch size, the course's sampler on RandomState(seed + 1)
    (the same stream) trains a copy of the same model for as many steps, its losses sent as
    LossPoints(reference=True) at the seconds of the learner's steps: a correct sampler gives the same curve.
    """
    match_lrs(lrs, len(batch_sizes))
    device = train_x.device
    seed = secrets.randbits(32) if seed is None else seed
    with seeded(seed):  # nn.Linear's init draws from the global generator: under the lock, state restored
        base = MLP(784, 10, list(HIDDEN))
    base = base.to(device)
    generator = torch.Generator(device=device).manual_seed(seed)
    if sample_minibatch is not None:
        sample_minibatch = partial(GlobalStreams(seed + 1).call, sample_minibatch)
    reference_sampler = partial(updates.sample_minibatch, rng=np.random.RandomState(seed + 1))
    t_all = clock()
    for index, (bs, lr) in enumerate(zip(batch_sizes, lrs)):
        yield BatchStart(index, len(batch_sizes), bs, lr, budget)
        yield Status(f"batch size {bs}: training for {budget:g} s")
        model = copy.deepcopy(base)
        params = list(model.parameters())
        steps = 0
        times: list[float] = []  # elapsed seconds of the steps not yet flushed
        step_times: list[float] = []  # of every step: where the reference's losses go beside the learner's
        stream = LossStream(1, include_bad=True, clock=clock)  # the first non-finite loss is drawn too
        t0 = clock()
        elapsed = 0.0
        while elapsed < budget and stream.alive[0]:
            if sample_minibatch is None:
                xb, yb = sample_minibatch_on_device(train_x, train_y, bs, generator)
            else:
                xb, yb = sample_minibatch(train_x, train_y, bs)
            loss = loss_fn(model(xb), yb)
            gradient_update(loss, params, lr)
            steps += 1
            stream.add(loss)
            elapsed = clock() - t0
            times.append(elapsed)
            step_times.append(elapsed)
            if stream.due() or elapsed >= budget:
                for chunk in stream.flush():
                    yield LossPoints(index, tuple(times[: len(chunk.values)]), chunk.values)
                    yield Progress(int(1000 * min(elapsed, budget)), int(1000 * budget), "ms")
                    if chunk.diverged_at is not None:
                        yield Diverged(chunk.diverged_at, f"batch size {bs}")
                times = []
        if beside_reference:
            yield Status(f"batch size {bs}: the reference's sampler, for comparison")
            yield from reference_run(base, train_x, train_y, bs, lr, step_times, reference_sampler, index)
        yield BatchEnd(index, steps, elapsed)
    yield Done("completed", clock() - t_all)


def reference_run(
    base: MLP,
    x: torch.Tensor,
    y: torch.Tensor,
    bs: int,
    lr: float,
    times: Sequence[float],
    sampler: Callable,
    index: int,
) -> Iterator[Event]:
    """The reference's steps from `base` with `sampler`, one per learner's step (at its `times`), as
    LossPoints(reference=True) every REFERENCE_CHUNK steps (a stop is never long in coming); it stops
    at its first non-finite loss."""
    model = copy.deepcopy(base)
    params = list(model.parameters())
    for start in range(0, len(times), REFERENCE_CHUNK):
        losses = []
        for _ in times[start : start + REFERENCE_CHUNK]:
            xb, yb = sampler(x, y, bs)
            loss = loss_fn(model(xb), yb)
            losses.append(loss.detach())
            if not torch.isfinite(loss):
                break
            reference_gradient_update(loss, params, lr)
        values = tuple(torch.stack(losses).tolist())
        yield LossPoints(index, tuple(times[start : start + len(values)]), values, reference=True)
        if not math.isfinite(values[-1]):
            return


def minibatch_job(job: MinibatchJob, env) -> Iterator[Event]:
    """The demo on MNIST's training set, with the learner's sample_minibatch when the job names it."""
    mine = load_learner_functions(dict(job.learner)).get(EXERCISES[0])
    mnist = env.context.mnist
    yield from minibatch_events(
        mnist.train_x,
        mnist.train_y,
        job.batch_sizes,
        job.lrs,
        job.budget,
        seed=job.seed,
        sample_minibatch=mine,
        beside_reference=mine is not None and job.seed is not None,
    )
