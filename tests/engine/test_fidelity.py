"""The course's printed before/after parameters of the update-rule exercises, reproduced to 4 decimals."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.model import MLP, loss_fn
from engine.seeding import set_seed
from engine.updates import gradient_update, momentum_update, rmsprop_update

ROWS = [0, 1, 2, 7, 8, 9]
COLS = [0, 1, 2, 781, 782, 783]

BEFORE_W = [
    [-0.0264, 0.0010, 0.0173, 0.0297, 0.0278, -0.0221],
    [-0.0040, -0.0295, -0.0086, -0.0070, 0.0254, -0.0233],
    [0.0240, -0.0231, 0.0342, 0.0124, 0.0270, -0.0180],
    [-0.0005, 0.0157, 0.0111, 0.0144, -0.0301, -0.0144],
    [0.0181, 0.0303, 0.0255, -0.0110, -0.0175, 0.0205],
    [0.0208, -0.0353, -0.0183, -0.0271, 0.0099, 0.0003],
]
BEFORE_B = [-0.0290, -0.0033, 0.0100, -0.0320, 0.0022, 0.0221, 0.0307, 0.0243, 0.0159, -0.0064]

GD_W = [
    [-0.0263, 0.0010, 0.0174, 0.0298, 0.0278, -0.0220],
    [-0.0047, -0.0302, -0.0093, -0.0077, 0.0248, -0.0240],
    [0.0234, -0.0237, 0.0335, 0.0117, 0.0263, -0.0187],
    [-0.0006, 0.0156, 0.0110, 0.0143, -0.0302, -0.0145],
    [0.0164, 0.0286, 0.0238, -0.0127, -0.0191, 0.0188],
    [0.0206, -0.0354, -0.0184, -0.0272, 0.0098, 0.0002],
]
GD_B = [-0.0292, -0.0018, 0.0115, -0.0370, 0.0054, 0.0155, 0.0317, 0.0246, 0.0198, -0.0061]

MOM_W = [
    [1.5898, 0.0116, -2.0239, -1.0871, 0.4030, -0.9577],
    [0.4653, 0.6022, -0.7363, 0.5485, -0.2747, -0.6539],
    [-1.4117, -1.1045, 0.6492, -1.0201, 0.6503, 0.1310],
    [-0.5098, 0.5075, -0.0718, 1.1192, 0.2900, -0.9657],
    [-0.4405, -0.1174, 0.7542, 0.0792, -0.1857, 0.3537],
    [-1.0824, 1.0080, -0.4254, -0.3760, -1.7491, 0.6025],
]
MOM_B = [0.4147, -1.0440, 0.8720, -1.6201, -0.9632, 0.9430, -0.5180, 1.3417, 0.6574, 0.3677]

RMS_W = [
    [-0.0240, 0.0031, 0.0193, 0.0316, 0.0297, -0.0198],
    [-0.0063, -0.0318, -0.0109, -0.0093, 0.0232, -0.0255],
    [0.0218, -0.0253, 0.0320, 0.0102, 0.0248, -0.0203],
    [-0.0027, 0.0136, 0.0089, 0.0123, -0.0324, -0.0166],
    [0.0159, 0.0281, 0.0233, -0.0133, -0.0197, 0.0182],
    [0.0186, -0.0376, -0.0205, -0.0293, 0.0077, -0.0019],
]
RMS_B = [-0.0313, -0.0011, 0.0122, -0.0342, 0.0045, 0.0199, 0.0329, 0.0265, 0.0182, -0.0041]


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
