"""The torch side of the Bonus section's settings: the optimizer a TrainConfig names, and the course's data split.

The settings themselves, their defaults and rules live in engine.contracts.bonus (no torch).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .contracts.base import COURSE_SEED
from .contracts.bonus import N_TRAIN, N_VAL, OPTIMIZERS, TrainConfig, check_hidden

__all__ = ["build_optimizer", "check_hidden", "course_split"]  # check_hidden: the contract's, for model_io


def build_optimizer(
    config: TrainConfig, params, *, capturable: bool = False, fused: bool = True
) -> torch.optim.Optimizer:
    """The torch.optim class the name stands for, with the hyper-parameters that apply to it.

    "SGD momentum" is SGD(momentum=m), "Nesterov" is SGD(momentum=m, nesterov=True); Adam and
    AdamW take betas=(beta1, beta2). `fused` picks PyTorch's fused kernel where the class and
    device have one (same update rule, one kernel instead of several per parameter: 2-5x faster
    steps for this small MLP on CPU); `capturable` (Adam/AdamW only) keeps the step count on the
    device so a CUDA graph can replay optimizer.step().
    """
    params = list(params)
    fused = fused and not capturable  # graph capture uses the plain kernels (Adam/AdamW: capturable=True)
    name, lr, wd = config.optimizer, config.lr, config.weight_decay
    cls: type[torch.optim.Optimizer]
    kw: dict[str, Any]
    if name in ("SGD", "SGD momentum", "Nesterov"):
        cls = torch.optim.SGD
        kw = {"lr": lr, "weight_decay": wd}
        if name != "SGD":
            kw.update(momentum=config.momentum, nesterov=name == "Nesterov")
    elif name == "RMSprop":
        cls, kw, fused = (
            torch.optim.RMSprop,
            {"lr": lr, "alpha": config.alpha, "momentum": config.momentum, "weight_decay": wd},
            False,
        )
    elif name == "Adagrad":
        cls, kw = torch.optim.Adagrad, {"lr": lr, "weight_decay": wd}
        fused = fused and all(p.device.type == "cpu" for p in params)  # its fused kernel is CPU-only
    elif name in ("Adam", "AdamW"):
        cls = torch.optim.Adam if name == "Adam" else torch.optim.AdamW
        kw = {"lr": lr, "betas": (config.beta1, config.beta2), "weight_decay": wd}
        if capturable:
            kw["capturable"] = True
    else:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    make: Callable[..., torch.optim.Optimizer] = cls  # kw holds only the keywords this class takes
    if fused:
        try:
            return make(params, fused=True, **kw)
        except (RuntimeError, ValueError, TypeError):  # no fused kernel here: the plain implementation
            pass
    return make(params, **kw)


def course_split(seed: int = COURSE_SEED, n: int = N_TRAIN + N_VAL) -> tuple[torch.Tensor, torch.Tensor]:
    """Train and validation indices of the 60k training set, exactly as the course's split.

    The course calls set_seed(seed) and then torch.utils.data.random_split(train, [50000, 10000]),
    which draws randperm(60000) from the global generator: a fresh CPU generator seeded with
    `seed` gives the same permutation without touching the global state.
    """
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(n, generator=g)
    n_train = n * N_TRAIN // (N_TRAIN + N_VAL)
    return perm[:n_train], perm[n_train:]
