"""Section 6.2: minibatch SGD with several batch sizes, each under the same wall-clock budget."""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Callable, Iterator, Sequence

import torch

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
from ..seeding import seeded
from ..streaming import LossStream
from ..updates import gradient_update as reference_gradient_update
from ..updates import sample_minibatch_on_device


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
) -> Iterator[Event]:
    """The course's minibatch_experiment: one fresh MLP [100, 100], deep-copied per batch size, each
    trained until `budget` seconds have passed; every step records (elapsed, loss before the update).

    Minibatches are drawn on the device by default, from a private generator; `sample_minibatch(x, y, n)`
    plugs in the course's (or a learner's) sampler. Losses stay on the device and are copied out about
    every 50 ms (engine.streaming.LossStream), which is also when a GPU is synchronised, so the loop
    never waits per step. Seed None draws a fresh model and fresh minibatches (the course is unseeded).
    """
    match_lrs(lrs, len(batch_sizes))
    device = train_x.device
    seed = secrets.randbits(32) if seed is None else seed
    with seeded(seed):  # nn.Linear's init draws from the global generator: under the lock, state restored
        base = MLP(784, 10, list(HIDDEN))
    base = base.to(device)
    generator = torch.Generator(device=device).manual_seed(seed)
    t_all = clock()
    for index, (bs, lr) in enumerate(zip(batch_sizes, lrs)):
        yield BatchStart(index, len(batch_sizes), bs, lr, budget)
        yield Status(f"batch size {bs}: training for {budget:g} s")
        model = copy.deepcopy(base)
        params = list(model.parameters())
        steps = 0
        times: list[float] = []  # elapsed seconds of the steps not yet flushed
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
            if stream.due() or elapsed >= budget:
                for chunk in stream.flush():
                    yield LossPoints(index, tuple(times[: len(chunk.values)]), chunk.values)
                    yield Progress(int(1000 * min(elapsed, budget)), int(1000 * budget), "ms")
                    if chunk.diverged_at is not None:
                        yield Diverged(chunk.diverged_at, f"batch size {bs}")
                times = []
        yield BatchEnd(index, steps, elapsed)
    yield Done("completed", clock() - t_all)


def minibatch_job(job: MinibatchJob, env) -> Iterator[Event]:
    """The demo on MNIST's training set, with the learner's sample_minibatch when the job names it."""
    mine = load_learner_functions(dict(job.learner)).get(EXERCISES[0])
    mnist = env.context.mnist
    yield from minibatch_events(
        mnist.train_x, mnist.train_y, job.batch_sizes, job.lrs, job.budget, seed=job.seed, sample_minibatch=mine
    )
