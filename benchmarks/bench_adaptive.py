"""Section 7 demo at default settings: our lockstep stacked run versus the course's one-after-another loop."""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from engine.contracts.adaptive import CompareConfig
from engine.data import load_mnist
from engine.device import device_name, select_device, synchronize
from engine.model import MLP, loss_fn
from engine.sections.adaptive import compare_optimizers
from engine.updates import gradient_update, momentum_update, rmsprop_update, sample_minibatch


def course_way(x: torch.Tensor, y: torch.Tensor, cfg: CompareConfig) -> dict[str, list[float]]:
    """The course's compare_optimizers: deep copies, one optimizer after another, numpy index sampling."""
    base = MLP(784, 10, list(cfg.hidden)).to(x.device)
    runs = {
        "SGD": (gradient_update, {"lr": cfg.lr}),
        "Momentum": (momentum_update, {"lr": cfg.lr, "beta": cfg.beta}),
        "RMSprop": (rmsprop_update, {"lr": cfg.lr, "alpha": cfg.alpha}),
    }
    out = {}
    for name, (update, kwargs) in runs.items():
        model = copy.deepcopy(base)
        params = list(model.parameters())
        aux = [torch.zeros_like(p) for p in params]
        losses = []
        for _ in range(cfg.max_steps):
            xb, yb = sample_minibatch(x, y, cfg.batch_size)
            loss = loss_fn(model(xb), yb)
            if name == "SGD":
                update(loss, params, **kwargs)
            else:
                update(loss, params, aux, **kwargs)
            losses.append(loss.item())
        out[name] = losses
    return out


def our_way(x: torch.Tensor, y: torch.Tensor, cfg: CompareConfig) -> None:
    for _ in compare_optimizers(x, y, cfg):
        pass


def timed(fn, *args) -> float:
    synchronize(args[0].device)
    t0 = time.perf_counter()
    fn(*args)
    synchronize(args[0].device)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help="torch CPU threads for both ways (0: torch's default); on a busy shared CPU, "
        "1 avoids threads that stall each other",
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = select_device("auto")
    mnist = load_mnist(device=device)
    # The course runs on CPU tensors (it indexes them with numpy); ours keeps data on the device.
    cpu = load_mnist(device="cpu")
    cfg = CompareConfig()
    print(
        f"Section 7 compare optimizers, defaults: batch {cfg.batch_size}, lr {cfg.lr}, "
        f"{cfg.max_steps} steps x 3 optimizers, MLP {list(cfg.hidden)}, 60,000 images"
    )
    print(f"device: {device_name(device)}; torch {torch.__version__}; best and median of {args.repeats}, interleaved")
    our_way(mnist.train_x, mnist.train_y, CompareConfig(max_steps=20))  # warm-up
    course_way(cpu.train_x, cpu.train_y, CompareConfig(max_steps=20))
    ours, course = [], []
    for _ in range(args.repeats):
        course.append(timed(course_way, cpu.train_x, cpu.train_y, cfg))
        ours.append(timed(our_way, mnist.train_x, mnist.train_y, cfg))
    for name, ts in (
        ("course (sequential, numpy sampling, deepcopy)", course),
        ("ours (lockstep stacked, device sampling)", ours),
    ):
        print(f"  {name:48s} best {min(ts):6.3f} s   median {statistics.median(ts):6.3f} s")
    print(
        f"speed-up: {min(course) / min(ours):.2f}x (best)  "
        f"{statistics.median(course) / statistics.median(ours):.2f}x (median)"
    )


if __name__ == "__main__":
    main()
