"""The one smoothing of loss curves: a debiased exponential moving average, value by value or over a series."""

from __future__ import annotations

import math
from collections.abc import Sequence


class Ema:
    """Debiased EMA (TensorBoard's smoothing) fed one value at a time; weight 0 = no smoothing.

    Non-finite values pass through unchanged and do not enter the average, so a curve with a
    gap or a blow-up keeps smoothing the finite values around it.
    """

    def __init__(self, weight: float) -> None:
        self.weight, self.last, self.n = weight, 0.0, 0

    def __call__(self, v: float) -> float:
        if not math.isfinite(v):
            return v
        self.n += 1
        self.last = self.last * self.weight + (1 - self.weight) * v
        # Dividing by 1 - weight^n undoes the pull towards the average's starting 0.
        return self.last / (1 - self.weight**self.n) if self.weight > 0 else v


def ema(values: Sequence[float], weight: float) -> list[float]:
    """The smoothed series: Ema applied to every value in order (the same numbers, by construction)."""
    smooth = Ema(weight)
    return [smooth(v) for v in values]
