"""Stacked MLP copies: their written-out gradients against autograd, and against each copy trained alone."""

from __future__ import annotations

import pytest
import torch

from engine.model import loss_fn
from engine.stacked_mlp import batched_logp, copy_params, fill_grads, stack
from engine.training import init_model

pytestmark = pytest.mark.usefixtures("one_thread")  # tests/engine/conftest.py


def copies(hidden, k: int, dtype=torch.float32) -> tuple[list[torch.nn.Module], list[torch.Tensor]]:
    """k MLPs with different weights, and their parameters stacked (K, ...)."""
    models = [init_model(hidden, seed, "cpu").to(dtype) for seed in range(k)]
    stacked = stack([list(m.parameters()) for m in models])
    return models, stacked


def data(batch: int, dtype=torch.float32):
    g = torch.Generator().manual_seed(5)
    return torch.randn(batch, 28, 28, generator=g, dtype=dtype), torch.randint(0, 10, (batch,), generator=g)


@pytest.mark.parametrize("hidden", [(), (20,), (30, 20, 10)])
def test_written_out_gradients_are_autograds(hidden):
    """float64: fill_grads against autograd through batched_logp of torch.where(alive, losses, 0).sum()."""
    _, stacked = copies(hidden, 4, torch.float64)
    x, y = data(50, torch.float64)
    alive = torch.tensor([True, True, False, True])
    params = [p.clone().requires_grad_(True) for p in stacked]
    logp = batched_logp(params, x)
    want_losses = -logp.gather(2, y.view(1, -1, 1).expand(4, -1, 1)).squeeze(2).mean(1)
    want = torch.autograd.grad(torch.where(alive, want_losses, 0.0).sum(), params)
    grads = [torch.full_like(p, float("nan")) for p in stacked]  # every element must be written
    losses, got_logp = fill_grads(stacked, x, y, grads, alive)
    torch.testing.assert_close(losses, want_losses.detach(), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(got_logp, logp.detach(), rtol=1e-12, atol=1e-12)
    for got, expected in zip(grads, want):
        torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-12)
    assert all(g[2].abs().sum() == 0 for g in grads)  # the copy that is not alive


def test_each_copys_gradient_is_that_of_the_copy_alone():
    """float32, the course's MLP: each copy's gradient is what autograd gives a model of its own (the same ops:
    equal here to the last bit; Adam at a high lr would turn last-bit differences into another run)."""
    models, stacked = copies((200, 100, 50), 3)
    x, y = data(64)
    grads = [torch.empty_like(p) for p in stacked]
    losses, _ = fill_grads(stacked, x, y, grads, torch.ones(3, dtype=torch.bool))
    for i, model in enumerate(models):
        loss = loss_fn(model(x), y)
        alone = torch.autograd.grad(loss, list(model.parameters()))
        assert losses[i].item() == pytest.approx(loss.item(), rel=1e-6)
        for got, expected in zip(copy_params(grads, i), alone):
            assert torch.equal(got, expected)


def test_a_copy_not_alive_gets_no_gradient_and_a_nan_copy_spoils_no_other():
    models, stacked = copies((20,), 3)
    stacked[0][1].fill_(float("nan"))  # copy 1's first layer: its loss is NaN
    x, y = data(32)
    grads = [torch.empty_like(p) for p in stacked]
    losses, _ = fill_grads(stacked, x, y, grads, torch.tensor([False, True, True]))
    assert torch.isnan(losses[1]) and torch.isfinite(losses[[0, 2]]).all()
    assert all(torch.equal(g[0], torch.zeros_like(g[0])) for g in grads)  # finite, but not alive
    alone = torch.autograd.grad(loss_fn(models[2](x), y), list(models[2].parameters()))
    for got, expected in zip(copy_params(grads, 2), alone):
        torch.testing.assert_close(got, expected, rtol=1e-6, atol=1e-9)


def test_the_course_mlps_copies_step_as_their_runs_alone_to_the_bit():
    """Written-out gradients and StackedAdam, as a sweep steps them, against autograd and torch.optim's fused
    Adam per copy, 20 steps of the course's MLP at high learning rates: every weight equal to the bit (a 10x50
    weight kept transposed had its fused Adam tail elements rounded otherwise: this failed)."""
    from engine.contracts.bonus import TrainConfig
    from engine.stacked_adam import stacked_adam
    from engine.training_config import build_optimizer

    lrs = (3e-2, 1e-1)
    models, _ = copies((200, 100, 50), len(lrs))
    stacked = stack([list(models[0].parameters())] * len(lrs))
    grads = [torch.empty_like(p) for p in stacked]
    views = [[torch.nn.Parameter(p[i]) for p in stacked] for i in range(len(lrs))]
    for i, vs in enumerate(views):
        for view, grad in zip(vs, grads):
            view.grad = grad[i]
    opt = stacked_adam([TrainConfig(lr=lr) for lr in lrs], views)
    alone = [init_model((200, 100, 50), 0, "cpu") for _ in lrs]
    own = [build_optimizer(TrainConfig(lr=lr), m.parameters()) for lr, m in zip(lrs, alone)]
    g = torch.Generator().manual_seed(3)
    for _ in range(20):
        x, y = torch.randn(64, 784, generator=g), torch.randint(0, 10, (64,), generator=g)
        fill_grads(stacked, x, y, grads, torch.ones(len(lrs), dtype=torch.bool))
        opt.step()
        for model, o in zip(alone, own):
            o.zero_grad()
            loss_fn(model(x), y).backward()
            o.step()
    for i, model in enumerate(alone):
        assert all(torch.equal(a, b) for a, b in zip(copy_params(stacked, i), model.parameters()))
