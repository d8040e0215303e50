"""Section 6.1: the wall-clock cost of a forward and a backward pass as the number of examples grows."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence

import torch

from ..contracts.minibatch import NUM_POINTS, REPEATS, CostJob, CostPoint, CostStart
from ..device import synchronize
from ..events import Done, Event, Progress, Status
from ..model import MLP, count_params, loss_fn
from ..seeding import SEED, seeded
from ..updates import gradient_update as reference_gradient_update


def measure_update_time(
    model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, gradient_update: Callable = reference_gradient_update
) -> tuple[float, float]:
    """(forward seconds, backward seconds) as the course's measure_update_time, synchronised on a GPU.

    The backward part is gradient_update(loss, params, lr=0): zero-grad, backward, a no-op update.
    """
    device = x.device
    synchronize(device)
    t0 = time.perf_counter()
    loss = loss_fn(model(x), y)
    synchronize(device)
    t1 = time.perf_counter()
    gradient_update(loss, list(model.parameters()), lr=0)
    synchronize(device)
    return t1 - t0, time.perf_counter() - t1


def cost_events(
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    hidden: Sequence[int],
    sizes: Sequence[int] = NUM_POINTS,
    repeats: int = REPEATS,
    device_label: str = "",
    gradient_update: Callable = reference_gradient_update,
) -> Iterator[Event]:
    """Time every size on the first N examples (after one warm-up), yielding a CostPoint per size.

    The course loops repeats outside sizes; here each size's repeats are done together so
    its point can be drawn as soon as it is measured (the mean is the same quantity).
    """
    t_start = time.perf_counter()
    hidden = tuple(hidden)
    sizes = tuple(s for s in sizes if s <= len(train_x))
    yield CostStart(hidden, count_params(784, 10, list(hidden)), device_label, sizes)
    with seeded(SEED):  # the weights do not change the timings; seeded keeps the draw off others' global RNG
        model = MLP(784, 10, list(hidden))
    model = model.to(train_x.device)
    yield Status("warming up")
    measure_update_time(model, train_x[: sizes[-1]], train_y[: sizes[-1]], gradient_update)
    done, total = 0, len(sizes) * repeats
    for n in sizes:
        x, y = train_x[:n], train_y[:n]
        fwd = bwd = 0.0
        for _ in range(repeats):
            f, b = measure_update_time(model, x, y, gradient_update)
            fwd, bwd, done = fwd + f, bwd + b, done + 1
            yield Progress(done, total, "measurements")
        yield CostPoint(n, fwd / repeats, bwd / repeats, repeats)
    yield Done("completed", time.perf_counter() - t_start)


def cost_job(job: CostJob, env) -> Iterator[Event]:
    """The measurement on MNIST's training set, on the engine's device, named as the header names it."""
    mnist = env.context.mnist
    yield from cost_events(
        mnist.train_x, mnist.train_y, job.hidden, job.sizes, job.repeats, device_label=env.context.device_label
    )
