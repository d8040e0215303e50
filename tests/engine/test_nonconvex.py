"""Section 5's overparameterization demo: parameter counts, batched training equal to the course's loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.events import Diverged, Done, Progress
from engine.model import count_params, loss_fn, parse_hidden
from engine.sections.nonconvex import (
    LossRows,
    OverparamStart,
    batched_losses,
    curves,
    overparam_events,
    perturbed_copies,
    stack_params,
)
from engine.updates import gradient_update


@pytest.mark.parametrize("text, count", [("10", 7_960), ("20, 20", 16_330), ("100, 100", 89_610)])
def test_parameter_counts_of_the_course_options(text, count):
    hidden = parse_hidden(text)
    assert count_params(784, 10, hidden) == count
    start = next(overparam_events(torch.zeros(1, 28, 28), torch.zeros(1, dtype=torch.long), hidden, 1, 0.1, 5))
    assert isinstance(start, OverparamStart) and start.num_params == count


def test_copies_are_perturbed_by_noise_of_scale_0_2():
    a, b = perturbed_copies([10], 2, seed=3)
    diffs = torch.cat([(p - q).flatten() for p, q in zip(a.parameters(), b.parameters())])
    # The difference of two independent N(0, 0.2²) perturbations has standard deviation 0.2·√2.
    assert diffs.std().item() == pytest.approx(0.2 * 2**0.5, rel=0.05)


def test_batched_losses_match_each_model(subset):
    x, y = subset
    models = perturbed_copies([20, 20], 3, seed=1)
    got = batched_losses(stack_params(models), x, y)
    want = torch.stack([loss_fn(m(x), y) for m in models])
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("hidden", [[10], [20, 20]])
def test_batched_inits_give_the_same_curves_as_the_course_loop(subset, hidden):
    x, y = subset
    steps, n = 25, 5
    batched = curves(overparam_events(x, y, hidden, steps, 0.05, n, seed=7), n, steps)
    # Any update rule other than the reference object takes the course's sequential path.
    course = curves(
        overparam_events(
            x, y, hidden, steps, 0.05, n, seed=7, gradient_update=lambda loss, p, lr: gradient_update(loss, p, lr)
        ),
        n,
        steps,
    )
    assert np.isfinite(batched).all()
    np.testing.assert_allclose(batched, course, rtol=1e-4, atol=1e-4)
    assert (batched[:, -1] < batched[:, 0]).all()  # every copy learned something


def test_events_are_chunked_and_end_with_done(subset):
    x, y = subset
    events = list(overparam_events(x, y, [10], 30, 0.05, 5, seed=0))
    rows = [e for e in events if isinstance(e, LossRows)]
    assert max(len(r.losses) for r in rows) <= 10 and len({r.start for r in rows}) >= 3
    assert isinstance(events[-1], Done) and events[-1].reason == "completed"
    assert any(isinstance(e, Progress) and e.done == 30 for e in events)


def test_a_diverging_copy_is_reported_and_the_others_continue(subset):
    x, y = subset
    models = perturbed_copies([10], 3, seed=0)
    with torch.no_grad():
        models[1].main[0].weight.fill_(float("nan"))
    from engine.sections.nonconvex import train_batched

    events = list(train_batched(models, x, y, 12, 0.05))
    assert [e.label for e in events if isinstance(e, Diverged)] == ["init 2"]
    assert next(e for e in events if isinstance(e, Diverged)).iteration == 0
    rows = [e for e in events if isinstance(e, LossRows)]
    assert sum(len(r.losses) for r in rows if r.init == 1) == 1
    assert sum(len(r.losses) for r in rows if r.init == 0) == 12
    assert all(np.isfinite(r.losses).all() for r in rows if r.init != 1)
