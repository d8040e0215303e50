"""This project's benchmark model (assets/benchmark_model.pt): the course's MLP 200-100-50, trained by
scripts/train_benchmark.py; its description and figures are engine.contracts.benchmark's."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import torch

from . import paths
from .contracts.benchmark import LABEL, benchmark_info, benchmark_note, benchmark_row
from .model import MLP
from .model_io import hidden_from_state

__all__ = ["HIDDEN", "LABEL", "benchmark_info", "benchmark_note", "benchmark_path", "benchmark_row", "load_benchmark"]

HIDDEN = [200, 100, 50]


def benchmark_path() -> Path:
    return paths.assets_dir() / "benchmark_model.pt"


@lru_cache(maxsize=1)
def _state() -> dict:
    path = benchmark_path()
    if not path.is_file():
        raise ValueError(
            f"the benchmark model is missing ({path}); reinstall optcourse-tui or run scripts/train_benchmark.py"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001  torch.load of a damaged file raises almost anything
        raise ValueError(
            f"the benchmark model {path} is damaged ({type(exc).__name__}); reinstall optcourse-tui"
        ) from None
    if hidden_from_state(state, str(path)) != HIDDEN:
        raise ValueError(f"{path} is not an MLP 200-100-50")
    return state


def load_benchmark(device: torch.device | str = "cpu") -> MLP:
    """A fresh MLP 200-100-50 with the benchmark's weights, on `device`, in eval mode."""
    model = MLP(784, 10, HIDDEN)
    model.load_state_dict(_state())
    return model.to(device).eval()
