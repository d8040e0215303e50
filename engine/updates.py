"""The course's update rules as plain functions over lists of parameters, updated in place.

Each mirrors its exercise: gradients are zeroed, `loss.backward()` is called, then every
parameter (and its auxiliary state) is changed in place under `torch.no_grad()`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def zero_grad(params: Sequence[torch.Tensor]) -> None:
    """Zero gradients in place: backward() adds to .grad rather than overwriting it."""
    for par in params:
        if par.grad is not None:
            par.grad.data.zero_()


def _grad(par: torch.Tensor) -> torch.Tensor:
    """par's gradient: loss.backward() has just filled it for every parameter the loss depends on."""
    assert par.grad is not None, "a parameter the loss does not depend on has no gradient"
    return par.grad


def random_update(model: torch.nn.Module, noise_scale: float = 0.1, normalized: bool = False) -> None:
    """Move every parameter by noise_scale * standard normal noise (optionally of unit norm)."""
    with torch.no_grad():
        for par in model.parameters():
            noise = torch.randn_like(par)
            if normalized:
                noise /= torch.norm(noise)
            par.add_(noise_scale * noise)


def gradient_update(loss: torch.Tensor, params: Sequence[torch.Tensor], lr: float = 1e-3) -> None:
    """Gradient descent: w <- w - lr * dJ/dw."""
    zero_grad(params)
    loss.backward()
    with torch.no_grad():
        for par in params:
            par.data -= lr * _grad(par).data


def momentum_update(
    loss: torch.Tensor,
    params: Sequence[torch.Tensor],
    grad_vel: Sequence[torch.Tensor],
    lr: float = 1e-3,
    beta: float = 0.8,
) -> None:
    """Momentum: v <- -lr * dJ/dw + beta * v, then w <- w + v (note the plus)."""
    zero_grad(params)
    loss.backward()
    with torch.no_grad():
        for par, vel in zip(params, grad_vel):
            vel.data = -lr * _grad(par).data + beta * vel.data
            par.data += vel.data


def rmsprop_update(
    loss: torch.Tensor,
    params: Sequence[torch.Tensor],
    grad_sq: Sequence[torch.Tensor],
    lr: float = 1e-3,
    alpha: float = 0.8,
    epsilon: float = 1e-8,
) -> None:
    """RMSprop: s <- alpha * s + (1 - alpha) * g^2, then w <- w - lr * g / sqrt(eps + s)."""
    zero_grad(params)
    loss.backward()
    with torch.no_grad():
        for par, gsq in zip(params, grad_sq):
            grad = _grad(par)
            gsq.data = alpha * gsq.data + (1 - alpha) * grad**2
            par.data -= lr * grad / torch.sqrt(epsilon + gsq.data)


def sample_minibatch(
    input_data: torch.Tensor, target_data: torch.Tensor, num_points: int = 100, rng: np.random.RandomState | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """num_points examples drawn uniformly *with replacement* (NumPy's global RNG unless rng is given)."""
    choice = (rng or np.random).choice
    indices = choice(len(input_data), num_points)
    return input_data[indices, :], target_data[indices]


def sample_minibatch_on_device(
    input_data: torch.Tensor, target_data: torch.Tensor, num_points: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The same distribution as sample_minibatch, but indices drawn by torch on the data's device (no host trip)."""
    indices = torch.randint(len(input_data), (num_points,), device=input_data.device, generator=generator)
    # index_select gathers rows several times faster than advanced indexing on CPU.
    return input_data.index_select(0, indices), target_data.index_select(0, indices)
