"""This project's benchmark model as assets/benchmark_model.json describes it: its recipe, its measured figures
and the line under the results table (no torch: the screens read it too)."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

from .. import paths
from ..resources import human_seconds
from .bonus import EvalRow, TrainConfig
from .sweep import value_text

LABEL = "Benchmark (this project's model)"
METRICS = ("train_loss", "test_loss", "train_acc", "test_acc", "val_loss", "val_acc")

# The recipe scripts/train_benchmark.py trained the benchmark with, as the Bonus's settings (a test holds it
# to the JSON): AdamW, one-cycle up to lr 3e-3, weight decay 1e-4, batch 128, 120 epochs, affine augmentation.
RECIPE = TrainConfig(
    optimizer="AdamW",
    lr=3e-3,
    beta1=0.9,
    beta2=0.999,
    weight_decay=1e-4,
    batch_size=128,
    epochs=120,
    schedule="one-cycle",
    augment="affine",
)


def info_path() -> Path:
    return paths.assets_dir() / "benchmark_model.json"


@lru_cache(maxsize=1)
def _read() -> tuple[str, str]:
    """The JSON text, or "" and why it cannot be read: read once per process, so every table shows the same."""
    path = info_path()
    try:
        return path.read_text(encoding="utf-8"), ""
    except (OSError, UnicodeDecodeError) as exc:
        return "", f"{path} cannot be read ({exc.__class__.__name__}); reinstall optcourse-tui"


def benchmark_info() -> dict:
    """assets/benchmark_model.json: the recipe, seed, measured train/val/test loss and accuracy, time, date
    ({} when it is missing or damaged)."""
    text, _ = _read()
    try:
        info = json.loads(text) if text else {}
    except ValueError:
        return {}
    return info if isinstance(info, dict) else {}


def benchmark_row() -> EvalRow:
    """The benchmark's row of the results table: its figures as measured once, over the whole sets, when it was
    trained (the JSON's metrics); ValueError saying what is wrong when the file cannot give them."""
    _, problem = _read()
    if problem:
        raise ValueError(f"the benchmark's figures are unavailable: {problem}")
    metrics = benchmark_info().get("metrics")
    values = {k: metrics.get(k) for k in METRICS} if isinstance(metrics, dict) else {}
    bad = [k for k in METRICS if not _number(values.get(k))]
    if bad:
        raise ValueError(
            f"the benchmark's figures are unavailable: {info_path()} has no usable {', '.join(bad)}; "
            "reinstall optcourse-tui"
        )
    return EvalRow(LABEL, **{k: float(v) for k, v in values.items() if isinstance(v, (int, float))})


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def train_seconds(info: dict) -> float | None:
    seconds = info.get("train_seconds")
    return float(seconds) if isinstance(seconds, (int, float)) and _number(seconds) and seconds > 0 else None


def recipe_line(info: dict) -> str:
    """What the benchmark used and what it cost, in one sentence for the Lesson and Train tabs."""
    r = RECIPE
    text = (
        f"The benchmark: {r.optimizer}, one-cycle schedule up to lr {value_text(r.lr)}, "
        f"weight decay {value_text(r.weight_decay)}, "
        f"batch {r.batch_size}, {r.epochs} epochs, affine augmentation"
    )
    metrics: dict = info["metrics"] if isinstance(info.get("metrics"), dict) else {}
    if _number(metrics.get("test_acc")):
        text += f": {100 * metrics['test_acc']:.2f}% test"
    seconds = train_seconds(info)
    if seconds is not None:
        recipe: dict = info["recipe"] if isinstance(info.get("recipe"), dict) else {}
        threads = recipe.get("threads")
        on = f" on {threads} CPU thread{'s' if threads != 1 else ''}" if isinstance(threads, int) else ""
        text += f"; its script trained it in {human_seconds(seconds).removeprefix('about ')}{on}"
    return text + "."


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
    seconds = train_seconds(info)
    if seconds is not None:
        how.append(human_seconds(seconds).removeprefix("about "))
    if info.get("date"):
        how.append(str(info["date"])[:10])
    text = f"† Benchmark = this project's model, MLP {'-'.join(str(h) for h in hidden)}"
    return text + (f" ({', '.join(how)})" if how else "") + "; not the course's download."
