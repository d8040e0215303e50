"""The course's printed before/after parameters of the update-rule exercises, reproduced to 4 decimals."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.model import MLP, loss_fn
from engine.seeding import set_seed
from engine.updates import gradient_update, momentum_update, rmsprop_update

from .course_printed import BEFORE_B, BEFORE_W, COLS, GD_B, GD_W, MOM_B, MOM_W, RMS_B, RMS_W, ROWS


def printed(model: MLP) -> tuple[np.ndarray, np.ndarray]:
    """The summarised corner of the weight matrix and the bias, as print_params shows them."""
    w = model.main[0].weight.detach().numpy()[np.ix_(ROWS, COLS)]
    return w, model.main[0].bias.detach().numpy()


def assert_printed(model: MLP, w_expected, b_expected) -> None:
    w, b = printed(model)
    # The course prints 4 decimals: a match is a difference within half a unit of the last place.
    np.testing.assert_allclose(w, w_expected, atol=5.01e-5, rtol=0)
    np.testing.assert_allclose(b, b_expected, atol=5.01e-5, rtol=0)


@pytest.fixture
def model(subset):
    set_seed(2021)
    m = MLP(784, 10, [])
    assert_printed(m, BEFORE_W, BEFORE_B)
    return m


def test_gradient_update_matches_course(model, subset):
    X, y = subset
    gradient_update(loss_fn(model(X), y), list(model.parameters()), lr=1e-1)
    assert_printed(model, GD_W, GD_B)


def test_momentum_update_matches_course(model, subset):
    X, y = subset
    initial_vel = [torch.randn_like(p) for p in model.parameters()]
    momentum_update(loss_fn(model(X), y), list(model.parameters()), grad_vel=initial_vel, lr=1e-1, beta=0.9)
    assert_printed(model, MOM_W, MOM_B)


def test_rmsprop_update_matches_course(model, subset):
    X, y = subset
    grad_sq = [1e-6 * p for p in model.parameters()]
    rmsprop_update(loss_fn(model(X), y), list(model.parameters()), grad_sq=grad_sq, lr=1e-3)
    assert_printed(model, RMS_W, RMS_B)
