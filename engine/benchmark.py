"""This project's benchmark model (assets/benchmark_model.pt): the course's MLP 200-100-50, trained by
scripts/train_benchmark.py."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import torch

from . import paths
from .model import MLP
from .model_io import hidden_from_state

HIDDEN = [200, 100, 50]
LABEL = "Benchmark (this project's model)"


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
    except Exception as exc:
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


def benchmark_info() -> dict:
    """assets/benchmark_model.json: the recipe, seed, measured train/val/test loss and accuracy, date."""
    path = benchmark_path().with_suffix(".json")
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def benchmark_note(info: dict) -> str:
    """One line about the benchmark: that it is this project's model, and how it was made."""
    arch: dict = info["architecture"] if isinstance(info.get("architecture"), dict) else {}
    hidden = arch.get("hidden") or info.get("hidden") or (200, 100, 50)
    recipe: dict = info["recipe"] if isinstance(info.get("recipe"), dict) else {}
    how = [str(recipe[k]).split("(")[0] for k in ("optimizer", "schedule") if recipe.get(k)]
    how = [" + ".join(how)] if how else []
    if recipe.get("epochs"):
        how.append(f"{recipe['epochs']} epochs")
    if recipe.get("batch_size"):
        how.append(f"batch {recipe['batch_size']}")
    if recipe.get("augmentation"):
        how.append("augmented images")
    if info.get("date"):
        how.append(str(info["date"])[:10])
    text = f"† Benchmark = this project's model, MLP {'-'.join(str(h) for h in hidden)}"
    return text + (f" ({', '.join(how)})" if how else "") + "; not the course's download."
