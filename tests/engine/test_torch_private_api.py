"""torch's private multi-tensor ops that engine/sections/adaptive.py calls still exist and compute what it relies on.

They are not public API (torch may change or drop them in any release): pyproject.toml caps torch
at the newest version this passed on. If this fails after a torch upgrade, keep the cap, or replace
the calls in StackedUpdates.apply with per-tensor ops.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

import engine.sections.adaptive as adaptive

SOURCE = Path(adaptive.__file__).read_text()


def tensors(seed: int, positive: bool = False) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    ts = [torch.randn(3, 4, generator=gen), torch.randn(5, generator=gen)]  # two layers' shapes
    return [t.abs() + 0.1 for t in ts] if positive else ts


# name -> (call it as adaptive.py does, the per-tensor result it must equal)
CASES = {
    "_foreach_add_": [
        (lambda a, b, c: torch._foreach_add_(a, b, alpha=-0.3), lambda a, b, c: [x - 0.3 * y for x, y in zip(a, b)]),
        (lambda a, b, c: torch._foreach_add_(a, b), lambda a, b, c: [x + y for x, y in zip(a, b)]),
    ],
    "_foreach_mul_": [(lambda a, b, c: torch._foreach_mul_(a, 0.9), lambda a, b, c: [x * 0.9 for x in a])],
    "_foreach_addcmul_": [
        (
            lambda a, b, c: torch._foreach_addcmul_(a, b, b, value=0.01),
            lambda a, b, c: [x + 0.01 * y * y for x, y in zip(a, b)],
        )
    ],
    "_foreach_add": [(lambda a, b, c: torch._foreach_add(a, 1e-8), lambda a, b, c: [x + 1e-8 for x in a])],
    "_foreach_sqrt_": [(lambda a, b, c: torch._foreach_sqrt_(c), lambda a, b, c: [z.sqrt() for z in c])],
    "_foreach_addcdiv_": [
        (
            lambda a, b, c: torch._foreach_addcdiv_(a, b, c, value=-0.05),
            lambda a, b, c: [x - 0.05 * y / z for x, y, z in zip(a, b, c)],
        )
    ],
}


def test_every_private_torch_call_in_adaptive_is_checked_here():
    used = set(re.findall(r"torch\.(_\w+)\(", SOURCE))
    assert used == set(CASES), f"adaptive.py calls {sorted(used)}; this test checks {sorted(CASES)}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_private_foreach_op_computes_what_adaptive_relies_on(name):
    assert hasattr(torch, name), (
        f"torch {torch.__version__} has no torch.{name}, which engine/sections/adaptive.py calls"
    )
    for k, (call, expected) in enumerate(CASES[name]):
        a, b, c = tensors(1), tensors(2), tensors(3, positive=True)
        want = expected([t.clone() for t in a], b, c)
        out = call(a, b, c)
        got = out if out is not None else (c if name.endswith("sqrt_") else a)  # in place: the first list changed
        assert len(got) == len(want)
        for g, w in zip(got, want):
            torch.testing.assert_close(
                g, w, msg=lambda m, k=k: f"torch {torch.__version__}: torch.{name} (form {k}) changed behaviour: {m}"
            )
