"""The course's multi-layer perceptron, its parameter counts and hidden-size parsing."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

MAX_WIDTH = 4096  # wider layers than this are refused: they teach nothing here and can exhaust memory
MAX_LAYERS = 8


class HiddenSizesError(ValueError):
    """Hidden sizes text that cannot describe a network; the message says why."""


def parse_hidden(text: str) -> list[int]:
    """"200, 100, 50" -> [200, 100, 50]; "" or "0"-free empty -> [] (the linear model)."""
    text = text.strip()
    if not text or text.lower() in {"none", "linear", "[]"}:
        return []
    sizes = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            raise HiddenSizesError("empty size between commas; write e.g. 200, 100, 50")
        try:
            size = int(part)
        except ValueError:
            raise HiddenSizesError(f"{part!r} is not a whole number; write e.g. 200, 100, 50") from None
        if size < 1:
            raise HiddenSizesError(f"a layer needs at least 1 unit, got {size}")
        if size > MAX_WIDTH:
            raise HiddenSizesError(f"{size:,} units is too wide; at most {MAX_WIDTH:,} per layer")
        sizes.append(size)
    if len(sizes) > MAX_LAYERS:
        raise HiddenSizesError(f"{len(sizes)} hidden layers is too deep; at most {MAX_LAYERS}")
    return sizes


def layer_shapes(in_dim: int = 784, out_dim: int = 10, hidden_dims: list[int] | None = None) -> list[tuple[int, int]]:
    """(fan_in, fan_out) of each Linear layer."""
    dims = [in_dim, *(hidden_dims or []), out_dim]
    return list(zip(dims[:-1], dims[1:]))


def count_params(in_dim: int = 784, out_dim: int = 10, hidden_dims: list[int] | None = None) -> int:
    """Weights plus biases of every layer: sum of (fan_in + 1) * fan_out."""
    return sum((i + 1) * o for i, o in layer_shapes(in_dim, out_dim, hidden_dims))


class MLP(nn.Module):
    """Linear layers with ReLU between them and log-softmax at the end; no hidden layer = logistic regression."""

    def __init__(self, in_dim: int = 784, out_dim: int = 10, hidden_dims: list[int] | None = None, use_bias: bool = True):
        super().__init__()
        self.in_dim, self.out_dim = in_dim, out_dim
        hidden_dims = list(hidden_dims or [])
        if not hidden_dims:
            layers: list[nn.Module] = [nn.Linear(in_dim, out_dim, bias=use_bias)]
        else:
            layers = [nn.Linear(in_dim, hidden_dims[0], bias=use_bias), nn.ReLU()]
            for a, b in zip(hidden_dims[:-1], hidden_dims[1:]):
                layers += [nn.Linear(a, b, bias=use_bias), nn.ReLU()]
            layers.append(nn.Linear(hidden_dims[-1], out_dim, bias=use_bias))
        self.main = nn.Sequential(*layers)  # so the first layer is main[0], as the course names it

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.log_softmax(self.main(x.view(-1, self.in_dim)), dim=1)


loss_fn = F.nll_loss  # the course's loss, applied to log-probabilities (mean over the batch)
