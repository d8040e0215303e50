"""The Bonus's sweep: copies of one run that differ in one or two settings, trained side by side; its
settings, how typed values are read, its job and its events (no torch)."""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from dataclasses import dataclass, field

from ..events import Event
from ..parsing import NumberError, parse_float, parse_int
from ..resources import FLOAT, Estimate, estimate
from .base import Job, Range, SettingError
from .bonus import (
    BATCH_SIZE,
    BETA1,
    EVAL_BATCH,
    LR,
    MOMENTUM,
    N_TRAIN,
    N_VAL,
    PIXELS,
    WEIGHT_DECAY,
    TrainConfig,
)

MAX_AXES = 2  # settings swept at once (a grid of their values)
MAX_COPIES = 16  # copies in one sweep: the product of the value counts
MAX_TEXT = 200  # characters of typed values
GRID = re.compile(r"^\s*(\S+)\s*\.\.\s*(\S+)\s+[x×]\s*(\S+)\s*(log|lin)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Sweepable:
    """A setting a sweep can vary: its name on screen, the TrainConfig field(s) it sets, its range and grid."""

    key: str
    label: str
    range: Range
    log_grid: bool  # "a..b xN" spaces values evenly on a log axis (else a linear one)
    example: str  # of what to type in the values field
    one: str  # one value, for messages about a single number


SWEEPABLE: dict[str, Sweepable] = {
    s.key: s
    for s in (
        Sweepable("lr", "learning rate", LR, True, "1e-4..1e-1 x8", "1e-3"),
        Sweepable("weight_decay", "weight decay", WEIGHT_DECAY, False, "0, 1e-4, 1e-3, 1e-2", "1e-4"),
        Sweepable("momentum", "momentum / beta1", MOMENTUM, False, "0.5, 0.8, 0.9, 0.95", "0.9"),
        Sweepable("batch_size", "batch size", BATCH_SIZE, True, "32, 64, 128, 256", "128"),
    )
}
GRID_EXAMPLE = {
    "lr": "1e-4..1e-1 x8",
    "weight_decay": "0..0.01 x5",
    "momentum": "0.5..0.95 x4",
    "batch_size": "32..512 x5",
}
MOMENTUM_FIELD = {
    "SGD momentum": "momentum",
    "Nesterov": "momentum",
    "RMSprop": "momentum",
    "Adam": "beta1",
    "AdamW": "beta1",
}


def config_field(key: str, optimizer: str) -> str:
    """The TrainConfig field a swept setting sets for this optimizer: "momentum" is beta1 for Adam and AdamW.

    SettingError when the optimizer has no such setting (plain SGD and Adagrad have no momentum)."""
    if key != "momentum":
        return key
    if optimizer not in MOMENTUM_FIELD:
        raise SettingError(f"{optimizer} has no momentum to sweep: choose SGD momentum, Nesterov, RMSprop or Adam")
    return MOMENTUM_FIELD[optimizer]


def _range_for(key: str, optimizer: str) -> Range:
    return BETA1 if config_field(key, optimizer) == "beta1" else SWEEPABLE[key].range


def _number(text: str, setting: Sweepable, rng: Range):
    """One typed value within the setting's range; SettingError naming the value and what is wrong."""
    value: float
    try:
        value = parse_int(text, example=setting.one) if rng.integer else parse_float(text, example=setting.one)
    except NumberError as exc:
        message = str(exc)
        raise SettingError(message if text.strip() in message else f"{text.strip()}: {message}") from None
    if not rng.lowest <= value <= rng.highest:
        raise SettingError(
            f"{setting.label} {value_text(value)} is out of range: it goes from {value_text(rng.lowest)} "
            f"to {value_text(rng.highest)}"
        )
    return value


def grid(low: float, high: float, count: int, log: bool, integer: bool) -> tuple:
    """`count` values from low to high, evenly spaced on a log axis (log) or a linear one; whole numbers rounded."""
    if log:
        values = [math.exp(math.log(low) + (math.log(high) - math.log(low)) * i / (count - 1)) for i in range(count)]
    else:
        values = [low + (high - low) * i / (count - 1) for i in range(count)]
    if integer:
        return tuple(int(round(v)) for v in values)
    return tuple(float(f"{v:.3g}") for v in values)  # 3 significant digits: what a learner would type


def _grid_values(m: re.Match, key: str, setting, rng) -> tuple:
    """The values of a grid typed as low..high xN [log|lin]."""
    low_text, high_text, count_text, spacing = m.groups()
    low, high = _number(low_text, setting, rng), _number(high_text, setting, rng)
    try:
        count = parse_int(count_text, minimum=2, maximum=MAX_COPIES, example="8")
    except NumberError as exc:
        raise SettingError(f"the number of values after x: {exc}") from None
    if low == high:
        raise SettingError(f"a grid from {low:g} to {high:g} is one value: give two different ends")
    log = setting.log_grid if spacing is None else spacing.lower() == "log"
    if log and min(low, high) <= 0:
        raise SettingError(f"a log grid cannot start at {min(low, high):g}: start above 0 or end with 'lin'")
    return grid(low, high, count, log, rng.integer)


def parse_values(text: str, key: str, optimizer: str = "Adam") -> tuple:
    """The values typed for a swept setting: a list ("1e-4, 1e-3, 1e-2") or a grid ("1e-4..1e-1 x8", log-spaced
    for lr and batch, linear for the others; "log"/"lin" at the end chooses). SettingError says what is wrong."""
    setting = SWEEPABLE[key]
    rng = _range_for(key, optimizer)
    text = text.strip()
    if not text:
        raise SettingError(f"type at least two values, e.g. {setting.example}")
    if len(text) > MAX_TEXT:
        raise SettingError(f"that is {len(text)} characters: type a few values, e.g. {setting.example}")
    m = GRID.match(text)
    if m:
        values = _grid_values(m, key, setting, rng)
    else:
        if ".." in text:
            raise SettingError(f"a grid is written low..high xN (N values), e.g. {GRID_EXAMPLE[key]}")
        values = tuple(_number(part, setting, rng) for part in re.split(r"[,;\s]+", text) if part)
    if len(values) < 2:
        raise SettingError(f"one value is a single run, not a sweep: give at least two, e.g. {setting.example}")
    seen: set = set()
    for v in values:
        if v in seen:
            raise SettingError(f"{value_text(v)} appears twice: every copy needs its own value")
        seen.add(v)
    if len(values) > MAX_COPIES:
        raise SettingError(f"{len(values)} values: a sweep trains at most {MAX_COPIES} copies")
    return values


def value_text(value) -> str:
    """128, 0.9, 1e-3, 2.68e-4: short, and as a learner would type it."""
    if isinstance(value, int):
        return f"{value:,}"
    if value != 0 and not 1e-2 <= abs(value) < 1e4:
        mantissa, exponent = f"{value:.2e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"
    return f"{value:.3g}"


@dataclass(frozen=True)
class SweepPlan:
    """A base run and the settings it varies: ((key, values), ...) over SWEEPABLE keys; the copies are every
    combination, the first axis varying slowest."""

    base: TrainConfig
    axes: tuple[tuple[str, tuple], ...]

    def problems(self) -> list[str]:
        errors = list(self.base.validate())
        if not 1 <= len(self.axes) <= MAX_AXES:
            errors.append(f"a sweep varies one or two settings, got {len(self.axes)}")
        keys = [k for k, _ in self.axes]
        if len(set(keys)) != len(keys):
            errors.append("the same setting is swept twice: choose two different settings")
        for key, values in self.axes:
            if key not in SWEEPABLE:
                errors.append(f"{key!r} cannot be swept; choose one of {', '.join(SWEEPABLE)}")
                continue
            try:
                config_field(key, self.base.optimizer)
            except SettingError as exc:
                errors.append(str(exc))
                continue
            if len(values) < 2:
                errors.append(f"{SWEEPABLE[key].label}: one value is a single run, not a sweep")
        if not errors and self.count > MAX_COPIES:
            errors.append(f"{self.count} copies: a sweep trains at most {MAX_COPIES}; give fewer values")
        if not errors:
            for config in self.configs():
                errors += [e for e in config.validate() if e not in errors]
        return errors

    @property
    def count(self) -> int:
        return math.prod(len(values) for _, values in self.axes)

    def combos(self) -> list[dict]:
        """Each copy's swept values, by SWEEPABLE key."""
        keys = [k for k, _ in self.axes]
        return [dict(zip(keys, combo)) for combo in itertools.product(*(values for _, values in self.axes))]

    def configs(self) -> list[TrainConfig]:
        out = []
        for combo in self.combos():
            changes = {config_field(k, self.base.optimizer): v for k, v in combo.items()}
            out.append(dataclasses.replace(self.base, **changes))
        return out

    def labels(self) -> list[str]:
        return [label(combo) for combo in self.combos()]


def label(combo: dict) -> str:
    """ "lr 1e-3" or "lr 1e-3 · batch 128": how a copy is named on screen and in the history."""
    short = {"lr": "lr", "weight_decay": "wd", "momentum": "mom", "batch_size": "batch"}
    return " · ".join(f"{short.get(k, k)} {value_text(v)}" for k, v in combo.items())


@dataclass(frozen=True)
class SweepJob(Job):
    """Train every copy of `plan` side by side (batched where the copies share a batch size), validate them as
    a run does, rank them by validation accuracy and keep them in the run history as one group."""

    compute = "engine.sections.sweep:sweep_job"

    plan: SweepPlan = field(default_factory=lambda: SweepPlan(TrainConfig(), (("lr", (1e-4, 1e-3)),)))

    def __post_init__(self) -> None:
        if not isinstance(self.plan, SweepPlan):
            raise SettingError(f"a sweep needs a SweepPlan, got {type(self.plan).__name__}")
        errors = self.plan.problems()
        if errors:
            raise SettingError("; ".join(errors))

    def estimate(self, device: str = "cpu", free_bytes: int | None = None) -> Estimate | None:
        """The whole sweep: every copy's parameters, gradients, optimizer state and activations at once (the
        largest batch for all, so copies in other batch groups are counted as if batched too), and every copy's
        training and validations one after another (a batched sweep takes less, never more)."""
        configs = self.plan.configs()
        cfg = configs[0]
        k = len(configs)
        n = cfg.train_limit or N_TRAIN
        batch = min(max(c.batch_size for c in configs), n)
        copy_steps = sum(c.epochs * math.ceil(n / c.batch_size) for c in configs)
        # One step trains every copy of a batch-size group at once.
        group_steps = sum(cfg.epochs * math.ceil(n / b) for b in {c.batch_size for c in configs})
        val_rows = min(max(256, EVAL_BATCH // k), N_VAL)
        widest = max((*cfg.hidden, 10))
        data = (
            N_VAL * (PIXELS * FLOAT + 8)  # the validation split, gathered once
            + (N_TRAIN + N_VAL + n) * 8  # the split's indices and an epoch's permutation
            + 2 * copy_steps * FLOAT  # each copy's step losses and accuracies, on the device until sent
            + batch * (PIXELS * FLOAT + 16) * 2  # the batch gathered and augmented, its labels and indices
            + val_rows * (PIXELS + 2 * widest * k) * FLOAT  # a validation chunk and two layers of every copy
        )
        scored = sum(c.epochs * (math.ceil(n / c.batch_size) // c.val_every + 1) * N_VAL for c in configs)
        return estimate(
            cfg.hidden,
            batch,
            steps=group_steps,
            copies=k,
            optimizer=cfg.optimizer,
            data_bytes=data,
            device=device,
            free_bytes=free_bytes,
            examples=sum(c.epochs for c in configs) * n // k + scored // (3 * k),  # per copy: estimate() x copies
            advice="Sweep fewer values, or choose smaller hidden sizes or batches.",
        )


# -- events -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepCopy:
    """One copy: its place, its name ("lr 1e-3"), its swept values (SWEEPABLE keys) and its whole config."""

    index: int
    label: str
    values: dict
    config: dict


@dataclass(frozen=True)
class SweepStarted(Event):
    """The sweep is set up: its copies, the data sizes, each copy's step count and how many batched groups."""

    device: str
    n_train: int
    n_val: int
    copies: tuple[SweepCopy, ...]
    total_steps: tuple[int, ...]  # per copy
    params: int  # per copy
    groups: int  # 1: every copy in one batched forward/backward; more: one per batch size, interleaved


@dataclass(frozen=True)
class SweepSteps(Event):
    """Copy `copy`'s train loss and accuracy (0..1) at steps first_step, first_step+1, ... (1-based)."""

    copy: int
    first_step: int
    losses: tuple[float, ...]
    accs: tuple[float, ...]


@dataclass(frozen=True)
class SweepValidation(Event):
    """Copy `copy`'s loss and accuracy (0..1) over the whole validation split after `step`."""

    copy: int
    step: int
    epoch: int
    loss: float
    acc: float


@dataclass(frozen=True)
class SweepDiverged(Event):
    """Copy `copy`'s loss was not finite at 0-based `iteration`: it stops there, the others go on."""

    copy: int
    iteration: int


@dataclass(frozen=True)
class SweepProgress(Event):
    """How far the whole sweep is (a fraction of every copy's steps), its speed and the time left."""

    fraction: float
    epoch: int  # of the copy furthest behind
    epochs: int
    samples_per_s: float  # examples trained per second, all copies together
    eta_s: float


@dataclass(frozen=True)
class SweepRow:
    """One copy's result: how it ended, its final validation figures and its last training batches' means."""

    copy: int
    label: str
    values: dict
    status: str  # "completed" | "stopped" | "diverged"
    steps: int
    val_loss: float  # nan when it diverged before any validation
    val_acc: float
    train_loss: float  # mean of its last VAL_EVERY batches (as the course's [TRAIN] line)
    train_acc: float


@dataclass(frozen=True)
class SweepResult(Event):
    """Every copy, best validation accuracy first (diverged copies last): what the learner chooses on."""

    rows: tuple[SweepRow, ...]


@dataclass(frozen=True)
class SweepStored(Event):
    """The copies were stored in the run history as one group."""

    group: str
    run_ids: tuple[int, ...]


def ranked(rows) -> tuple[SweepRow, ...]:
    """Best validation accuracy first, then lower validation loss; copies without one (diverged early) last."""

    def key(row: SweepRow):
        known = math.isfinite(row.val_acc)
        return (not known, -row.val_acc if known else 0.0, row.val_loss if math.isfinite(row.val_loss) else math.inf)

    return tuple(sorted(rows, key=key))
