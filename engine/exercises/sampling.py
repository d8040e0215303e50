"""Further checks of sample_minibatch: sizes, pairing, sampling with replacement, uniformity, no side effects.

The data is labelled so that every check can see which example was picked: example i has
input values all equal to i and target i.
"""

from __future__ import annotations

import numpy as np
import torch

from .calling import LearnerError, call
from .report import CheckItem


def labelled(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """n examples of shape (3, 2) filled with their index, and targets equal to the index."""
    x = torch.arange(n, dtype=torch.float32).view(n, 1, 1).expand(n, 3, 2).clone()
    return x, torch.arange(n)


def _picked(batch) -> tuple[torch.Tensor, torch.Tensor] | None:
    """The example indices of the inputs and of the targets, or None if the batch is not two tensors."""
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        return None
    xb, yb = batch
    if not isinstance(xb, torch.Tensor) or not isinstance(yb, torch.Tensor):
        return None
    return xb, yb


class SamplingChecks:
    def __init__(self, fn, filename: str | None = None):
        self.fn, self.filename = fn, filename
        np.random.seed(0)  # their code most likely uses NumPy's global generator: results are reproducible
        torch.manual_seed(0)

    def draw(self, n: int, k: int):
        x, y = labelled(n)
        return call(self.fn, x, y, k, filename=self.filename)

    def returns_pair(self) -> CheckItem:
        name = "returns (inputs, targets) as tensors"
        batch = self.draw(10, 4)
        if _picked(batch) is None:
            got = (
                type(batch).__name__
                if not isinstance(batch, (tuple, list))
                else f"{type(batch).__name__} of {len(batch)}: " + ", ".join(type(b).__name__ for b in batch)
            )
            return CheckItem(
                name,
                False,
                f"It returned {got}; return the pair (batch_inputs, batch_targets), "
                "both tensors (index the given tensors, do not convert them).",
            )
        return CheckItem(name, True)

    def sizes(self) -> CheckItem:
        name = "returns num_points examples"
        for n, k in ((50, 7), (50, 37), (20, 1)):
            picked = _picked(self.draw(n, k))
            if picked is None:
                return CheckItem(name, None, "Not checked: the result is not a pair of tensors.")
            xb, yb = picked
            if tuple(xb.shape) != (k, 3, 2) or tuple(yb.shape) != (k,):
                return CheckItem(
                    name,
                    False,
                    f"Asked for {k} of {n} examples of shape (3, 2), it returned "
                    f"inputs {tuple(xb.shape)} and targets {tuple(yb.shape)}; expected ({k}, 3, 2) "
                    f"and ({k},).",
                )
        return CheckItem(name, True)

    def pairing(self) -> CheckItem:
        name = "keeps each input with its own target"
        for _ in range(5):
            picked = _picked(self.draw(50, 20))
            if picked is None or picked[0].shape[:1] != picked[1].shape[:1] or picked[0].dim() != 3:
                return CheckItem(name, None, "Not checked: the batch has the wrong form.")
            xb, yb = picked
            rows_ok = bool((xb == xb[:, :1, :1]).all()) and bool(((xb >= 0) & (xb < 50) & (xb == xb.round())).all())
            if not rows_ok:
                return CheckItem(
                    name,
                    False,
                    "The batch holds inputs that are not examples of the data: select whole rows, input_data[indices].",
                )
            if not torch.equal(xb[:, 0, 0].long(), yb.long()):
                return CheckItem(
                    name,
                    False,
                    "Inputs and targets do not match: the i-th input of the batch must "
                    "come with the i-th target. Use the same indices for both.",
                )
        return CheckItem(name, True)

    def with_replacement(self) -> CheckItem:
        name = "samples with replacement"
        try:
            picked = _picked(self.draw(20, 50))
        except LearnerError as exc:
            return CheckItem(
                name,
                False,
                f"Asking for 50 points from 20 examples failed ({exc.summary}): "
                "sample with replacement, as np.random.choice(N, num_points) does.",
            )
        if picked is None or len(picked[1]) != 50:
            return CheckItem(
                name,
                False,
                "Asking for 50 points from 20 examples did not return 50: sample with "
                "replacement, as np.random.choice(N, num_points) does.",
            )
        repeats = 0
        for _ in range(100):  # 10 of 10 with replacement repeats an example with probability 0.9996
            picked = _picked(self.draw(10, 10))
            if picked is not None and len(set(picked[1].tolist())) < len(picked[1]):
                repeats += 1
        if repeats < 50:
            return CheckItem(
                name,
                False,
                f"Only {repeats} of 100 batches of 10 from 10 examples repeated an "
                "example (with replacement, nearly all do): draw indices with replacement.",
            )
        return CheckItem(name, True)

    def uniform(self) -> CheckItem:
        name = "draws every example equally often, at random"
        n, k, batches = 20, 10, 1000  # k < n: a sampler without replacement is reported above, not here
        counts = np.zeros(n)
        seen = set()
        for _ in range(batches):
            picked = _picked(self.draw(n, k))
            if picked is None:
                return CheckItem(name, None, "Not checked: the result is not a pair of tensors.")
            idx = picked[1].long().tolist()
            seen.add(tuple(idx))
            counts += np.bincount(np.clip(idx, 0, n - 1), minlength=n)[:n]
        if len(seen) == 1:
            return CheckItem(name, False, "Every call returned the same batch: draw new random indices each time.")
        never = int((counts == 0).sum())
        if never:
            return CheckItem(
                name,
                False,
                f"{never} of {n} examples were never drawn in {batches} batches: draw "
                "indices uniformly from all N examples (np.random.choice(len(input_data), num_points)).",
            )
        expected = batches * k / n
        chi2 = float(((counts - expected) ** 2 / expected).sum())
        if chi2 > 70:  # 19 degrees of freedom: a uniform sampler exceeds 70 with probability below 1e-7
            return CheckItem(
                name,
                False,
                f"Some examples were drawn far more often than others (from "
                f"{int(counts.min())} to {int(counts.max())} times, {expected:.0f} expected): "
                "draw indices uniformly.",
            )
        return CheckItem(name, True)

    def data_unchanged(self) -> CheckItem:
        name = "leaves the data unchanged"
        x, y = labelled(30)
        x0, y0 = x.clone(), y.clone()
        call(self.fn, x, y, 10, filename=self.filename)
        if not (torch.equal(x, x0) and torch.equal(y, y0)):
            return CheckItem(name, False, "The data passed in was changed: select from it, do not modify it.")
        return CheckItem(name, True)

    def items(self) -> list[CheckItem]:
        first = self.returns_pair()
        if not first.ok:
            return [first]
        return [first, self.sizes(), self.pairing(), self.with_replacement(), self.uniform(), self.data_unchanged()]
