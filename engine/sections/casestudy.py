"""Section 2's computations: browsing the data, the model's layers, the loss at initialization, the class filters."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass

import torch

from ..events import Diverged, Done, Event, Failed, Progress, Status
from ..model import MLP, HiddenSizesError, layer_shapes, loss_fn, parse_hidden
from ..seeding import SEED, set_seed

LN10 = math.log(10)  # the loss of a model that gives every class probability 1/10
COURSE_STEPS, COURSE_LR = 200, 7e-4  # the course's partially trained model: Adam, full batch
MAX_EVAL_PARAMS = 50_000_000  # larger untrained models are described but not evaluated (memory)
FILTER_EVERY_S = 0.15  # how often the filters are sent while training, so they change live


# -- 2.1 Data ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DataInfo(Event):
    """How the pixels were standardised: x' = (x - mean) / std over the raw 0-255 training pixels."""

    mean: float
    std: float
    size: int  # examples in the subset

    @property
    def background(self) -> float:
        return -self.mean / self.std

    @property
    def full_ink(self) -> float:
        return (255 - self.mean) / self.std


@dataclass(frozen=True)
class Example(Event):
    """Example `index` (0-based) of the subset: its label and its 28 rows of 28 standardised pixels."""

    index: int
    label: int
    pixels: tuple[tuple[float, ...], ...]


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


# -- 2.2 Model and 2.3 Loss -------------------------------------------------------------------
@dataclass(frozen=True)
class LayerRow:
    """One Linear layer: `name` as print(model) names it, weights fan_in*fan_out, biases fan_out."""

    name: str
    fan_in: int
    fan_out: int

    @property
    def weights(self) -> int:
        return self.fan_in * self.fan_out

    @property
    def biases(self) -> int:
        return self.fan_out

    @property
    def total(self) -> int:
        return self.weights + self.biases


@dataclass(frozen=True)
class ModelSummary(Event):
    """print(model) and the layer table of MLP(784, 10, hidden)."""

    hidden: tuple[int, ...]
    text: str
    layers: tuple[LayerRow, ...]

    @property
    def total(self) -> int:
        return sum(layer.total for layer in self.layers)


@dataclass(frozen=True)
class HiddenInvalid(Event):
    """The typed hidden sizes describe no network; nothing was built."""

    text: str
    message: str


@dataclass(frozen=True)
class InitLoss(Event):
    """The NLL of the untrained model (seeded) on the subset, next to ln 10."""

    hidden: tuple[int, ...]
    loss: float
    ln10: float = LN10


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

    Both are initialised on the CPU generator and then moved, so every device starts from the same weights.
    """
    set_seed(seed)
    first = MLP(784, 10, hidden or [])
    second = MLP(784, 10, hidden or [])
    return first.to(device), second.to(device)


def initial_loss(X: torch.Tensor, y: torch.Tensor, hidden: list[int] | None = None, seed: int = SEED) -> float:
    """J at initialization for the first draw after set_seed(seed); about ln 10 for the linear model."""
    set_seed(seed)
    model = MLP(784, 10, hidden or []).to(X.device)
    with torch.no_grad():
        return float(loss_fn(model(X), y))


def model_events(text: str, X: torch.Tensor, y: torch.Tensor, seed: int = SEED) -> Iterator[Event]:
    """Validate the hidden sizes; if valid, describe the model, then evaluate it untrained."""
    try:
        hidden = parse_hidden(text)
    except HiddenSizesError as exc:
        yield HiddenInvalid(text, str(exc))
        return
    summary = describe_model(hidden)
    yield summary
    if summary.total > MAX_EVAL_PARAMS:
        yield Status(f"{summary.total:,} parameters: too many to evaluate here")
        return
    yield Status("evaluating the untrained model on the 500 examples…")
    yield InitLoss(tuple(hidden), initial_loss(X, y, hidden, seed))


# -- 2.4 Interpretability ---------------------------------------------------------------------
@dataclass(frozen=True)
class TrainStep(Event):
    """The full-batch loss after `step` Adam steps."""

    step: int
    loss: float


@dataclass(frozen=True)
class FilterWeights(Event):
    """The 10 rows of W after `step` steps, each 784 weights (a 28x28 image, row-major)."""

    step: int
    weights: tuple[tuple[float, ...], ...]


def first_layer(model: MLP) -> torch.nn.Linear:
    """main[0], the layer whose rows are the filters (the linear model's only layer)."""
    layer = model.main[0]
    assert isinstance(layer, torch.nn.Linear)
    return layer


def filters_of(model: MLP, step: int) -> FilterWeights:
    w = first_layer(model).weight.detach().cpu().tolist()
    return FilterWeights(step, tuple(map(tuple, w)))


def adam_training(
    model: MLP, X: torch.Tensor, y: torch.Tensor, steps: int = COURSE_STEPS, lr: float = COURSE_LR
) -> Iterator[tuple[int, float]]:
    """The course's loop: forward on all of X, NLL, zero_grad, backward, Adam step.

    Yields (k, loss after k steps) for k = 0..steps (the loss of step k is the one the loop computes
    before its update, and the last is evaluated after the final update). Stops at a non-finite loss.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for k in range(steps + 1):
        loss = loss_fn(model(X), y)
        value = loss.item()  # one host sync per step; the chart needs it anyway
        yield k, value
        if k == steps or not math.isfinite(value):
            return
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def filter_events(
    X: torch.Tensor, y: torch.Tensor, seed: int = SEED, steps: int = COURSE_STEPS, lr: float = COURSE_LR
) -> Iterator[Event]:
    """Train the course's partially trained model live: losses every step, filters now and then."""
    start = time.perf_counter()
    yield Status(f"training the linear model: Adam, lr {lr:g}, {steps} full-batch steps, seed {seed}")
    _, model = course_models(seed, device=X.device)
    yield filters_of(model, 0)
    last_sent = time.perf_counter()
    for k, value in adam_training(model, X, y, steps, lr):
        if not math.isfinite(value):
            yield Diverged(k, "filters")
            yield Done("diverged", time.perf_counter() - start)
            return
        yield TrainStep(k, value)
        yield Progress(k, steps, "steps")
        if time.perf_counter() - last_sent > FILTER_EVERY_S and k < steps:
            yield filters_of(model, k)
            last_sent = time.perf_counter()
    yield filters_of(model, steps)
    yield Done("completed", time.perf_counter() - start)


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
    for k, _value in adam_training(model, X, y, steps, lr):
        if k % 10 == 0 or k == steps:
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
