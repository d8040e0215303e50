"""Choosing the torch device and describing it for the screen."""

from __future__ import annotations

import torch

CHOICES = ("auto", "cpu", "cuda")


class DeviceError(RuntimeError):
    """The requested device cannot be used; the message says what to do."""


def select_device(choice: str = "auto") -> torch.device:
    """auto = CUDA when present, else CPU; "cuda" without a GPU is an error, not a silent fallback."""
    if choice not in CHOICES:
        raise DeviceError(f"unknown device {choice!r}; use one of {', '.join(CHOICES)}")
    if choice == "cpu":
        return torch.device("cpu")
    if torch.cuda.is_available():
        return torch.device("cuda")
    if choice == "cuda":
        raise DeviceError("--device cuda was asked for, but PyTorch sees no CUDA GPU; use --device cpu or auto")
    return torch.device("cpu")


def device_name(device: torch.device) -> str:
    """A short human description, e.g. "cuda: NVIDIA H100" or "cpu: 2 threads"."""
    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}"
    return f"cpu: {torch.get_num_threads()} threads"


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so wall-clock timings measure the work and not its launch."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
