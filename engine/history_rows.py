"""Reading one stored run row defensively: every column checked, and what cannot be used said in words."""

from __future__ import annotations

import json
import math
from typing import TypedDict

CURVES = ("train_loss", "train_acc", "val_steps", "val_loss", "val_acc")
NUMBERS = ("lr", "momentum", "alpha", "beta1", "beta2", "weight_decay")
WHOLE = ("batch_size", "epochs", "seed", "val_every")
FINAL = ("train_loss", "val_loss", "test_loss", "train_acc", "val_acc", "test_acc")


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _is_whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _short(v) -> str:
    text = repr(v)
    return text if len(text) <= 30 else text[:28] + "…"


def _kind(v) -> str:
    if v is None:
        return "null"
    return {str: "a string", list: "a list", dict: "an object", bool: "true/false"}.get(type(v), "a number")


def json_object(text, name: str, problems: list[str], plural: bool = False) -> dict:
    """The JSON object stored in a text column, or {} with a problem noted."""
    are = "are" if plural else "is"
    if not isinstance(text, str):
        problems.append(f"{name} {are} {_kind(text)} in the database, not JSON text")
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        problems.append(f"{name} {are} not valid JSON")
        return {}
    if not isinstance(value, dict):
        problems.append(f"{name} {are} {_kind(value)}, not an object")
        return {}
    return value


def check_config(config: dict, problems: list[str]) -> dict:
    """The config if every setting the screens read has the right kind; else {} and the problems noted."""
    found = []
    for key in ("optimizer", "schedule", "augment"):
        if key in config and not isinstance(config[key], str):
            found.append(f"{key} is {_short(config[key])}, not a name")
    found += [f"{k} is {_short(config[k])}, not a number" for k in NUMBERS if k in config and not _is_number(config[k])]
    found += [
        f"{k} is {_short(config[k])}, not a whole number" for k in WHOLE if k in config and not _is_whole(config[k])
    ]
    limit = config.get("train_limit")
    if limit is not None and not _is_whole(limit):
        found.append(f"train_limit is {_short(limit)}, not a whole number")
    hidden = config.get("hidden", [])
    if not isinstance(hidden, list) or not all(_is_whole(h) and h >= 1 for h in hidden):
        found.append(f"hidden is {_short(hidden)}, not a list of layer sizes")
    problems += [f"config: {f}" for f in found]
    return {} if found else config


def check_final(final: dict, problems: list[str]) -> dict:
    found = [f"final {k} is {_short(final[k])}, not a number" for k in FINAL if k in final and not _is_number(final[k])]
    problems += found
    return {} if found else final


class Curves(TypedDict, total=False):
    """The five per-step curves of a RunRecord, by field name (all or none)."""

    train_loss: tuple[float, ...]
    train_acc: tuple[float, ...]
    val_steps: tuple[int, ...]
    val_loss: tuple[float, ...]
    val_acc: tuple[float, ...]


def read_curves(text, problems: list[str]) -> Curves:
    """The five curves (None stands for a non-finite step); {} with a problem noted when any is malformed."""
    data = json_object(text, "curves", problems, plural=True)
    if not data:
        return {}
    out: dict[str, tuple] = {}
    for name in CURVES:
        values = data.get(name, [])
        whole = name == "val_steps"
        ok = isinstance(values, list) and all((_is_whole(v) if whole else (v is None or _is_number(v))) for v in values)
        if not ok:
            what = "a list of step numbers" if whole else "a list of numbers"
            shown = _kind(values) if not isinstance(values, list) else _short(values)
            problems.append(f"curves: {name} is {shown}, not {what}")
            return {}
        if whole:
            out[name] = tuple(int(v) for v in values)
        else:
            out[name] = tuple(math.nan if v is None else float(v) for v in values)
    return Curves(
        train_loss=out["train_loss"],
        train_acc=out["train_acc"],
        val_steps=out["val_steps"],
        val_loss=out["val_loss"],
        val_acc=out["val_acc"],
    )


def text_column(value, name: str, problems: list[str], default: str = "") -> str:
    if isinstance(value, str):
        return value
    problems.append(f"{name} is {_short(value)}, not text")
    return default


def number_column(value, name: str, problems: list[str]) -> float:
    if _is_number(value):
        return float(value)
    problems.append(f"{name} is {_short(value)}, not a number")
    return 0.0
