"""The sweep's Adam and AdamW over stacked copies against torch.optim's, group for group, with a schedule."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from engine.contracts.bonus import TrainConfig
from engine.stacked_adam import StackedAdam, stacked_adam
from engine.training_config import build_optimizer, build_scheduler

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/engine/conftest.py

SHAPES = [(20, 784), (20,), (10, 20), (10,)]


def configs(optimizer: str, schedule: str) -> list[TrainConfig]:
    base = TrainConfig(optimizer=optimizer, schedule=schedule)
    return [
        dataclasses.replace(base, lr=3e-3, weight_decay=0.0),
        dataclasses.replace(base, lr=1e-2, beta1=0.8, beta2=0.99, weight_decay=1e-2),
        dataclasses.replace(base, lr=1e-4, weight_decay=5e-4),
    ]


def advance(opt, schedule, params, grads) -> None:
    """Hand each parameter its gradient, then one optimizer step and one schedule step."""
    for p, grad in zip(params, grads):
        p.grad = grad
    opt.step()
    if schedule is not None:
        schedule.step()


@pytest.mark.parametrize("optimizer, schedule", [("Adam", "constant"), ("AdamW", "one-cycle"), ("Adam", "cosine")])
def test_each_copy_moves_as_torch_optim_moves_it_alone(optimizer, schedule):
    cfgs, steps = configs(optimizer, schedule), 30
    g = torch.Generator().manual_seed(0)
    start = [torch.randn(len(cfgs), *s, generator=g) for s in SHAPES]
    grads = [[torch.randn(len(cfgs), *s, generator=g) for s in SHAPES] for _ in range(steps)]
    grads[3][0][1, 0, :5] = 0.0  # exact zeros, as a dead ReLU gives
    stacked = [p.clone() for p in start]
    views = [[torch.nn.Parameter(p[i]) for p in stacked] for i in range(len(cfgs))]
    opt = stacked_adam(cfgs, views)
    assert isinstance(opt, StackedAdam)
    schedule_all = build_scheduler(opt, cfgs, steps)
    alone = []
    for i, c in enumerate(cfgs):
        params = [torch.nn.Parameter(p[i].clone()) for p in start]
        own = build_optimizer(c, params)  # the app's single run: torch.optim, fused
        alone.append((params, own, build_scheduler(own, [c], steps)))
    for step in range(steps):
        flat = [view for views_i in views for view in views_i]
        advance(opt, schedule_all, flat, [grad[i] for i in range(len(cfgs)) for grad in grads[step]])
        for i, (params, own, schedule) in enumerate(alone):
            advance(own, schedule, params, [grad[i].clone() for grad in grads[step]])
    for i, (params, _, _) in enumerate(alone):
        for p, s in zip(params, stacked):
            assert torch.equal(p.detach(), s[i])  # the same kernel, the same arguments: the same bits


def test_a_copy_without_gradients_is_left_as_it_was():
    cfgs = configs("Adam", "constant")
    stacked = [torch.ones(len(cfgs), *s) for s in SHAPES]
    views = [[torch.nn.Parameter(p[i]) for p in stacked] for i in range(len(cfgs))]
    opt = stacked_adam(cfgs, views)
    assert opt is not None
    for i, views_i in enumerate(views):
        for view in views_i:
            view.grad = None if i == 1 else torch.ones_like(view)
    opt.step()
    assert all(torch.equal(p[1], torch.ones_like(p[1])) for p in stacked)
    assert all(not torch.equal(p[0], torch.ones_like(p[0])) for p in stacked)
    assert opt.steps[1].item() == 0 and opt.steps[0].item() == 1


def test_other_optimizers_are_left_to_torch_optim():
    views = [[torch.nn.Parameter(torch.zeros(3))] for _ in range(2)]
    assert stacked_adam([TrainConfig(optimizer="SGD momentum")] * 2, views) is None
    assert stacked_adam([TrainConfig(optimizer="RMSprop")] * 2, views) is None
