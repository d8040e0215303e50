"""The course's update rules against torch.optim and hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.model import MLP, HiddenSizesError, count_params, layer_shapes, loss_fn, parse_hidden
from engine.updates import (
    gradient_update,
    momentum_update,
    random_update,
    rmsprop_update,
    sample_minibatch,
    sample_minibatch_on_device,
    zero_grad,
)


def quadratic_problem(seed: int = 0):
    """A small least-squares loss with two parameter tensors, so every rule has real gradients."""
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(20, 5, generator=g)
    b = torch.randn(20, generator=g)
    w = torch.randn(5, generator=g).requires_grad_()
    c = torch.randn(1, generator=g).requires_grad_()
    return (lambda: ((a @ w + c - b) ** 2).mean()), [w, c]


def test_gradient_update_equals_torch_sgd():
    loss_a, params_a = quadratic_problem()
    loss_b, params_b = quadratic_problem()
    sgd = torch.optim.SGD(params_b, lr=0.05)
    for _ in range(5):
        gradient_update(loss_a(), params_a, lr=0.05)
        sgd.zero_grad()
        loss_b().backward()
        sgd.step()
    for pa, pb in zip(params_a, params_b):
        torch.testing.assert_close(pa, pb)


def test_momentum_update_equals_torch_sgd_momentum_from_zero_velocity():
    # Course: v <- -lr g + beta v; w <- w + v.  torch: b <- beta b + g; w <- w - lr b.  Same with v = -lr b.
    loss_a, params_a = quadratic_problem()
    loss_b, params_b = quadratic_problem()
    vel = [torch.zeros_like(p) for p in params_a]
    sgd = torch.optim.SGD(params_b, lr=0.05, momentum=0.8)
    for _ in range(6):
        momentum_update(loss_a(), params_a, vel, lr=0.05, beta=0.8)
        sgd.zero_grad()
        loss_b().backward()
        sgd.step()
    for pa, pb in zip(params_a, params_b):
        torch.testing.assert_close(pa, pb)


def test_rmsprop_update_by_hand_with_eps_inside_the_root():
    loss, params = quadratic_problem()
    grad_sq = [torch.full_like(p, 0.5) for p in params]
    before = [p.detach().clone() for p in params]
    value = loss()
    grads = torch.autograd.grad(value, params)
    rmsprop_update(loss(), params, grad_sq, lr=0.01, alpha=0.8, epsilon=1e-8)
    for p, p0, g, s in zip(params, before, grads, grad_sq):
        s_expected = 0.8 * 0.5 + 0.2 * g**2
        torch.testing.assert_close(s, s_expected)
        torch.testing.assert_close(p.detach(), p0 - 0.01 * g / torch.sqrt(1e-8 + s_expected))


def test_rmsprop_first_step_from_zero_state_moves_lr_over_sqrt_one_minus_alpha():
    loss, params = quadratic_problem()
    before = [p.detach().clone() for p in params]
    rmsprop_update(loss(), params, [torch.zeros_like(p) for p in params], lr=1e-3, alpha=0.8)
    for p, p0 in zip(params, before):
        np.testing.assert_allclose((p.detach() - p0).abs().numpy(), 1e-3 / np.sqrt(0.2), rtol=1e-4)


def test_gradients_are_zeroed_between_updates():
    loss, params = quadratic_problem()
    gradient_update(loss(), params, lr=0.0)
    first = [p.grad.clone() for p in params]
    gradient_update(loss(), params, lr=0.0)
    for p, g in zip(params, first):
        torch.testing.assert_close(p.grad, g)  # not doubled
    zero_grad(params)
    assert all(float(p.grad.abs().sum()) == 0 for p in params)


def test_random_update_scale_and_normalisation():
    torch.manual_seed(0)
    model = MLP(784, 10, [])
    before = [p.detach().clone() for p in model.parameters()]
    random_update(model, noise_scale=0.01)
    deltas = [p.detach() - b for p, b in zip(model.parameters(), before)]
    assert float(deltas[0].std()) == pytest.approx(0.01, rel=0.05)
    before = [p.detach().clone() for p in model.parameters()]
    random_update(model, noise_scale=0.3, normalized=True)
    for p, b in zip(model.parameters(), before):
        assert float((p.detach() - b).norm()) == pytest.approx(0.3, rel=1e-4)


def test_sample_minibatch_shapes_pairs_and_replacement():
    x = torch.arange(50).float().view(50, 1).repeat(1, 3)
    y = torch.arange(50)
    xb, yb = sample_minibatch(x, y, num_points=200, rng=np.random.RandomState(0))
    assert xb.shape == (200, 3) and yb.shape == (200,)
    assert torch.equal(xb[:, 0].long(), yb)  # inputs stay paired with their targets
    assert len(set(yb.tolist())) < 200  # 200 draws from 50: with replacement
    xb, yb = sample_minibatch_on_device(x, y, 64, generator=torch.Generator().manual_seed(1))
    assert xb.shape == (64, 3) and torch.equal(xb[:, 0].long(), yb)


def test_course_subset_shapes_from_sample_minibatch(subset):
    X, y = subset
    xb, yb = sample_minibatch(X, y, num_points=100)
    assert tuple(xb.shape) == (100, 28, 28) and tuple(yb.shape) == (100,)


@pytest.mark.parametrize(
    "hidden, expected",
    [
        ([], 7_850),
        ([10], 7_960),
        ([20, 20], 16_330),
        ([100, 100], 89_610),
        ([1], 805),
        ([100], 79_510),
        ([50, 50], 42_310),
        ([200, 100, 50], 182_660),
    ],
)
def test_parameter_counts_match_the_modules(hidden, expected):
    assert count_params(784, 10, hidden) == expected
    assert sum(p.numel() for p in MLP(784, 10, hidden).parameters()) == expected


def test_mlp_structure_and_names():
    model = MLP(784, 10, [200, 100, 50])
    names = [n for n, _ in model.named_parameters()]
    assert names[:2] == ["main.0.weight", "main.0.bias"] and names[-1] == "main.6.bias"
    assert layer_shapes(784, 10, [200, 100, 50]) == [(784, 200), (200, 100), (100, 50), (50, 10)]
    out = model(torch.zeros(3, 28, 28))
    torch.testing.assert_close(out.exp().sum(1), torch.ones(3))  # log-probabilities
    assert loss_fn(out, torch.tensor([0, 1, 2])).ndim == 0


@pytest.mark.parametrize(
    "text, sizes", [("", []), ("10", [10]), ("200, 100, 50", [200, 100, 50]), (" 20 ,20 ", [20, 20])]
)
def test_parse_hidden_accepts(text, sizes):
    assert parse_hidden(text) == sizes


@pytest.mark.parametrize(
    "text, words",
    [
        ("abc", "not a whole number"),
        ("0", "at least 1"),
        ("-5", "at least 1"),
        ("10000", "too wide"),
        ("10,,5", "empty"),
        ("1,2,3,4,5,6,7,8,9", "too deep"),
        ("2.5", "not a whole number"),
    ],
)
def test_parse_hidden_refuses_with_a_reason(text, words):
    with pytest.raises(HiddenSizesError, match=words):
        parse_hidden(text)


def test_seeded_blocks_are_reproducible_and_leave_the_global_rng_alone():
    from engine.seeding import seeded

    torch.manual_seed(5)
    expected_next = torch.rand(1)
    torch.manual_seed(5)
    with seeded(2021):
        a = torch.randn(3)
    with seeded(2021):
        b = torch.randn(3)
    assert torch.equal(a, b)
    assert torch.equal(torch.rand(1), expected_next)  # the global stream went on as if untouched


def test_unseeded_blocks_draw_different_numbers():
    from engine.seeding import seeded

    with seeded(None):
        a = torch.randn(3)
    with seeded(None):
        b = torch.randn(3)
    assert not torch.equal(a, b)
