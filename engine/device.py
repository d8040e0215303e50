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
    """A short human description, e.g. "cuda: NVIDIA H100" or "cpu: AMD EPYC 7B13 (1 thread)"."""
    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}"
    n = torch.get_num_threads()
    model = cpu_model()
    return f"cpu: {model + ' ' if model else ''}({n} thread{'' if n == 1 else 's'})"


def cpu_model() -> str:
    """The processor's marketing name where the OS tells it (Linux), else ""."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return " ".join(line.split(":", 1)[1].split())[:40]
    except OSError:
        pass
    import platform

    return platform.processor()[:40]


def synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so wall-clock timings measure the work and not its launch."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
