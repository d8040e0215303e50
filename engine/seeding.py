"""Seeding every random number generator the way the course does."""

from __future__ import annotations

import contextlib
import os
import random
import threading
from collections.abc import Iterator

import numpy as np
import torch

from .contracts.base import COURSE_SEED

SEED = COURSE_SEED  # one value, in the torch-free contracts, so screens can show it too


def set_seed(seed: int | None = SEED) -> int:
    """Seed Python, NumPy and torch (CPU and CUDA) and make cuDNN deterministic, as the course's set_seed."""
    if seed is None:
        seed = int(np.random.choice(2**32))
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    return seed


_GLOBAL_RNG = threading.Lock()  # one user of torch's global generator at a time, process-wide


@contextlib.contextmanager
def seeded(seed: int | None = SEED) -> Iterator[None]:
    """Use torch's (and numpy's) global RNG under `seed` for the block, then restore it, one thread at a time.

    Course code draws from the global generator (nn.Linear's init, random_update's randn); the
    engine runs several jobs in threads, so every such draw goes through here: the lock keeps two
    jobs from interleaving their draws, and fork_rng puts the global state back afterwards.
    With seed None the block draws unseeded (as the course does), still under the lock.
    """
    with _GLOBAL_RNG, torch.random.fork_rng(devices=[]):
        state = np.random.get_state()
        try:
            # Unseeded draws still differ from block to block: the state is restored afterwards,
            # so without a fresh seed every such block would repeat the same numbers.
            seed = int.from_bytes(os.urandom(4), "little") if seed is None else seed
            torch.manual_seed(seed)
            np.random.seed(seed)
            yield
        finally:
            np.random.set_state(state)


class GlobalStreams:
    """A private stream for code that draws from numpy's and torch's global generators (a learner's sampler).

    `call(fn, ...)` runs `fn` with both global generators set to this stream's state and keeps the
    state it leaves, then puts the global ones back (under the lock of `seeded`): each call goes on
    from the last, as if the learner's notebook had run np.random.seed(seed) and torch.manual_seed(seed)
    alone. numpy's stream is the one of np.random.RandomState(seed), so a learner's
    np.random.choice draws what the reference sampler draws from RandomState(seed).choice.
    """

    def __init__(self, seed: int):
        self._np = np.random.RandomState(seed).get_state()
        self._torch = torch.Generator().manual_seed(seed).get_state()

    def call(self, fn, *args, **kwargs):
        with _GLOBAL_RNG:
            np_saved, torch_saved = np.random.get_state(), torch.get_rng_state()
            np.random.set_state(self._np)
            torch.set_rng_state(self._torch)
            try:
                return fn(*args, **kwargs)
            finally:
                self._np, self._torch = np.random.get_state(), torch.get_rng_state()
                np.random.set_state(np_saved)
                torch.set_rng_state(torch_saved)
