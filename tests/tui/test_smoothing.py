"""The one smoothing of loss curves: closed forms, gaps, and the incremental form giving the whole-series numbers."""

from __future__ import annotations

import math
import random

import pytest

from tui.charts.smoothing import Ema, ema


def test_debiasing_keeps_a_constant_curve_and_weighs_two_values_by_hand():
    assert ema([2.5] * 20, 0.9) == pytest.approx([2.5] * 20, rel=1e-12)  # no pull towards the initial 0
    w, a, b = 0.9, 3.0, 1.0
    # second value: (w(1-w)a + (1-w)b) / (1 - w^2) = (w a + b) / (1 + w)
    assert ema([a, b], w) == pytest.approx([a, (w * a + b) / (1 + w)], rel=1e-12)
    assert ema([4.0, 1.0, 7.0], 0.0) == [4.0, 1.0, 7.0]  # weight 0: no smoothing


def test_non_finite_values_pass_through_and_stay_out_of_the_average():
    got = ema([1.0, math.nan, 3.0, math.inf], 0.5)
    assert got[0] == 1.0 and math.isnan(got[1]) and got[3] == math.inf
    assert got[2] == pytest.approx(ema([1.0, 3.0], 0.5)[1], rel=1e-12)


@pytest.mark.parametrize("weight", [0.0, 0.6, 0.9, 0.99])
def test_fed_in_pieces_the_incremental_form_gives_the_whole_series_numbers(weight):
    rng = random.Random(7)
    values = [rng.uniform(0.0, 3.0) if rng.random() > 0.05 else math.nan for _ in range(500)]
    whole = ema(values, weight)
    live, fed, i = Ema(weight), [], 0
    while i < len(values):  # as a live run receives them: chunks of uneven length
        n = rng.randint(1, 40)
        fed += [live(v) for v in values[i : i + n]]
        i += n
    assert len(fed) == len(whole)
    for got, want in zip(fed, whole):
        assert got == want or (math.isnan(got) and math.isnan(want))  # the same numbers, not just close
