"""Saving a trained MLP (state dict + config JSON) and loading one back, with clear errors for bad files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from . import atomic
from .model import MLP, HiddenSizesError
from .training_config import check_hidden
from .typed_paths import expand, readable_file, writable_file

FORMAT = "optcourse-tui model"


def config_path(path: str | os.PathLike) -> Path:
    """model.pt -> model.json, next to it."""
    return Path(path).with_suffix(".json")


def save_model(model: torch.nn.Module, path: str | os.PathLike, info: dict, overwrite: bool = False) -> Path:
    """torch.save the state dict (on CPU) to `path` and `info` as JSON next to it; both written atomically.

    ValueError (a PathError, or one naming the OS's reason) when it cannot be written: nothing is lost."""
    path = expand(path)
    if path.suffix != ".pt":
        path = path.with_name(path.name + ".pt")
    path = writable_file(path, make_folder=True)  # no system file (a model over /dev/null), the folder made
    meta = writable_file(config_path(path))
    if not overwrite:
        for p in (path, meta):
            if p.exists():
                raise FileExistsError(f"{p} already exists; choose another name or allow overwriting")
    state = {k: v.detach().to("cpu").clone() for k, v in model.state_dict().items()}
    try:
        atomic.write_with(path, lambda f: torch.save(state, f))  # a reader never sees half a file
        atomic.write_text(meta, json.dumps({"format": FORMAT, **info}, indent=2) + "\n")
    except OSError as exc:
        raise ValueError(f"cannot save to {path}: {exc.strerror or exc}") from exc
    return path


def hidden_from_state(state: dict, where: str = "the file") -> list[int]:
    """The hidden sizes of a course MLP state dict (keys main.0.*, main.2.*, ...), checked layer by layer."""
    if not isinstance(state, dict) or not state:
        raise ValueError(f"{where} does not hold a model's state dict")
    n_layers = len(state) // 2
    expected = {f"main.{2 * i}.{k}" for i in range(n_layers) for k in ("weight", "bias")}
    if set(state) != expected or not all(isinstance(v, torch.Tensor) for v in state.values()):
        keys = ", ".join(sorted(map(str, state))[:4])
        raise ValueError(
            f"{where} is not an MLP of this course (expected keys main.0.weight, main.0.bias, ...; found {keys}...)"
        )
    dims = [784]
    for i in range(n_layers):
        w, b = state[f"main.{2 * i}.weight"], state[f"main.{2 * i}.bias"]
        if w.dim() != 2 or w.shape[1] != dims[-1] or b.shape != (w.shape[0],):
            raise ValueError(
                f"{where}: layer main.{2 * i} has shape {tuple(w.shape)}, which does not follow the layer before"
            )
        dims.append(w.shape[0])
    if dims[-1] != 10:
        raise ValueError(f"{where}: the last layer has {dims[-1]} outputs, expected 10 digit classes")
    hidden = dims[1:-1]
    try:
        check_hidden(hidden)
    except HiddenSizesError as exc:
        raise ValueError(f"{where}: {exc}") from None
    return hidden


def _read_info(meta: Path) -> dict:
    """The JSON next to a model; ValueError naming the file and the fix when it cannot describe one."""
    fix = f"delete or rename {meta.name} to load the weights alone"
    try:
        info = json.loads(meta.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read {meta} ({exc.strerror or exc}); {fix}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{meta} is not UTF-8 text (damaged?); {fix}") from None
    except ValueError as exc:
        raise ValueError(f"{meta} is not valid JSON ({exc}); {fix}") from None
    if not isinstance(info, dict):
        raise ValueError(f"{meta} does not describe a model (it holds no JSON object); {fix}")
    config = info.get("config")
    if config is not None and not isinstance(config, dict):
        raise ValueError(f"{meta}: its config is not an object; {fix}")
    seed = (config or {}).get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"{meta}: its seed {seed!r} is not a whole number >= 0; {fix}")
    return info


def load_model(path: str | os.PathLike, device: torch.device | str = "cpu") -> tuple[MLP, dict]:
    """A saved model on `device` and its config (from the JSON next to it; {} if that is missing)."""
    path = readable_file(path)  # PathError (a ValueError) for what is no file of the learner's
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001  a damaged file makes torch.load raise almost anything (UnpicklingError...)
        raise ValueError(
            f"{path} is not a readable model file ({type(exc).__name__}); it may be damaged or not saved by "
            "this app: choose another file, or train and save (w) again"
        ) from None
    try:
        hidden = hidden_from_state(state, str(path))
    except ValueError as exc:
        raise ValueError(f"{exc}: choose another file, or train and save (w) again") from None
    info: dict = {}
    meta = config_path(path)
    if meta.is_file():
        info = _read_info(meta)
    model = MLP(784, 10, hidden)
    model.load_state_dict(state)
    if not all(torch.isfinite(p).all() for p in model.parameters()):
        raise ValueError(f"{path} holds non-finite weights (a diverged model)")
    return model.to(device).eval(), info
