"""What a setting will cost before it runs: peak memory and a rough time, and whether the device can hold it.

No torch here: the screens ask before anything is allocated. The model of memory, for float32
MLPs (784 -> hidden... -> 10) trained `copies` at a time:

- parameters: count_params x 4 bytes per copy; with `stacked` (Section 5) also the base model the
  copies were drawn from and one stacked (copies, ...) tensor per parameter;
- gradients: one per parameter; optimizer state: 0 (SGD), 1 (momentum, RMSprop) or 2 (Adam) per parameter;
- activations: what autograd saves for backward (each layer's output, per copy and example) plus the
  two largest buffers alive at once (a layer's output before ReLU in forward, gradients in backward);
- the update's temporaries: a whole parameter set for Adam/RMSprop (their vectorised step), else the
  largest parameter tensor (`p.sub_(lr * g)`);
- the math libraries' workspace (oneDNN/MKL on the CPU, cuBLAS on CUDA), a fixed amount per device;
- data the setting adds on the device (the caller says how much).

tests/engine/test_resources.py checks the parts against torch's own tensors (exactly, saved activations
within 64 bytes) and the whole against CUDA's max_memory_allocated (within 25%, where a GPU is present);
benchmarks/bench_resources.py compares the whole with the peak resident memory of CPU processes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .hidden import count_params, layer_shapes

FLOAT = 4  # bytes per float32
STATE_SLOTS = {  # tensors of parameter size each optimizer keeps (unknown names: 2)
    "SGD": 0,
    "Momentum": 1,
    "SGD momentum": 1,
    "Nesterov": 1,
    "RMSprop": 1,
    "RMSprop momentum": 2,
    "Adagrad": 1,
    "Adam": 2,
    "AdamW": 2,
}
WARN_FRACTION = 0.5  # of the free memory: warn above this
REFUSE_FRACTION = 0.8  # refuse above this: the rest is for the app, the OS and fragmentation
WARN_SECONDS = 120.0
# Rough sustained float32 rates for small MLP matmuls (not the hardware's peak; one CPU thread reached
# 23-26 GFLOP/s at batch 500-2048 here) and the fixed cost of a step; callers may pass their own rate.
FLOPS = {"cpu": 2e10, "cuda": 5e12}
STEP_OVERHEAD = {"cpu": 2e-3, "cuda": 2e-4}  # seconds: Python, autograd and kernel launches per step
WORKSPACE = {"cpu": 160 << 20, "cuda": 64 << 20}  # bytes: measured +150 MB RSS on the CPU for the first large step


@dataclass(frozen=True)
class Estimate:
    """What a setting needs, and the verdict for the device: "ok", "warn" or "refuse", said in `message`."""

    peak_bytes: int
    parts: tuple[tuple[str, int], ...]  # (what, bytes), largest first
    flops: float
    seconds: float
    available_bytes: int | None
    verdict: str
    message: str
    device: str = "cpu"  # "cpu" or "cuda": whose free memory `available_bytes` is
    reason: str = ""  # why the verdict is not "ok": "it would not fit", "a long run", ...
    advice: str = ""  # what to change, in the learner's terms (said with a refusal)

    @property
    def summary(self) -> str:
        """One line for beside a setting: "needs about 2.7 GB of 3.1 GB free on this computer; about 40 s"."""
        of = f" of {human_bytes(self.available_bytes)} free on {where(self.device)}" if self.available_bytes else ""
        return f"needs about {human_bytes(self.peak_bytes)}{of}; {human_seconds(self.seconds)}"


def where(device: str) -> str:
    """How messages name the device: "the GPU" or "this computer"."""
    return "the GPU" if str(device).startswith("cuda") else "this computer"


def human_bytes(n: float) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} bytes"


def human_seconds(s: float) -> str:
    """ "under a second", "about 40 s", "about 53 min", "about 2.5 h"."""
    if s < 1:
        return "under a second"
    if s < 90:
        return f"about {s:.0f} s"
    if s < 5400:
        return f"about {s / 60:.0f} min"
    return f"about {s / 3600:.1f} h"


def available_ram() -> int | None:
    """Memory the OS could give us now: MemAvailable (Linux), else the free physical pages, else None."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory_parts(
    hidden,
    batch_size: int,
    *,
    copies: int = 1,
    stacked: bool = False,
    optimizer: str = "SGD",
    data_bytes: int = 0,
    device: str = "cpu",
) -> dict[str, int]:
    """Bytes of each part of the peak, as the module docstring describes."""
    hidden = list(hidden)
    n_params = count_params(784, 10, hidden)
    slots = STATE_SLOTS.get(optimizer, 2)
    widths = [*hidden, 10]
    largest = max(i * o for i, o in layer_shapes(784, 10, hidden))  # the largest weight matrix
    return {
        "parameters": n_params * FLOAT * (2 * copies + 1 if stacked else copies),
        "gradients": n_params * FLOAT * copies,
        "optimizer state": slots * n_params * FLOAT * copies,
        "activations": batch_size * copies * FLOAT * (sum(widths) + 2 * max(widths)),
        "update temporaries": (n_params if slots else largest) * FLOAT * copies,
        "library workspace": WORKSPACE["cuda" if str(device).startswith("cuda") else "cpu"],
        "data": int(data_bytes),
    }


def step_flops(hidden, batch_size: int, copies: int = 1) -> float:
    """Multiply-adds x 2 of one forward and backward pass: about 6 x weights x examples per copy."""
    weights = sum(i * o for i, o in layer_shapes(784, 10, list(hidden)))
    return 6.0 * weights * batch_size * copies


def estimate(
    hidden,
    batch_size: int,
    *,
    steps: int = 1,
    copies: int = 1,
    stacked: bool = False,
    optimizer: str = "SGD",
    data_bytes: int = 0,
    device: str = "cpu",
    free_bytes: int | None = None,
    flops_per_second: float | None = None,
    examples: int | None = None,
    seconds: float | None = None,
    advice: str = "Choose smaller hidden sizes, fewer copies or a smaller batch.",
) -> Estimate:
    """The peak memory and rough time of training `steps` steps; the verdict against the device's free memory.

    `device` is "cpu" or "cuda"; for CUDA pass `free_bytes` (torch.cuda.mem_get_info()[0]), for the CPU it
    is read from the OS when not given. Without a figure for the free memory the verdict is "ok".
    `examples`: the examples of all steps together when the batches differ (default batch_size x steps);
    `seconds`: a known duration (a time budget) instead of the FLOP model; `advice` ends a refusal.
    """
    kind = "cuda" if str(device).startswith("cuda") else "cpu"
    parts = memory_parts(
        hidden, batch_size, copies=copies, stacked=stacked, optimizer=optimizer, data_bytes=data_bytes, device=kind
    )
    peak = sum(parts.values())
    per_example = step_flops(hidden, 1, copies)
    flops = per_example * (examples if examples is not None else batch_size * max(1, steps))
    if seconds is None:
        seconds = flops / (flops_per_second or FLOPS[kind]) + STEP_OVERHEAD[kind] * max(1, steps)
    available = free_bytes if free_bytes is not None else (available_ram() if kind == "cpu" else None)
    ordered = tuple(sorted(((k, v) for k, v in parts.items() if v), key=lambda kv: -kv[1]))
    needs = (
        f"This setting needs about {human_bytes(peak)} of memory ("
        + ", ".join(f"{k} {human_bytes(v)}" for k, v in ordered[:3])
        + f") and {human_seconds(seconds)}"
    )
    place = where(kind)
    reason = ""
    if available is None:
        verdict, message = "ok", f"{needs}; the free memory of {place} is unknown."
    elif peak > REFUSE_FRACTION * available:
        verdict, reason = "refuse", "it would not fit"
        message = f"{needs}, but {place} has {human_bytes(available)} free: {reason}. {advice}"
    elif peak > WARN_FRACTION * available or seconds > WARN_SECONDS:
        verdict = "warn"
        reason = "more than half the free memory" if peak > WARN_FRACTION * available else "a long run"
        message = f"{needs} ({human_bytes(available)} free on {place}): {reason}; it may slow everything else down."
    else:
        verdict, message = "ok", f"{needs}; {human_bytes(available)} free on {place}."
    return Estimate(peak, ordered, flops, seconds, available, verdict, message, kind, reason, advice)
