"""Section 4 the course's straightforward way: loss_2d, run_optimizer and run_newton with torch autograd.

This is the reference the fast path (conditioning.py) is tested against, the plug-in path
for a learner's own update functions, and the baseline of benchmarks/bench_conditioning.py.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..model import MLP, first_layer, loss_fn
from ..seeding import SEED, set_seed
from ..updates import gradient_update

MASK_IDX = (0, 378)  # class 0's weight for pixel 378 (image row 13, column 14): the "weight" u
BIAS_ID = 7  # class 7's bias: the "bias" v
INITS = (2.5, 3.7)  # the demo's start (weight, bias)
GRID_L, GRID_N = 4.0, 30  # the surface: 30 x 30 points of linspace(-4, 4)
NEWTON_INIT, NEWTON_ITERS = (0.0, 0.0), 200


def course_model(seed: int = SEED, device: torch.device | str = "cpu") -> MLP:
    """set_seed(seed); MLP(784, 10, []): the first torch draw after the seed, as every section uses."""
    set_seed(seed)
    return MLP(784, 10, []).to(device)


def loss_2d(
    model: MLP,
    u: torch.Tensor,
    v: torch.Tensor,
    X: torch.Tensor,
    y: torch.Tensor,
    mask_idx: tuple[int, int] = MASK_IDX,
    bias_id: int = BIAS_ID,
) -> torch.Tensor:
    """The course's loss_2d: W[mask_idx] replaced by u, the class-7 logit's bias replaced by v.

    As in the course, column 7 is hard-coded and `bias_id` is unused.
    """
    layer = first_layer(model)
    weight, bias = layer.weight, layer.bias
    mask = torch.ones_like(weight)
    mask[mask_idx] = 0
    masked_weights = weight * mask
    masked_weights[mask_idx] = u
    logits = X.reshape(-1, 784) @ masked_weights.T + bias
    logits[:, 7] += v - bias[7]
    return loss_fn(F.log_softmax(logits, dim=1), y)


def course_surface(
    model: MLP, X: torch.Tensor, y: torch.Tensor, xs: Sequence[float] | np.ndarray | None = None
) -> np.ndarray:
    """Z[i, j] = loss_2d(deepcopy(model), U[i, j], V[i, j]) over meshgrid(xs, xs), one grid point at a time."""
    xs = np.linspace(-GRID_L, GRID_L, GRID_N) if xs is None else np.asarray(xs)
    U, V = np.meshgrid(xs, xs)
    Z = np.zeros(U.shape)
    for i in range(U.shape[0]):
        for j in range(U.shape[1]):
            with torch.no_grad():
                Z[i, j] = loss_2d(copy.deepcopy(model), torch.tensor(U[i, j]), torch.tensor(V[i, j]), X, y).item()
    return Z


def run_newton(
    func: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    init_list: Sequence[float] = NEWTON_INIT,
    max_iter: int = NEWTON_ITERS,
) -> np.ndarray:
    """The course's run_newton: max_iter steps of p <- p - H^-1 grad, Hessian by torch.autograd.functional.hessian."""
    par = torch.tensor(list(init_list), requires_grad=True)

    def t_g(p: torch.Tensor) -> torch.Tensor:
        return func(p[0], p[1])

    for _ in range(max_iter):
        grad = torch.autograd.grad(t_g(par), par)[0]
        hess = torch.autograd.functional.hessian(t_g, par)
        with torch.no_grad():
            par = par - torch.linalg.inv(hess) @ grad
        par.requires_grad_(True)
    return par.detach().cpu().numpy()


def takes_aux(update_fn: Callable) -> bool:
    """Whether update_fn wants auxiliary state: (loss, params, aux, ...) rather than (loss, params, ...).

    The course tests `update_fn is gradient_update`; counting required positional
    parameters also recognises a learner's own gradient_update.
    """
    if update_fn is gradient_update:
        return False
    try:
        params = inspect.signature(update_fn).parameters.values()
    except (TypeError, ValueError):
        return True
    required = [
        p
        for p in params
        if p.default is inspect.Parameter.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return len(required) >= 3


def run_optimizer(
    inits: Sequence[float],
    eval_fn: Callable[..., torch.Tensor],
    update_fn: Callable,
    max_steps: int = 500,
    optim_kwargs: dict | None = None,
    log_traj: bool = True,
    *,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
    stop: Callable[[int, np.ndarray], bool] | None = None,
) -> np.ndarray:
    """The course's run_optimizer: rows [params..., loss] recorded BEFORE each update, max_steps rows.

    Auxiliary tensors (velocity, squared-gradient average) start at zero. `stop(t, row)`,
    when given, ends the run after recording row t (used to stop a diverged run).
    """
    optim_kwargs = {"lr": 1e-2} if optim_kwargs is None else optim_kwargs
    params = [nn.Parameter(torch.tensor(float(v), dtype=dtype, device=device)) for v in inits]
    aux = [torch.zeros_like(p) for p in params]
    with_aux = takes_aux(update_fn)
    rows = []
    for t in range(max_steps):
        loss = eval_fn(*params)
        if log_traj:
            rows.append([p.item() for p in params] + [loss.item()])
            if stop is not None and stop(t, np.asarray(rows[-1])):
                break
        if with_aux:
            update_fn(loss, params, aux, **optim_kwargs)
        else:
            update_fn(loss, params, **optim_kwargs)
    return np.asarray(rows, dtype=float).reshape(-1, len(params) + 1)
