"""Scoring a model on a whole data set: exact mean loss and accuracy, vectorised, without gradients."""

from __future__ import annotations

from collections.abc import Callable

import torch

from .contracts.bonus import EVAL_BATCH  # the Bonus's estimate counts the memory of one chunk
from .model import loss_fn


class EvaluationSkipped(Exception):
    """The caller asked to stop scoring (the learner skipped the evaluation)."""


@torch.no_grad()
def evaluate(
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    idx: torch.Tensor | None = None,
    batch_size: int = EVAL_BATCH,
    skip: Callable[[], bool] | None = None,
) -> tuple[float, float]:
    """Mean NLL loss and accuracy (0..1) over all N examples (or over x[idx], y[idx]).

    loss = (1/N) sum_i -log p(y_i | x_i),  acc = (1/N) sum_i [argmax_k p(k | x_i) = y_i].
    These are exact data-set means; the course's eval_model instead averages per-batch means,
    so its smaller last batch weighs as much as a full one (a difference in the third decimal).
    `skip()` is asked before each chunk; when it says so, EvaluationSkipped is raised.
    """
    was_training = model.training
    model.eval()
    total_loss = torch.zeros((), dtype=torch.float64, device=x.device)
    correct = torch.zeros((), dtype=torch.int64, device=x.device)
    n = len(y) if idx is None else len(idx)
    for start in range(0, n, batch_size):
        if skip is not None and skip():
            model.train(was_training)
            raise EvaluationSkipped
        if idx is None:
            xb, yb = x[start : start + batch_size], y[start : start + batch_size]
        else:  # gather a chunk at a time: no copy of the whole split
            chunk = idx[start : start + batch_size]
            xb, yb = x[chunk], y[chunk]
        logp = model(xb)
        total_loss += loss_fn(logp, yb, reduction="sum").double()
        correct += (logp.argmax(dim=1) == yb).sum()
    model.train(was_training)
    n = max(n, 1)
    return float(total_loss) / n, int(correct) / n  # one host sync at the end
