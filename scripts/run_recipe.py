"""Train one Bonus configuration through the app's own training run and print what the Bonus screen shows.

The measured figures of the README's recipe and of the Bonus's CPU recipes (engine.contracts.recipes)
come from this script: the same engine.training.TrainingSession the app runs, the same data split,
validation and final table; printed are the validations as they happen, the final table and the
wall-clock time (MNIST loading excluded, as in the app, where the engine loads it once at start).

Usage:  python scripts/run_recipe.py benchmark [--epochs 30] [--hidden 400,200,100] [--augment off]
        python scripts/run_recipe.py defaults [--optimizer SGD] [--lr 0.1]   (the course's defaults: the lesson's tries)
        python scripts/run_recipe.py --list
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.contracts.bonus import AUGMENTATIONS, SCHEDULES, Evaluation, TrainConfig, Validation
from engine.contracts.recipes import RECIPES
from engine.data import load_mnist
from engine.device import device_name
from engine.optimizers import OPTIMIZERS
from engine.training import TrainingSession

DEFAULTS = "defaults"  # the Train tab's settings before any change (the course's: Adam, lr 1e-5, batch 64, 2 epochs)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("recipe", nargs="?", default="benchmark", help="a recipe's key (--list shows them) or defaults")
    p.add_argument("--list", action="store_true")
    p.add_argument("--optimizer", choices=tuple(OPTIMIZERS))
    p.add_argument("--epochs", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--batch", type=int)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--hidden", type=str, help="comma-separated hidden sizes")
    p.add_argument("--augment", choices=tuple(AUGMENTATIONS))
    p.add_argument("--schedule", choices=tuple(SCHEDULES))
    p.add_argument("--seed", type=int)
    p.add_argument("--threads", type=int, default=1, help="torch threads (the app's engine uses cores - 1)")
    p.add_argument("--json", type=Path, help="append the result as one JSON line to this file")
    return p


def _config(base: TrainConfig, args: argparse.Namespace) -> TrainConfig:
    """`base` with the settings given on the command line."""
    named = {
        "optimizer": args.optimizer,
        "epochs": args.epochs,
        "lr": args.lr,
        "batch_size": args.batch,
        "weight_decay": args.weight_decay,
        "augment": args.augment,
        "schedule": args.schedule,
        "seed": args.seed,
        "hidden": tuple(int(h) for h in args.hidden.split(",")) if args.hidden else None,
    }
    return dataclasses.replace(base, **{k: v for k, v in named.items() if v is not None})


def _train(config: TrainConfig) -> tuple[TrainingSession, tuple]:
    """Run it as the app does, printing each validation; the session and the final table's rows."""
    session = TrainingSession(config, "cpu", load_mnist(device="cpu"))
    t0 = time.monotonic()
    rows = ()
    for event in session.run():
        if isinstance(event, Validation):
            print(
                f"epoch {event.epoch:3d} batch {event.batch:4d}  val loss {event.loss:.4f} acc {100 * event.acc:.2f}%"
                f"  {time.monotonic() - t0:.0f}s",
                flush=True,
            )
        elif isinstance(event, Evaluation):
            rows = event.rows
    return session, rows


def main(argv: list[str] | None = None) -> int:
    p = _parser()
    args = p.parse_args(argv)
    bases = {DEFAULTS: TrainConfig(), **{key: r.config for key, r in RECIPES.items()}}
    if args.list:
        print(f"{DEFAULTS:12s} the course's defaults: {bases[DEFAULTS]}")
        for r in RECIPES.values():
            print(f"{r.key:12s} {r.title}: {r.config}")
        return 0
    if args.recipe not in bases:
        p.error(f"unknown recipe {args.recipe!r}; choose one of {', '.join(bases)}")
    config = _config(bases[args.recipe], args)
    if errors := config.validate():
        p.error("; ".join(errors))
    torch.set_num_threads(args.threads)
    device = device_name(torch.device("cpu"))
    print(f"{device}: {config}", flush=True)
    session, rows = _train(config)
    assert session.record is not None, "run() sets the record before its last event"
    seconds = session.record.seconds
    for r in rows:
        print(
            f"{r.model:34s} train {100 * r.train_acc:.2f}% ({r.train_loss:.4f})  val {100 * r.val_acc:.2f}% "
            f"({r.val_loss:.4f})  test {100 * r.test_acc:.2f}% ({r.test_loss:.4f})"
        )
    print(f"training took {seconds:.0f} s ({seconds / 60:.1f} min), status {session.record.status}")
    if args.json:
        with args.json.open("a") as fh:
            result = {"config": config.to_dict(), "seconds": seconds, "final": session.record.final}
            fh.write(json.dumps({**result, "device": device, "status": session.record.status}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
