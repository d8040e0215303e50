"""The shared loss stream: time-batched flushes, one sync each, series cut at their first blow-up."""

from __future__ import annotations

import math

import torch

from engine.streaming import LossStream, first_nonfinite


def test_first_nonfinite():
    assert first_nonfinite([1.0, 2.0]) is None
    assert first_nonfinite([1.0, math.nan, math.inf]) == 1
    assert first_nonfinite([]) is None


def test_flushes_when_due_and_keeps_every_value_in_order():
    now = [0.0]
    stream = LossStream(2, seconds=1.0, clock=lambda: now[0])
    got: dict[int, list[float]] = {0: [], 1: []}
    for step in range(10):
        stream.add(torch.tensor([step, 10.0 * step]))
        now[0] += 0.3
        if stream.due():
            for c in stream.flush():
                assert c.start == len(got[c.series])
                got[c.series] += c.values
    for c in stream.flush():
        got[c.series] += c.values
    assert got == {0: [float(s) for s in range(10)], 1: [10.0 * s for s in range(10)]}
    assert stream.steps == 10


def test_a_series_stops_at_its_first_non_finite_value_and_the_others_go_on():
    stream = LossStream(2, max_pending=3)
    for row in ([1.0, 1.0], [2.0, math.nan], [3.0, 5.0]):
        stream.add(torch.tensor(row))
    assert stream.due()
    a, b = stream.flush()
    assert (a.values, a.diverged_at) == ((1.0, 2.0, 3.0), None)
    assert (b.values, b.diverged_at) == ((1.0,), 1)
    stream.add(torch.tensor([4.0, 6.0]))
    assert [c.series for c in stream.flush()] == [0]  # the dead series sends nothing more


def test_include_bad_keeps_the_jump_on_the_curve():
    stream = LossStream(1, include_bad=True)
    for v in (1.0, math.inf, 2.0):
        stream.add(torch.tensor(v))
    (c,) = stream.flush()
    assert c.values == (1.0, math.inf) and c.diverged_at == 1
