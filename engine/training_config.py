"""The torch side of the Bonus section's settings: the optimizer and schedule a TrainConfig names, the course's split.

The settings themselves, their defaults and rules live in engine.contracts.bonus (no torch).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from .contracts.base import COURSE_SEED
from .contracts.bonus import (
    N_TRAIN,
    N_VAL,
    ONE_CYCLE_SWING,
    ONE_CYCLE_WARMUP,
    OPTIMIZERS,
    STEP_GAMMA,
    STEP_MILESTONES,
    TrainConfig,
    check_hidden,
)

__all__ = ["build_optimizer", "build_scheduler", "check_hidden", "course_split", "grouped_optimizer"]
# check_hidden: the contract's, for model_io


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
    return grouped_optimizer([config], [params], capturable=capturable, fused=fused)


def _hyper(config: TrainConfig) -> dict[str, Any]:
    """The keywords of torch.optim's class for `config.optimizer` that this config sets."""
    name, lr, wd = config.optimizer, config.lr, config.weight_decay
    if name in ("SGD", "SGD momentum", "Nesterov"):
        kw: dict[str, Any] = {"lr": lr, "weight_decay": wd}
        if name != "SGD":
            kw.update(momentum=config.momentum, nesterov=name == "Nesterov")
        return kw
    if name == "RMSprop":
        return {"lr": lr, "alpha": config.alpha, "momentum": config.momentum, "weight_decay": wd}
    if name == "Adagrad":
        return {"lr": lr, "weight_decay": wd}
    if name in ("Adam", "AdamW"):
        return {"lr": lr, "betas": (config.beta1, config.beta2), "weight_decay": wd}
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")


CLASSES: dict[str, type[torch.optim.Optimizer]] = {
    "SGD": torch.optim.SGD,
    "SGD momentum": torch.optim.SGD,
    "Nesterov": torch.optim.SGD,
    "RMSprop": torch.optim.RMSprop,
    "Adagrad": torch.optim.Adagrad,
    "Adam": torch.optim.Adam,
    "AdamW": torch.optim.AdamW,
}


def grouped_optimizer(
    configs: Sequence[TrainConfig], param_lists: Sequence, *, capturable: bool = False, fused: bool = True
) -> torch.optim.Optimizer:
    """One torch.optim optimizer with a parameter group per config (a sweep's copies; one group for a run).

    The configs name the same optimizer; each group gets its own hyper-parameters, so copy k is
    updated exactly as a run of configs[k] alone would be.
    """
    names = {c.optimizer for c in configs}
    if len(names) != 1:
        raise ValueError(f"one optimizer for every group, got {sorted(names)}")
    name = names.pop()
    _hyper(configs[0])  # an unknown name is refused here, with the choices
    groups = [{"params": list(params), **_hyper(c)} for c, params in zip(configs, param_lists, strict=True)]
    cls = CLASSES[name]
    fused = fused and not capturable  # graph capture uses the plain kernels (Adam/AdamW: capturable=True)
    kw: dict[str, Any] = {}
    if name == "RMSprop":
        fused = False
    elif name == "Adagrad":  # its fused kernel is CPU-only
        fused = fused and all(p.device.type == "cpu" for g in groups for p in g["params"])
    elif name in ("Adam", "AdamW") and capturable:
        kw["capturable"] = True
    make: Callable[..., torch.optim.Optimizer] = cls  # the groups hold only the keywords this class takes
    if fused:
        try:
            return make(groups, fused=True, **kw)
        except (RuntimeError, ValueError, TypeError):  # no fused kernel here: the plain implementation
            pass
    return make(groups, **kw)


def build_scheduler(
    opt: torch.optim.Optimizer, configs: Sequence[TrainConfig], total_steps: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """The learning-rate schedule the configs name (one for all groups), stepped after each of `total_steps`
    batches; None for "constant".

    step: MultiStepLR, lr x STEP_GAMMA at STEP_MILESTONES of the run. cosine: CosineAnnealingLR to 0 over
    the run. one-cycle: OneCycleLR with max_lr = each group's lr, rising for ONE_CYCLE_WARMUP of the run
    from lr/25, then a cosine down to lr/25e4 (torch's defaults, the benchmark's recipe); with Adam/AdamW
    beta1 swings from its setting + ONE_CYCLE_SWING down to its setting - ONE_CYCLE_SWING at the peak and
    back (torch's 0.95/0.85 for beta1 0.9); other optimizers keep their momentum.
    """
    schedules = {c.schedule for c in configs}
    if len(schedules) != 1:
        raise ValueError(f"one schedule for every group, got {sorted(schedules)}")
    schedule, total = schedules.pop(), max(1, total_steps)
    sched = torch.optim.lr_scheduler
    if schedule == "constant":
        return None
    if schedule == "step":
        milestones = sorted({max(1, round(f * total)) for f in STEP_MILESTONES})
        return sched.MultiStepLR(opt, milestones=milestones, gamma=STEP_GAMMA)
    if schedule == "cosine":
        return sched.CosineAnnealingLR(opt, T_max=total, eta_min=0.0)
    if schedule == "one-cycle":
        adam = configs[0].optimizer in ("Adam", "AdamW")
        beta1 = [c.beta1 for c in configs]
        return sched.OneCycleLR(
            opt,
            max_lr=[c.lr for c in configs],
            total_steps=total,
            pct_start=ONE_CYCLE_WARMUP,
            cycle_momentum=adam,
            base_momentum=[max(0.0, b - ONE_CYCLE_SWING) for b in beta1],
            max_momentum=[min(0.999, b + ONE_CYCLE_SWING) for b in beta1],
        )
    raise ValueError(f"unknown schedule {schedule!r}")


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
