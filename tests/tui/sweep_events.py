"""Canned events of an 8-copy learning-rate sweep of the course's defaults (Adam, batch 64, 2 epochs).

The final validation accuracies are those of a real sweep on this project's CPU (lr 1e-5..1e-1 x8); the
curves up to them are smooth stand-ins, and the last copy diverges at iteration 412 to show how that looks.
"""

from __future__ import annotations

import math
import random

from engine.contracts.bonus import TrainConfig
from engine.contracts.sweep import (
    SweepCopy,
    SweepDiverged,
    SweepPlan,
    SweepProgress,
    SweepResult,
    SweepRow,
    SweepStarted,
    SweepSteps,
    SweepStored,
    SweepValidation,
    grid,
    ranked,
)
from engine.events import Done, Status

LRS = grid(1e-5, 1e-1, 8, True, False)
PLAN = SweepPlan(TrainConfig(), (("lr", LRS),))
FINAL = (0.8157, 0.8996, 0.9389, 0.9652, 0.9674, 0.9579, 0.9060, math.nan)  # the last copy diverges
DIVERGES = {7: 412}
BPE, STEPS = 782, 1564
VAL_STEPS = (200, 400, 600, 982, 1182, 1382, 1564)


def _acc(copy: int, step: int) -> float:
    final = FINAL[copy] if math.isfinite(FINAL[copy]) else 0.3
    return 0.1 + (final - 0.1) * (1 - math.exp(-4 * step / STEPS)) / (1 - math.exp(-4))


def _loss(acc: float) -> float:
    return -math.log(max(acc, 1e-3)) * 1.4


def sweep_run(upto: int | None = None, stored: bool = True) -> list:
    """The sweep's events; with `upto`, only those up to that step of every copy (a sweep in progress)."""
    end = STEPS if upto is None else upto
    configs, labels = PLAN.configs(), PLAN.labels()
    copies = tuple(SweepCopy(i, labels[i], combo, configs[i].to_dict()) for i, combo in enumerate(PLAN.combos()))
    events: list = [
        Status("preparing 8 copies"),
        SweepStarted("cpu (test)", 50_000, 10_000, copies, (STEPS,) * 8, 182_660, 1),
    ]
    rng = random.Random(3)
    for copy in range(8):
        stop = min(end, DIVERGES.get(copy, STEPS))
        losses = tuple(_loss(_acc(copy, s)) + rng.uniform(-0.05, 0.05) for s in range(1, stop + 1))
        accs = tuple(min(1.0, max(0.0, _acc(copy, s) + rng.uniform(-0.03, 0.03))) for s in range(1, stop + 1))
        events.append(SweepSteps(copy, 1, losses, accs))
        if copy in DIVERGES and end >= DIVERGES[copy]:
            events.append(SweepDiverged(copy, DIVERGES[copy]))
        for step in VAL_STEPS:
            if step <= stop and not (copy in DIVERGES and step >= DIVERGES[copy]):
                acc = FINAL[copy] if step == STEPS and math.isfinite(FINAL[copy]) else _acc(copy, step)
                events.append(SweepValidation(copy, step, (step - 1) // BPE + 1, _loss(acc), acc))
    fraction = end / STEPS
    events.append(SweepProgress(fraction, min(2, end // BPE + 1), 2, 7_300.0, 80 * (1 - fraction)))
    if upto is not None:
        return events
    rows = []
    for copy in range(8):
        final = FINAL[copy]
        status = "diverged" if copy in DIVERGES else "completed"
        steps = DIVERGES.get(copy, STEPS)
        loss = _loss(final) if math.isfinite(final) else math.nan
        rows.append(
            SweepRow(copy, labels[copy], {"lr": LRS[copy]}, status, steps, loss, final, loss * 1.02, final - 0.004)
        )
    events.append(SweepResult(ranked(rows)))
    if stored:
        events.append(SweepStored("abc123", tuple(range(10, 18))))
    events.append(Done("completed", 78.0))
    return events


def sweep_records(record_cls, created: str = "2026-11-03T09:15:00+00:00") -> list:
    """The canned sweep's copies as the engine stores them (one group), as `record_cls`, id None."""
    events = sweep_run()
    steps = {e.copy: e for e in events if isinstance(e, SweepSteps)}
    vals: dict[int, list] = {}
    for e in events:
        if isinstance(e, SweepValidation):
            vals.setdefault(e.copy, []).append(e)
    rows = {r.copy: r for r in next(e for e in events if isinstance(e, SweepResult)).rows}
    started = next(e for e in events if isinstance(e, SweepStarted))
    out = []
    for copy in range(8):
        row = rows[copy]
        tag = {"group": "g-canned", "axes": ["lr"], "values": {"lr": LRS[copy]}, "label": row.label, "copy": copy}
        final = {"val_loss": row.val_loss, "val_acc": row.val_acc} if math.isfinite(row.val_acc) else {}
        out.append(
            record_cls(
                id=None,
                created=created,
                config={**started.copies[copy].config, "sweep": {**tag, "copies": 8}},
                device="cpu (test)",
                seconds=78.0,
                status=row.status,
                train_loss=steps[copy].losses,
                train_acc=steps[copy].accs,
                val_steps=tuple(v.step for v in vals.get(copy, [])),
                val_loss=tuple(v.loss for v in vals.get(copy, [])),
                val_acc=tuple(v.acc for v in vals.get(copy, [])),
                final=final,
            )
        )
    return out
