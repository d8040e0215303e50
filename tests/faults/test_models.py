"""A damaged saved model (.pt) or its settings (.json): a message naming the file and the fix, the other file kept."""

from __future__ import annotations

import json

import pytest
import torch

from engine.events import Failed
from engine.model import MLP
from engine.model_io import load_model, save_model
from engine.training import evaluate_saved

from .damage import KINDS, damage

PT_WRONG = {
    "another architecture": lambda p: torch.save(MLP(784, 5, [8]).state_dict(), p),
    "a bare tensor": lambda p: torch.save(torch.zeros(3), p),
    "not a course MLP": lambda p: torch.save({"weight": torch.zeros(2, 2)}, p),
}
JSON_WRONG = {
    "a list": json.dumps([1, 2]),
    "config a string": json.dumps({"config": "x"}),
    "seed a string": json.dumps({"config": {"seed": "x"}}),
}


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    path = save_model(MLP(784, 10, [8]), tmp_path / "mine.pt", {"config": {"seed": 3, "hidden": [8]}})
    return path, path.with_suffix(".json")


def failed_message(path) -> str:
    """evaluate_saved on the file, as the Bonus screen runs it: it must end in a Failed event, not raise."""
    events = list(evaluate_saved(path, "cpu", None))
    assert isinstance(events[-1], Failed)
    return events[-1].message


@pytest.mark.parametrize("kind", [*KINDS, *PT_WRONG])
def test_a_damaged_model_file(saved, kind):
    pt, meta = saved
    meta_bytes = meta.read_bytes()
    if kind in PT_WRONG:
        PT_WRONG[kind](pt)
        bad = pt.read_bytes()
    else:
        bad = damage(pt, kind)
    with pytest.raises(ValueError) as err:
        load_model(pt)
    message = str(err.value)
    assert str(pt) in message
    assert "choose another file" in message, message
    assert failed_message(pt) == message
    assert pt.read_bytes() == bad and meta.read_bytes() == meta_bytes  # nothing changed, nothing else lost


@pytest.mark.parametrize("kind", [*KINDS, *JSON_WRONG])
def test_a_damaged_settings_file(saved, kind):
    pt, meta = saved
    pt_bytes = pt.read_bytes()
    if kind in JSON_WRONG:
        meta.write_text(JSON_WRONG[kind])
        bad = meta.read_bytes()
    else:
        bad = damage(meta, kind)
    with pytest.raises(ValueError) as err:
        load_model(pt)
    message = str(err.value)
    assert str(meta) in message and "to load the weights alone" in message, message
    assert failed_message(pt) == message
    assert meta.read_bytes() == bad and pt.read_bytes() == pt_bytes
    meta.unlink()  # the fix the message gives works
    model, info = load_model(pt)
    assert info == {} and model.main[0].weight.shape == (8, 784)
