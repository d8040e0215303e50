"""The Bonus's sweep: K copies trained batched (engine.sweep) against K runs one after another (the same settings,
the same data, the same validations), and the ratio of their times.

Both sides train every copy for the same batches from the same initial weights and score the validation
split as a run does (every 200 batches and after the last); neither scores the test set. The one-after-another
side is the app's own single run (engine.training.TrainingSession), as a learner trying the values by hand
would run it. Each side runs `--repeats` times, alternating, and the medians are compared, so a burst of load
from other programs weighs on both. Both the wall time and this process's CPU time are printed: on the CPU
with one torch thread (the default) each side is one thread's work, so its CPU time is that work without
the waits a shared machine adds, and the CPU ratio is the steadier figure there; the wall ratio is what a
learner on a quiet machine sees.

Usage:  python benchmarks/bench_sweep.py [--copies 8] [--epochs 1] [--limit 10000] [--device auto]
On a GPU (--device cuda) it also prints the time of an 8-copy, 2-epoch sweep of the course's defaults
(pass --epochs 2 --limit 0).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from engine.contracts.bonus import TrainConfig
from engine.contracts.sweep import SweepPlan, grid
from engine.data import load_mnist
from engine.device import device_name, select_device, synchronize
from engine.sweep import SweepSession
from engine.training import TrainingSession, warm_up


def batched(plan: SweepPlan, device, mnist) -> tuple[float, float]:
    """(wall, CPU) seconds of one sweep of the plan."""
    synchronize(device)
    t0, c0 = time.perf_counter(), time.process_time()
    session = SweepSession(plan, device, mnist)
    for _ in session.run():
        pass
    synchronize(device)
    return time.perf_counter() - t0, time.process_time() - c0


def one_after_another(plan: SweepPlan, device, mnist) -> tuple[float, float]:
    """(wall, CPU) seconds of a run of each of the plan's settings, one after another."""
    synchronize(device)
    t0, c0 = time.perf_counter(), time.process_time()
    for config in plan.configs():
        for _ in TrainingSession(config, device, mnist, evaluate_benchmark=False, score=False).run():
            pass
    synchronize(device)
    return time.perf_counter() - t0, time.process_time() - c0


def medians(label: str, times: list[tuple[float, float]]) -> tuple[float, float]:
    """Print and return the (wall, CPU) medians of one side's repeats."""
    wall, cpu = statistics.median(t for t, _ in times), statistics.median(c for _, c in times)
    each = ", ".join(f"{t:.2f}" for t, _ in times)
    print(f"{label:<18} median {wall:7.2f} s wall ({each}), {cpu:6.2f} s CPU")
    return wall, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    ap.add_argument("--copies", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--limit", type=int, default=10_000, help="training examples (0: the whole 50,000 split)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="torch threads on the CPU (the app's engine: cores - 1)")
    args = ap.parse_args()
    device = select_device(args.device)
    if device.type == "cpu":
        torch.set_num_threads(args.threads)
    mnist = load_mnist(device=device)
    warm_up()  # torch.optim's one-time import, outside both timings
    # The course's defaults (Adam, batch 64, MLP 200-100-50), with K learning rates on a log grid.
    base = TrainConfig(epochs=args.epochs, batch_size=args.batch, train_limit=args.limit or None)
    plan = SweepPlan(base, (("lr", grid(1e-5, 1e-2, args.copies, True, False)),))
    n = args.limit or 50_000
    print(
        f"{device_name(device)}: {args.copies} copies of MLP 200-100-50, Adam, batch {args.batch}, "
        f"{args.epochs} epoch(s) of {n:,} examples, validation every 200 batches and at the end"
    )
    small = SweepPlan(TrainConfig(epochs=1, train_limit=640, val_every=1000), plan.axes)
    batched(small, device, mnist), one_after_another(small, device, mnist)  # warm both paths' kernels
    together: list[tuple[float, float]] = []
    apart: list[tuple[float, float]] = []
    for _ in range(args.repeats):
        together.append(batched(plan, device, mnist))
        apart.append(one_after_another(plan, device, mnist))
    (w_b, c_b), (w_s, c_s) = medians("batched", together), medians("one after another", apart)
    cpu = f", in CPU time {c_s / c_b:.2f}x" if device.type == "cpu" else ""
    print(f"ratio (one after another / batched): {w_s / w_b:.2f}x wall{cpu}  (target: >= 2x at 8 copies)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
