"""Section 6.2: minibatch SGD with several batch sizes, each under the same wall-clock budget."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch

from ..events import Diverged, Done, Event, Progress, Status
from ..model import MLP, loss_fn
from ..updates import gradient_update as reference_gradient_update
from ..updates import sample_minibatch_on_device

HIDDEN = (100, 100)
BUDGETS = (2.5, 5.0, 10.0)
FLUSH_SECONDS = 0.05  # losses are sent in batches at most this often
TARGET_LOSS, TARGET_SECONDS, TARGET_TAIL = 0.5, 5.0, 0.1
MAX_BATCH_SIZES = 4


class ListError(ValueError):
    """Batch-size or learning-rate text that cannot be used; the message says why."""


def _numbers(text: str, what: str, cast: Callable[[str], float]) -> list:
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    if not text.strip():
        raise ListError(f"type at least one {what}")
    out = []
    for p in parts:
        if not p:
            raise ListError(f"empty {what} between commas")
        try:
            v = cast(p)
        except ValueError:
            raise ListError(f"{p!r} is not a {'whole number' if cast is int else 'number'}") from None
        if not math.isfinite(v) or v <= 0:
            raise ListError(f"each {what} must be positive, got {p}")
        out.append(v)
    return out


def parse_batch_sizes(text: str, max_size: int = 60000) -> list[int]:
    """ "20, 250, 1000" -> [20, 250, 1000]: 1 to MAX_BATCH_SIZES positive whole numbers up to max_size."""
    sizes = _numbers(text, "batch size", int)
    if len(sizes) > MAX_BATCH_SIZES:
        raise ListError(f"at most {MAX_BATCH_SIZES} batch sizes, got {len(sizes)}")
    if any(s > max_size for s in sizes):
        raise ListError(f"a batch size can be at most {max_size:,}")
    return sizes


def parse_lrs(text: str, count: int | None = None) -> list[float]:
    """ "5e-3, 5e-3" -> [0.005, 0.005]: positive numbers, exactly `count` of them when given."""
    lrs = _numbers(text, "learning rate", float)
    if count is not None and len(lrs) != count:
        raise ListError(
            f"{len(lrs)} learning rate{'s' * (len(lrs) != 1)} for {count} batch size"
            f"{'s' * (count != 1)}: give one per batch size"
        )
    return lrs


def target_met(
    times: Sequence[float],
    losses: Sequence[float],
    by: float = TARGET_SECONDS,
    threshold: float = TARGET_LOSS,
    tail: float = TARGET_TAIL,
) -> tuple[bool, float]:
    """The course's target, made precise: the mean of the last 10% of the losses recorded by `by`
    seconds is below `threshold`. Returns (met, that mean); (False, nan) with no losses."""
    kept = [loss for t, loss in zip(times, losses) if t <= by]
    if not kept:
        return False, math.nan
    last = kept[-max(1, math.ceil(tail * len(kept))) :]
    mean = sum(last) / len(last)
    return bool(mean < threshold), mean


@dataclass(frozen=True)
class BatchStart(Event):
    """Training with batch size `batch_size` (the `index`-th of `count`) and learning rate `lr` began."""

    index: int
    count: int
    batch_size: int
    lr: float
    budget: float


@dataclass(frozen=True)
class LossPoints(Event):
    """Losses of run `index` and the elapsed seconds at which each was computed."""

    index: int
    times: tuple[float, ...]
    losses: tuple[float, ...]


@dataclass(frozen=True)
class BatchEnd(Event):
    """Run `index` ended after `steps` updates in `seconds` (diverged runs end early)."""

    index: int
    steps: int
    seconds: float


def minibatch_events(
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    batch_sizes: Sequence[int],
    lrs: Sequence[float],
    budget: float = 2.5,
    *,
    seed: int | None = None,
    sample_minibatch: Callable | None = None,
    gradient_update: Callable = reference_gradient_update,
    clock: Callable[[], float] = time.perf_counter,
) -> Iterator[Event]:
    """The course's minibatch_experiment: one fresh MLP [100, 100], deep-copied per batch size, each
    trained until `budget` seconds have passed; every step records (elapsed, loss before the update).

    Minibatches are drawn on the device by default; `sample_minibatch(x, y, n)` plugs in the
    course's (or a learner's) sampler. Losses stay on the device and are copied out about
    every 50 ms, which is also when a GPU is synchronised, so the loop never waits per step.
    """
    if len(lrs) != len(batch_sizes):
        raise ListError("give one learning rate per batch size")
    device = train_x.device
    generator = None
    if seed is not None:
        torch.manual_seed(seed)
        generator = torch.Generator(device=device).manual_seed(seed)
    base = MLP(784, 10, list(HIDDEN)).to(device)
    t_all = clock()
    for index, (bs, lr) in enumerate(zip(batch_sizes, lrs)):
        yield BatchStart(index, len(batch_sizes), bs, lr, budget)
        yield Status(f"batch size {bs}: training for {budget:g} s")
        model = copy.deepcopy(base)
        params = list(model.parameters())
        steps, diverged = 0, False
        times: list[float] = []
        pending: list[torch.Tensor] = []
        t0 = clock()
        last = t0
        elapsed = 0.0
        while elapsed < budget and not diverged:
            if sample_minibatch is None:
                xb, yb = sample_minibatch_on_device(train_x, train_y, bs, generator)
            else:
                xb, yb = sample_minibatch(train_x, train_y, bs)
            loss = loss_fn(model(xb), yb)
            gradient_update(loss, params, lr)
            steps += 1
            pending.append(loss.detach())
            now = clock()
            elapsed = now - t0
            times.append(elapsed)
            if now - last >= FLUSH_SECONDS or elapsed >= budget:
                values = torch.stack(pending).cpu().tolist()  # the one sync point of each batch of steps
                bad = next((k for k, v in enumerate(values) if not math.isfinite(v)), None)
                if bad is not None:
                    values, diverged = values[: bad + 1], True
                yield LossPoints(index, tuple(times[: len(values)]), tuple(values))
                yield Progress(int(1000 * min(elapsed, budget)), int(1000 * budget), "ms")
                if diverged:
                    yield Diverged(steps - len(pending) + bad, f"batch size {bs}")
                pending, times, last = [], [], clock()
        yield BatchEnd(index, steps, elapsed)
    yield Done("completed", clock() - t_all)
