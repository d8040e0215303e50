"""Section 4's Demo tab in Pilot tests: open it, read its status; a learner's file whose momentum_update slips."""

from __future__ import annotations

import textwrap

from tui.screens.conditioning.screen import ConditioningScreen

from .snap import settle

# The course's gradient_update, and momentum_update with the classic sign slip (par -= vel).
LEARNER_FILE = textwrap.dedent("""
    import torch

    def gradient_update(loss, params, lr=1e-3):
        for par in params:
            if par.grad is not None:
                par.grad.zero_()
        loss.backward()
        with torch.no_grad():
            for par in params:
                par -= lr * par.grad

    def momentum_update(loss, params, grad_vel, lr=1e-3, beta=0.8):
        for par in params:
            if par.grad is not None:
                par.grad.zero_()
        loss.backward()
        with torch.no_grad():
            for par, vel in zip(params, grad_vel):
                vel.data = -lr * par.grad + beta * vel
                par -= vel  # the sign slip: moves uphill with accumulated velocity
""")


async def open_demo(pilot) -> ConditioningScreen:
    await pilot.press("right_square_bracket")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ConditioningScreen)
    return screen


def status(screen) -> str:
    """The Demo tab's status line."""
    return str(screen.query_one("#status").render())
