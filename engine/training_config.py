"""The Bonus section's training settings, their validation, the optimizers and the course's data split."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import torch

from .model import MAX_LAYERS, MAX_WIDTH, HiddenSizesError
from .optimizers import OPTIMIZERS

N_TRAIN, N_VAL = 50_000, 10_000  # the course's random_split of the 60,000 training images
MAX_BATCH, MAX_EPOCHS = 50_000, 100


@dataclass(frozen=True)
class TrainConfig:
    """One training run's settings; the defaults are the course's (Adam, lr 1e-5, batch 64, 2 epochs)."""

    optimizer: str = "Adam"
    lr: float = 1e-5
    momentum: float = 0.9
    alpha: float = 0.99
    beta1: float = 0.9
    beta2: float = 0.999
    weight_decay: float = 0.0
    batch_size: int = 64
    epochs: int = 2
    hidden: tuple[int, ...] = (200, 100, 50)
    seed: int = 2021
    val_every: int = 200  # batches, as the course's VAL_FREQ / LOG_FREQ
    train_limit: int | None = None  # only the first N examples of the 50k split (tests, quick runs)

    def validate(self) -> list[str]:
        """Human messages for impossible values; [] when the run can start."""
        errors: list[str] = []

        def finite(name: str) -> bool:
            value = getattr(self, name)
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            if not ok:
                errors.append(f"{name.replace('_', ' ')} must be a finite number, got {value!r}")
            return ok

        if self.optimizer not in OPTIMIZERS:
            errors.append(f"unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
        if finite("lr") and self.lr <= 0:
            errors.append(f"learning rate must be greater than 0, got {self.lr:g}")
        if finite("momentum") and not 0 <= self.momentum < 1:
            errors.append(f"momentum must be in [0, 1), got {self.momentum:g}")
        if self.optimizer == "Nesterov" and finite("momentum") and self.momentum == 0:
            errors.append("Nesterov needs momentum greater than 0")
        if finite("alpha") and not 0 <= self.alpha < 1:
            errors.append(f"alpha (RMSprop averaging) must be in [0, 1), got {self.alpha:g}")
        for name in ("beta1", "beta2"):
            if finite(name) and not 0 <= getattr(self, name) < 1:
                errors.append(f"{name} must be in [0, 1), got {getattr(self, name):g}")
        if finite("weight_decay") and self.weight_decay < 0:
            errors.append(f"weight decay cannot be negative, got {self.weight_decay:g}")
        if not _is_int(self.batch_size) or not 1 <= self.batch_size <= MAX_BATCH:
            errors.append(f"batch size must be a whole number from 1 to {MAX_BATCH:,}, got {self.batch_size!r}")
        if not _is_int(self.epochs) or not 1 <= self.epochs <= MAX_EPOCHS:
            errors.append(f"epochs must be a whole number from 1 to {MAX_EPOCHS}, got {self.epochs!r}")
        if not _is_int(self.val_every) or self.val_every < 1:
            errors.append(f"validation interval must be at least 1 batch, got {self.val_every!r}")
        if not _is_int(self.seed) or self.seed < 0:
            errors.append(f"seed must be a whole number >= 0, got {self.seed!r}")
        if self.train_limit is not None and (not _is_int(self.train_limit) or not 1 <= self.train_limit <= N_TRAIN):
            errors.append(f"train limit must be from 1 to {N_TRAIN:,}, got {self.train_limit!r}")
        try:
            check_hidden(self.hidden)
        except HiddenSizesError as exc:
            errors.append(f"hidden sizes: {exc}")
        return errors

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """The inverse of to_dict; unknown keys (from newer versions) are ignored."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        if "hidden" in kwargs:
            kwargs["hidden"] = tuple(int(h) for h in kwargs["hidden"])
        return cls(**kwargs)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_hidden(hidden) -> list[int]:
    """The rules of engine.model.parse_hidden, for sizes that are already numbers."""
    sizes = list(hidden)
    for size in sizes:
        if not _is_int(size):
            raise HiddenSizesError(f"{size!r} is not a whole number")
        if size < 1:
            raise HiddenSizesError(f"a layer needs at least 1 unit, got {size}")
        if size > MAX_WIDTH:
            raise HiddenSizesError(f"{size:,} units is too wide; at most {MAX_WIDTH:,} per layer")
    if len(sizes) > MAX_LAYERS:
        raise HiddenSizesError(f"{len(sizes)} hidden layers is too deep; at most {MAX_LAYERS}")
    return sizes


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
    if fused:
        try:
            return cls(params, fused=True, **kw)
        except (RuntimeError, ValueError, TypeError):  # no fused kernel here: the plain implementation
            pass
    return cls(params, **kw)


def course_split(seed: int = 2021, n: int = N_TRAIN + N_VAL) -> tuple[torch.Tensor, torch.Tensor]:
    """Train and validation indices of the 60k training set, exactly as the course's split.

    The course calls set_seed(seed) and then torch.utils.data.random_split(train, [50000, 10000]),
    which draws randperm(60000) from the global generator: a fresh CPU generator seeded with
    `seed` gives the same permutation without touching the global state.
    """
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(n, generator=g)
    n_train = n * N_TRAIN // (N_TRAIN + N_VAL)
    return perm[:n_train], perm[n_train:]
