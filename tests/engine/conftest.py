"""Fixtures the engine's tests share: torch on one thread for modules that ask for it."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def one_thread():
    """torch on one thread for the module (`pytestmark = pytest.mark.usefixtures("one_thread")`): tiny tensors
    run faster without a thread pool (as in the checking process), and on a loaded CPU waiting threads stall
    every op."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
