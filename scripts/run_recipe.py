"""Train one Bonus configuration through the app's own training run and print what the Bonus screen shows.

The measured figures of the README's recipe and of the Bonus's CPU recipes (engine.contracts.recipes)
come from this script: the same engine.training.TrainingSession the app runs, the same data split,
validation and final table; printed are the validations as they happen, the final table and the
wall-clock time (MNIST loading excluded, as in the app, where the engine loads it once at start).

Usage:  python scripts/run_recipe.py benchmark [--epochs 30] [--hidden 400,200,100] [--augment off]
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

from engine.contracts.bonus import Evaluation, TrainConfig, Validation
from engine.contracts.recipes import RECIPES
from engine.data import load_mnist
from engine.device import device_name
from engine.training import TrainingSession


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("recipe", nargs="?", default="benchmark", help="a recipe's key (--list shows them)")
    p.add_argument("--list", action="store_true")
    p.add_argument("--epochs", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--batch", type=int)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--hidden", type=str, help="comma-separated hidden sizes")
    p.add_argument("--augment", choices=("off", "affine"))
    p.add_argument("--schedule", choices=("constant", "step", "cosine", "one-cycle"))
    p.add_argument("--seed", type=int)
    p.add_argument("--threads", type=int, default=1, help="torch threads (the app's engine uses cores - 1)")
    p.add_argument("--json", type=Path, help="append the result as one JSON line to this file")
    args = p.parse_args(argv)
    if args.list:
        for r in RECIPES.values():
            print(f"{r.key:12s} {r.title}: {r.config}")
        return 0
    if args.recipe not in RECIPES:
        p.error(f"unknown recipe {args.recipe!r}; choose one of {', '.join(RECIPES)}")
    changes = {
        k: v
        for k, v in {
            "epochs": args.epochs,
            "lr": args.lr,
            "batch_size": args.batch,
            "weight_decay": args.weight_decay,
            "augment": args.augment,
            "schedule": args.schedule,
            "seed": args.seed,
        }.items()
        if v is not None
    }
    if args.hidden:
        changes["hidden"] = tuple(int(h) for h in args.hidden.split(","))
    config: TrainConfig = dataclasses.replace(RECIPES[args.recipe].config, **changes)
    torch.set_num_threads(args.threads)
    mnist = load_mnist(device="cpu")
    print(f"{device_name(torch.device('cpu'))}: {config}", flush=True)
    session = TrainingSession(config, "cpu", mnist)
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
            fh.write(
                json.dumps({**result, "device": device_name(torch.device("cpu")), "status": session.record.status})
            )
            fh.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
