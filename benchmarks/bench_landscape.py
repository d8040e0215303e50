"""Section 5's real loss landscape: one random plane's grid, batched over grid points (ours) against a loop over points.

Ours: engine.sections.nonconvex_landscape.plane_losses (the first layer's three products once,
then one batched forward per chunk of grid points). The loop, as the reference code
(tomgoldstein/loss-landscape) does it: for each grid point, copy θ* + x·δ + y·η into one model's
parameters and evaluate the loss on the 500 examples. Both on the same trained weights and
directions, one torch thread by default. Run: python benchmarks/bench_landscape.py [--hidden "100, 100"]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np
import torch

from engine.contracts.nonconvex_landscape import DEFAULT_GRID, DEFAULT_LR, DEFAULT_NOISE, DEFAULT_STEPS, LandscapeJob
from engine.data import course_subset, load_mnist
from engine.device import device_name, select_device, synchronize
from engine.model import MLP, count_params, loss_fn, parse_hidden
from engine.sections import nonconvex_landscape as L
from engine.sections.nonconvex_landscape import landscape_events


def drain(gen):
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        return stop.value


def loop_over_points(model: MLP, trained, d1, d2, axis, x, y) -> np.ndarray:
    """The reference code's way: set_weights(net, w, directions, step) then one evaluation, per grid point."""
    z = np.zeros((len(axis), len(axis)))
    params = list(model.parameters())
    with torch.no_grad():
        for i, b in enumerate(axis):
            for j, a in enumerate(axis):
                for p, w, u, v in zip(params, trained, d1, d2):
                    p.copy_(w + float(a) * u + float(b) * v)
                z[i, j] = loss_fn(model(x), y).item()
    return z


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hidden", action="append", help='hidden sizes (repeatable); default "10" and "100, 100"')
    ap.add_argument("--grid", type=int, default=DEFAULT_GRID)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = select_device(args.device)
    x, y = course_subset(load_mnist(device=device))
    print(f"device: {device_name(device)}; load average {os.getloadavg()[0]:.1f} (other processes share the CPU)")
    axis = np.linspace(-1.0, 1.0, args.grid)
    for text in args.hidden or ["10", "100, 100"]:
        hidden = parse_hidden(text)
        gen = torch.Generator(device=device).manual_seed(2021)
        path, _, _ = drain(L.train(L.init_params(hidden, DEFAULT_NOISE, gen, device), x, y, DEFAULT_STEPS, DEFAULT_LR))
        trained = L.unflat(path[-1], L.init_params(hidden, 0.0, gen, device))
        d1, d2 = L.filter_normalised(trained, gen), L.filter_normalised(trained, gen)
        model = MLP(784, 10, hidden).to(device)
        drain(L.plane_losses(trained, d1, d2, axis[:3], axis[:3], x, y))  # warm-up
        synchronize(device)
        t = time.perf_counter()
        ours = drain(L.plane_losses(trained, d1, d2, axis, axis, x, y))
        synchronize(device)
        t_ours = time.perf_counter() - t
        t = time.perf_counter()
        theirs = loop_over_points(model, trained, d1, d2, axis, x, y)
        synchronize(device)
        t_loop = time.perf_counter() - t
        gap = np.abs(ours - theirs).max() / theirs.max()
        print(
            f"MLP {hidden} ({count_params(784, 10, hidden):,} parameters), {args.grid}x{args.grid} grid, 500 examples: "
            f"ours {t_ours:.3f} s ({L.chunk_size(trained, len(x))} points per chunk), loop {t_loop:.3f} s, "
            f"ratio {t_loop / t_ours:.1f}x; largest difference {gap:.1e} of the largest loss"
        )
        t = last = time.perf_counter()
        longest = 0.0
        for _ in landscape_events(LandscapeJob(hidden=(tuple(hidden),), grid=args.grid), x, y):
            now = time.perf_counter()
            longest, last = max(longest, now - last), now
        print(
            f"  the whole job (train {DEFAULT_STEPS} steps, random plane, PCA, PCA plane): "
            f"{time.perf_counter() - t:.2f} s, longest gap between events {longest * 1e3:.0f} ms"
        )


if __name__ == "__main__":
    main()
