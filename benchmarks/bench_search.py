"""Section 3's random trials: batched linear models (one matmul) versus the course's deep copy per trial."""

from __future__ import annotations

import time

import torch

from engine.data import course_subset, load_mnist
from engine.device import select_device, synchronize
from engine.sections.casestudy import course_models
from engine.sections.search import random_deltas_batched, random_deltas_reference

REPEATS, N = 5, 100


def timed(fn, device) -> float:
    """Best of REPEATS wall-clock seconds, with the device synchronised around each run."""
    best = float("inf")
    for _ in range(REPEATS):
        synchronize(device)
        start = time.perf_counter()
        fn()
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    device = select_device("auto")
    X, y = course_subset(load_mnist(device=device))
    model, _ = course_models(device=device)
    ours = timed(lambda: torch.cat(list(random_deltas_batched(model, X, y, N))).tolist(), device)
    course = timed(lambda: random_deltas_reference(model, X, y, N), device)
    print(f"device {device}; {N} random directions on the 500-example subset, best of {REPEATS}")
    print(f"batched (ours):          {ours * 1e3:8.1f} ms")
    print(f"deep copy per trial:     {course * 1e3:8.1f} ms")
    print(f"speed-up:                {course / ours:8.1f}x")


if __name__ == "__main__":
    main()
