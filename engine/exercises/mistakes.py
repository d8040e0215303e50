"""Common careless versions of the update rules, each with what it gets wrong in plain words.

When the learner's result differs from the reference, the checker runs these on the same
problem; if one of them reproduces the learner's numbers, its message names the mistake.
"""

from __future__ import annotations

import torch

from ..updates import zero_grad


def _gd(sign=-1.0, zero=True, only_first=False, no_lr=False):
    def update(loss, params, lr=1e-3):
        if zero:
            zero_grad(params)
        loss.backward()
        with torch.no_grad():
            for par in params[:1] if only_first else params:
                par.data += sign * (1.0 if no_lr else lr) * par.grad.data

    return update


def _momentum(par_sign=1.0, grad_sign=-1.0, zero=True, only_first=False, par_first=False):
    def update(loss, params, grad_vel, lr=1e-3, beta=0.8):
        if zero:
            zero_grad(params)
        loss.backward()
        with torch.no_grad():
            pairs = list(zip(params, grad_vel))
            for par, vel in pairs[:1] if only_first else pairs:
                if par_first:
                    par.data += par_sign * vel.data
                vel.data = grad_sign * lr * par.grad.data + beta * vel.data
                if not par_first:
                    par.data += par_sign * vel.data

    return update


def _rmsprop(
    sign=-1.0, zero=True, only_first=False, eps_outside=False, swap_alpha=False, old_average=False, no_sqrt=False
):
    def update(loss, params, grad_sq, lr=1e-3, alpha=0.8, epsilon=1e-8):
        if zero:
            zero_grad(params)
        loss.backward()
        with torch.no_grad():
            pairs = list(zip(params, grad_sq))
            for par, gsq in pairs[:1] if only_first else pairs:
                old = gsq.data.clone()
                a = 1 - alpha if swap_alpha else alpha
                gsq.data = a * gsq.data + (1 - a) * par.grad**2
                avg = old if old_average else gsq.data
                scale = (
                    (epsilon + avg)
                    if no_sqrt
                    else (torch.sqrt(avg) + epsilon if eps_outside else torch.sqrt(epsilon + avg))
                )
                par.data += sign * lr * par.grad / scale

    return update


NO_ZERO = (
    "no_zero_grad",
    "The second call used the gradients of both calls added together: "
    "loss.backward() adds to .grad. Call zero_grad(params) before loss.backward().",
)
ONLY_FIRST = (
    "only_first",
    "Only the first parameter changed: loop over every parameter in params "
    "(the weights and the biases of every layer).",
)

MISTAKES = {
    "gradient_update": [
        (
            "wrong_sign",
            "The parameters moved uphill, along the gradient: subtract lr × gradient (w ← w − η∇J), do not add it.",
            _gd(sign=1.0),
        ),
        ("no_lr", "The step was the whole gradient: multiply the gradient by lr.", _gd(no_lr=True)),
        (*ONLY_FIRST, _gd(only_first=True)),
        (*NO_ZERO, _gd(zero=False)),
    ],
    "momentum_update": [
        (
            "par_sign",
            "The parameter subtracted the velocity: it must add it (w ← w + v; note the plus sign).",
            _momentum(par_sign=-1.0),
        ),
        (
            "grad_sign",
            "The velocity added the gradient: it must be −lr · gradient + beta · old velocity.",
            _momentum(grad_sign=1.0),
        ),
        (
            "par_first",
            "The parameter moved by the old velocity: update the velocity first, then add the "
            "new velocity to the parameter.",
            _momentum(par_first=True),
        ),
        (*ONLY_FIRST, _momentum(only_first=True)),
        (*NO_ZERO, _momentum(zero=False)),
    ],
    "rmsprop_update": [
        (
            "wrong_sign",
            "The parameters moved uphill: subtract lr · gradient / sqrt(epsilon + average).",
            _rmsprop(sign=1.0),
        ),
        (
            "eps_outside",
            "epsilon was added outside the square root: the rule divides by "
            "sqrt(epsilon + average), with epsilon inside.",
            _rmsprop(eps_outside=True),
        ),
        (
            "swap_alpha",
            "alpha and 1 − alpha were swapped: the new average is alpha · old average + (1 − alpha) · gradient².",
            _rmsprop(swap_alpha=True),
        ),
        (
            "old_average",
            "The step used the old average: update the average first, then divide by the square root of the new one.",
            _rmsprop(old_average=True),
        ),
        (
            "no_sqrt",
            "The step divided by (epsilon + average) itself: divide by its square root.",
            _rmsprop(no_sqrt=True),
        ),
        (*ONLY_FIRST, _rmsprop(only_first=True)),
        (*NO_ZERO, _rmsprop(zero=False)),
    ],
}
