"""The Bonus section's optimizer choices and which hyper-parameters each takes (no torch: the UI reads it)."""

from __future__ import annotations

# name -> the hyper-parameters that apply (the screen shows only these).
OPTIMIZERS: dict[str, tuple[str, ...]] = {
    "SGD": ("lr", "weight_decay"),
    "SGD momentum": ("lr", "momentum", "weight_decay"),
    "Nesterov": ("lr", "momentum", "weight_decay"),
    "RMSprop": ("lr", "alpha", "momentum", "weight_decay"),
    "Adagrad": ("lr", "weight_decay"),
    "Adam": ("lr", "beta1", "beta2", "weight_decay"),
    "AdamW": ("lr", "beta1", "beta2", "weight_decay"),
}
