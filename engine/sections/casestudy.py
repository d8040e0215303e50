"""Section 2's computations: browsing the data, the model's layers, the loss at initialization, the class filters."""

from __future__ import annotations

import threading
import time
from collections.abc import Generator, Iterator

import torch

from ..contracts.casestudy import (
    COURSE_LR,
    COURSE_STEPS,
    MAX_EVAL_PARAMS,
    DataInfo,
    DataJob,
    Example,
    FiltersJob,
    FilterWeights,
    InitLoss,
    LayerRow,
    ModelJob,
    ModelSummary,
    TrainStep,
)
from ..events import Diverged, Done, Event, Failed, Progress, Status
from ..model import MLP, first_layer, layer_shapes, loss_fn
from ..seeding import SEED, seeded
from ..streaming import LossStream

FILTER_EVERY_S = 0.15  # how often the filters are sent while training, so they change live


# -- 2.1 Data ---------------------------------------------------------------------------------
def example(X: torch.Tensor, y: torch.Tensor, index: int) -> Example:
    rows = X[index].reshape(28, 28).cpu().tolist()
    return Example(index, int(y[index]), tuple(map(tuple, rows)))


def data_events(mean: float, std: float, X: torch.Tensor, y: torch.Tensor, index: int) -> Iterator[Event]:
    """The normalisation constants, then one example of the subset."""
    yield DataInfo(mean, std, len(y))
    if not 0 <= index < len(y):
        yield Failed(f"example {index + 1} does not exist; choose 1 to {len(y)}")
        return
    yield example(X, y, index)


def data_job(job: DataJob, env) -> Iterator[Event]:
    """Example number `job.example` of the course's subset, standardised as the whole training set."""
    mnist = env.context.mnist
    X, y = env.context.subset
    yield from data_events(mnist.mean, mnist.std, X, y, job.example - 1)


# -- 2.2 Model and 2.3 Loss -------------------------------------------------------------------
def describe_model(hidden: list[int] | tuple[int, ...] = ()) -> ModelSummary:
    """Built on the meta device: the repr and shapes are exact, and no memory is spent on weights."""
    with torch.device("meta"):
        model = MLP(784, 10, list(hidden))
    # Linear layers sit at even indices of main (ReLU between them), as the course's print shows.
    names = [f"main.{2 * i}" for i in range(len(hidden) + 1)]
    rows = tuple(LayerRow(n, i, o) for n, (i, o) in zip(names, layer_shapes(784, 10, list(hidden))))
    return ModelSummary(tuple(hidden), repr(model), rows)


def course_models(
    seed: int = SEED, hidden: list[int] | None = None, device: torch.device | str = "cpu"
) -> tuple[MLP, MLP]:
    """The course's two draws after set_seed(seed): §2.2's `model`, then `partial_trained_model`.

    Both are initialised on the CPU generator (seeded, under engine.seeding's lock) and then moved,
    so every device starts from the same weights.
    """
    with seeded(seed):
        first = MLP(784, 10, hidden or [])
        second = MLP(784, 10, hidden or [])
    return first.to(device), second.to(device)


def initial_loss(X: torch.Tensor, y: torch.Tensor, hidden: list[int] | None = None, seed: int = SEED) -> float:
    """J at initialization for the first draw after set_seed(seed); about ln 10 for the linear model."""
    with seeded(seed):
        model = MLP(784, 10, hidden or [])
    model = model.to(X.device)
    with torch.no_grad():
        return float(loss_fn(model(X), y))


def model_events(hidden: tuple[int, ...], X: torch.Tensor, y: torch.Tensor, seed: int = SEED) -> Iterator[Event]:
    """Describe MLP(784, 10, hidden), then evaluate it untrained unless it is too large."""
    summary = describe_model(hidden)
    yield summary
    if summary.total > MAX_EVAL_PARAMS:
        yield Status(f"{summary.total:,} parameters: too many to evaluate here")
        return
    yield Status("evaluating the untrained model on the 500 examples…")
    yield InitLoss(tuple(hidden), initial_loss(X, y, list(hidden), seed))


def model_job(job: ModelJob, env) -> Iterator[Event]:
    """The model of the job's hidden sizes (checked by the contract), evaluated on the course's subset."""
    X, y = env.context.subset
    yield from model_events(job.hidden, X, y)


# -- 2.4 Interpretability ---------------------------------------------------------------------
def filters_of(model: MLP, step: int) -> FilterWeights:
    w = first_layer(model).weight.detach().cpu().tolist()
    return FilterWeights(step, tuple(map(tuple, w)))


def adam_steps(
    model: MLP, X: torch.Tensor, y: torch.Tensor, steps: int = COURSE_STEPS, lr: float = COURSE_LR
) -> Iterator[tuple[int, torch.Tensor]]:
    """The course's loop: forward on all of X, NLL, zero_grad, backward, Adam step.

    Yields (k, the loss after k steps as a 0-d tensor left on the device) for k = 0..steps: the loss
    of step k is the one the loop computes before its update, and the last is evaluated after the
    final update. No host sync: the caller decides when to read the values.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for k in range(steps + 1):
        loss = loss_fn(model(X), y)
        yield k, loss.detach()
        if k == steps:
            return
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def filter_events(
    X: torch.Tensor, y: torch.Tensor, seed: int = SEED, steps: int = COURSE_STEPS, lr: float = COURSE_LR
) -> Iterator[Event]:
    """Train the course's partially trained model live: every step's loss, the filters now and then.

    The losses are streamed (engine.streaming): one TrainStep per step, sent in batches; the run
    ends at the first non-finite loss, which is not sent (the chart stops at the last finite one).
    """
    start = time.perf_counter()
    yield Status(f"training the linear model: Adam, lr {lr:g}, {steps} full-batch steps, seed {seed}")
    _, model = course_models(seed, device=X.device)
    yield filters_of(model, 0)
    last_sent = time.perf_counter()
    stream = LossStream(include_bad=False)
    for k, loss in adam_steps(model, X, y, steps, lr):
        stream.add(loss)
        if not (stream.due() or k == steps):
            continue
        for chunk in stream.flush():
            yield from (TrainStep(chunk.start + i, v) for i, v in enumerate(chunk.values))
            if chunk.diverged_at is not None:
                yield Diverged(chunk.diverged_at, "filters")
                yield Done("diverged", time.perf_counter() - start)
                return
        yield Progress(k, steps, "steps")
        if time.perf_counter() - last_sent > FILTER_EVERY_S and k < steps:
            yield filters_of(model, k)
            last_sent = time.perf_counter()
    yield filters_of(model, steps)
    yield Done("completed", time.perf_counter() - start)


def filters_job(job: FiltersJob, env) -> Iterator[Event]:
    """The filters' training on the course's subset from the job's seed, for the job's steps."""
    X, y = env.context.subset
    yield from filter_events(X, y, seed=job.seed, steps=job.steps)


_trained: dict[tuple, dict[str, torch.Tensor]] = {}
_trained_lock = threading.Lock()


def partially_trained_events(
    X: torch.Tensor, y: torch.Tensor, seed: int = SEED, steps: int = COURSE_STEPS, lr: float = COURSE_LR
) -> Generator[Event, None, MLP]:
    """Yield training Progress and return (`yield from`) the course's partial_trained_model.

    It is trained once per (data, device, settings) and then rebuilt from a saved copy of its state.
    """
    # Keyed by the data's content, not its address: a freed tensor's memory can hold other data later.
    fingerprint = (tuple(X.shape), float(X.double().sum()), float((X.double() ** 2).sum()), int(y.sum()))
    key = (str(X.device), fingerprint, seed, steps, lr)
    with _trained_lock:
        state = _trained.get(key)
    _, model = course_models(seed, device=X.device)
    if state is not None:
        model.load_state_dict(state)
        return model
    yield Status(f"training the partially trained model ({steps} Adam steps, lr {lr:g})…")
    for k, loss in adam_steps(model, X, y, steps, lr):
        if k % 10 == 0 or k == steps:
            loss.item()  # waits for the device, so the progress is where the training really is
            yield Progress(k, steps, "training steps")
    with _trained_lock:
        _trained[key] = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return model


def partially_trained(
    X: torch.Tensor, y: torch.Tensor, seed: int = SEED, steps: int = COURSE_STEPS, lr: float = COURSE_LR
) -> MLP:
    """The course's partial_trained_model, without the progress events."""
    events = partially_trained_events(X, y, seed, steps, lr)
    while True:
        try:
            next(events)
        except StopIteration as stop:
            return stop.value
