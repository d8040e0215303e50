"""The course's multi-layer perceptron (hidden-size parsing and counts re-exported from engine.hidden)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .hidden import MAX_LAYERS, MAX_WIDTH, HiddenSizesError, count_params, layer_shapes, parse_hidden

__all__ = [
    "MAX_LAYERS",
    "MAX_WIDTH",
    "MLP",
    "HiddenSizesError",
    "count_params",
    "first_layer",
    "layer_shapes",
    "loss_fn",
    "parse_hidden",
]


class MLP(nn.Module):
    """Linear layers with ReLU between them and log-softmax at the end; no hidden layer = logistic regression."""

    def __init__(
        self, in_dim: int = 784, out_dim: int = 10, hidden_dims: list[int] | None = None, use_bias: bool = True
    ):
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


def first_layer(model: MLP) -> nn.Linear:
    """main[0], the first Linear layer (in the linear model, the only one: its rows are the filters)."""
    layer = model.main[0]
    assert isinstance(layer, nn.Linear)
    return layer


loss_fn = F.nll_loss  # the course's loss, applied to log-probabilities (mean over the batch)
