"""Seeding every random number generator the way the course does."""

from __future__ import annotations

import random

import numpy as np
import torch

SEED = 2021


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
