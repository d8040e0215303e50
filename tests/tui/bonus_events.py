"""Canned Bonus events and run records that mirror the course's printed numbers.

The events are the Bonus contract's own classes (engine.contracts.bonus imports no torch).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from engine.contracts.benchmark import benchmark_note, benchmark_row
from engine.contracts.bonus import (
    BenchmarkNote,
    EpochProgress,
    EvalRow,
    Evaluation,
    LogLine,
    TrainStarted,
    TrainSteps,
    Validation,
    train_line,
    valid_line,
)
from engine.events import Diverged, Done, Status

COURSE_CONFIG = {
    "optimizer": "Adam",
    "lr": 1e-5,
    "momentum": 0.9,
    "alpha": 0.99,
    "beta1": 0.9,
    "beta2": 0.999,
    "weight_decay": 0.0,
    "batch_size": 64,
    "epochs": 2,
    "hidden": [200, 100, 50],
    "seed": 2021,
    "val_every": 200,
    "train_limit": None,
}
BATCHES, STEPS = 782, 1564  # 50,000 / 64 rounded up; two epochs
# The course's executed output (tutorial §13): (epoch, batch, VALID loss, acc, TRAIN loss, acc).
COURSE_LOG = [
    (1, 200, 2.235, 0.38193, 2.274, 0.30930),
    (1, 400, 2.068, 0.52979, 2.166, 0.44289),
    (1, 600, 1.789, 0.56807, 1.935, 0.55352),
    (2, 200, 1.266, 0.70420, 1.381, 0.66203),
    (2, 400, 1.066, 0.77568, 1.166, 0.74414),
    (2, 600, 0.930, 0.80361, 0.989, 0.79312),
]
VAL_STEPS = [200, 400, 600, 982, 1182, 1382]


# The course's "Your model" row (its validation figures illustrative: the course prints none), and the benchmark's
# row as the app shows it: the figures in assets/benchmark_model.json.
EVAL_ROWS = (
    EvalRow("Your model", 0.826, 0.810, 0.82171, 0.83252, val_loss=0.842, val_acc=0.82250),
    benchmark_row(),
)


# What the engine's training job adds after the Evaluation, from a benchmark_info() like the shipped one.
BENCHMARK_NOTE = BenchmarkNote(
    benchmark_note(
        {
            "architecture": {"hidden": [200, 100, 50]},
            "recipe": {
                "optimizer": "AdamW(lr=0.003)",
                "schedule": "OneCycleLR(max_lr=0.003)",
                "epochs": 30,
                "batch_size": 128,
                "augmentation": "random affine",
            },
            "date": "2026-11-20",
        }
    )
)


def _curve(step: int) -> tuple[float, float]:
    """A smooth loss/accuracy through the course's running means (200-batch windows), plus noise."""
    points = [(0, 2.31, 0.09)] + [(s - 100, tl, ta) for s, (_, _, _, _, tl, ta) in zip(VAL_STEPS, COURSE_LOG)]
    points.append((STEPS, 0.85, 0.82))
    for (s0, l0, a0), (s1, l1, a1) in zip(points, points[1:]):
        if s0 <= step <= s1:
            t = (step - s0) / (s1 - s0)
            return l0 + t * (l1 - l0), a0 + t * (a1 - a0)
    return points[-1][1], points[-1][2]


def train_steps(upto: int, chunk: int = 50, seed: int = 0) -> list[TrainSteps]:
    """Per-iteration losses/accs of steps 1..upto in engine-sized batches (deterministic noise)."""
    rng = random.Random(seed)
    losses, accs = [], []
    for step in range(1, upto + 1):
        loss, acc = _curve(step)
        losses.append(round(max(0.05, loss + rng.gauss(0, 0.08)), 4))
        accs.append(round(min(1.0, max(0.0, acc + rng.gauss(0, 0.05))), 4))
    return [TrainSteps(i + 1, tuple(losses[i : i + chunk]), tuple(accs[i : i + chunk])) for i in range(0, upto, chunk)]


def course_run(upto: int = STEPS, *, stopped: bool = False) -> list:
    """The course's default run (Adam, lr 1e-5, batch 64, 2 epochs) up to step `upto`, in order."""
    events: list = [
        Status("Loading MNIST…"),
        TrainStarted("cpu (test)", 50_000, 10_000, 10_000, BATCHES, STEPS, 182_660, COURSE_CONFIG),
    ]
    steps = {s.first_step: s for s in train_steps(upto)}
    for first in sorted(steps):
        events.append(steps[first])
        last = first + len(steps[first].losses) - 1
        for (epoch, batch, vl, va, tl, ta), vstep in zip(COURSE_LOG, VAL_STEPS):
            if first <= vstep <= last:
                events += [
                    Validation(vstep, epoch, batch, vl, va),
                    LogLine(valid_line(epoch, batch, vl, va)),
                    LogLine(train_line(epoch, batch, tl, ta)),
                ]
        epoch, batch = (last - 1) // BATCHES + 1, (last - 1) % BATCHES + 1
        events.append(EpochProgress(epoch, 2, batch, BATCHES, 5412.0, (STEPS - last) * 64 / 5412.0))
    if upto < STEPS and not stopped:
        return events
    events += [
        Status("Evaluating on the training and test sets…"),
        Evaluation(EVAL_ROWS),
        BENCHMARK_NOTE,
        Done("stopped" if stopped else "completed", 95.0),
    ]
    return events


def diverging_run(at: int = 37) -> list:
    """SGD with lr 10: the loss explodes and becomes NaN at iteration `at`."""
    config = dict(COURSE_CONFIG, optimizer="SGD", lr=10.0)
    losses = tuple([2.3 * 3.0**k for k in range(at)] + [math.nan] * 3)
    accs = tuple([0.1] * (at + 3))
    return [
        TrainStarted("cpu (test)", 50_000, 10_000, 10_000, BATCHES, STEPS, 182_660, config),
        TrainSteps(1, losses, accs),
        EpochProgress(1, 2, at + 3, BATCHES, 5000.0, 240.0),
        Diverged(at, "SGD lr 10"),
        Done("diverged", 1.5),
    ]


# -- run history ------------------------------------------------------------------------
RUN_SPECS = [  # (created, optimizer, lr, batch, epochs, status, test acc, seconds, final train loss)
    ("2026-11-02T10:15:00", "Adam", 1e-5, 64, 2, "completed", 0.83252, 95.0, 0.85),
    ("2026-11-02T10:30:00", "Adam", 1e-3, 64, 2, "completed", 0.97310, 97.0, 0.08),
    ("2026-11-02T11:05:00", "SGD momentum", 1e-2, 128, 2, "completed", 0.95120, 61.0, 0.17),
    ("2026-11-02T11:20:00", "SGD", 10.0, 64, 2, "diverged", None, 2.0, math.nan),
    ("2026-11-02T11:40:00", "RMSprop", 1e-3, 64, 1, "stopped", 0.94400, 30.0, 0.22),
]


def run_curves(steps: int, end_loss: float, seed: int) -> tuple[list[float], list[float]]:
    """A decaying noisy loss (or, for a NaN end, one that explodes and then is NaN) and its accuracy."""
    rng = random.Random(seed)
    losses, accs = [], []
    for k in range(steps):
        if not math.isfinite(end_loss):
            losses.append(round(2.3 * 3.0**k, 4) if k < steps - 5 else math.nan)
            accs.append(0.1)
            continue
        base = end_loss + (2.3 - end_loss) * math.exp(-5 * k / max(1, steps - 1))
        losses.append(round(base + rng.gauss(0, 0.05), 4))
        accs.append(round(min(1.0, max(0.0, 1 - base / 2.6 + rng.gauss(0, 0.03))), 4))
    return losses, accs


def run_records(record_cls) -> list:
    """Five runs of varied settings as `record_cls` (the engine's RunRecord or a stand-in), id None."""
    out = []
    for i, (created, opt, lr, batch, epochs, status, acc, seconds, end) in enumerate(RUN_SPECS):
        per_epoch = math.ceil(50_000 / batch)
        steps = 40 if status == "diverged" else per_epoch * epochs // (2 if status == "stopped" else 1)
        losses, accs = run_curves(steps, end, seed=i)
        val_steps = list(range(200, steps + 1, 200))
        val_loss = [losses[s - 1] * 0.95 for s in val_steps]
        val_acc = [min(1.0, accs[s - 1] + 0.01) for s in val_steps]
        config = dict(COURSE_CONFIG, optimizer=opt, lr=lr, batch_size=batch, epochs=epochs)
        final = (
            {} if acc is None else {"train_loss": end, "test_loss": end * 1.1, "train_acc": acc + 0.01, "test_acc": acc}
        )
        out.append(
            record_cls(
                id=None,
                created=created,
                config=config,
                device="cpu (test)",
                seconds=seconds,
                status=status,
                train_loss=tuple(losses),
                train_acc=tuple(accs),
                val_steps=tuple(val_steps),
                val_loss=tuple(val_loss),
                val_acc=tuple(val_acc),
                final=final,
            )
        )
    return out


# -- a RunRecord like engine.history's, for the fake session ---------------------------------
@dataclass(frozen=True)
class RunRecord:
    id: int | None
    created: str
    config: dict
    device: str
    seconds: float
    status: str
    train_loss: tuple = ()
    train_acc: tuple = ()
    val_steps: tuple = ()
    val_loss: tuple = ()
    val_acc: tuple = ()
    final: dict = field(default_factory=dict)
