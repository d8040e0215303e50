"""Section 6.1: the wall-clock cost of a forward and a backward pass as the number of examples grows."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch

from ..device import synchronize
from ..events import Done, Event, Progress, Status
from ..model import MLP, count_params, loss_fn
from ..updates import gradient_update as reference_gradient_update

NUM_POINTS = (1, 5, 10, 100, 200, 500, 1000, 5000, 10000, 20000, 30000, 50000)
REPEATS = 5
HIDDEN_CHOICES = ("1", "100", "50, 50")  # the course's dropdown; "100" is its default


@dataclass(frozen=True)
class CostStart(Event):
    """A measurement began: the network, its parameter count and where it runs."""

    hidden: tuple[int, ...]
    num_params: int
    device: str
    sizes: tuple[int, ...]


@dataclass(frozen=True)
class CostPoint(Event):
    """Mean seconds of a forward pass (+ loss) and of a backward pass (+ no-op update) on `size` examples."""

    size: int
    forward: float
    backward: float
    repeats: int


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
    model = MLP(784, 10, list(hidden)).to(train_x.device)
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
