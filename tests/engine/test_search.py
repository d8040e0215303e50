"""Section 3's comparison: the batched random trials equal the course's deep-copy loop; the gradient wins."""

from __future__ import annotations

import pytest
import torch

from engine.events import Done
from engine.model import loss_fn
from engine.sections.casestudy import course_models, partially_trained
from engine.sections.search import (
    Comparison,
    batched_losses,
    compare,
    compare_events,
    gd_delta,
    histogram,
    random_deltas_batched,
    random_deltas_reference,
)
from engine.updates import gradient_update


def test_batched_losses_equal_per_model_losses(subset):
    X, y = subset
    model, _ = course_models()
    W = torch.randn(3, 10, 784) * 0.03
    b = torch.randn(3, 10) * 0.03
    got = batched_losses(W, b, X, y)
    for i in range(3):
        with torch.no_grad():
            model.main[0].weight.copy_(W[i])
            model.main[0].bias.copy_(b[i])
            assert got[i].item() == pytest.approx(loss_fn(model(X), y).item(), abs=1e-5)


@pytest.mark.parametrize("which", [0, 1])
def test_batched_path_equals_course_path_for_a_fixed_seed(subset, which):
    X, y = subset
    model = course_models()[0] if which == 0 else partially_trained(X, y)
    torch.manual_seed(7)
    reference = random_deltas_reference(model, X, y, n=30, noise=1e-2)
    generator = torch.Generator().manual_seed(7)
    batched = torch.cat(list(random_deltas_batched(model, X, y, n=30, noise=1e-2, generator=generator, chunk=8)))
    assert batched.tolist() == pytest.approx(reference, abs=2e-6)


def test_gd_delta_is_one_gradient_update(subset):
    X, y = subset
    model, _ = course_models()
    delta = gd_delta(model, X, y, lr=1e-2)
    before = loss_fn(model(X), y)
    gradient_update(before, list(model.parameters()), lr=1e-2)
    with torch.no_grad():
        assert delta == pytest.approx(loss_fn(model(X), y).item() - before.item(), abs=1e-6)


def test_gradient_step_beats_every_random_direction_at_init(subset):
    X, y = subset
    model, _ = course_models()
    c = compare(model, X, y, "Initialization", generator=torch.Generator().manual_seed(0))
    assert len(c.random_deltas) == 100
    assert c.gd_delta < 0 and c.gd_delta < c.best_random


def test_histogram_has_20_bins_over_the_range():
    edges, counts = histogram([0.0, 1.0, 0.5, 0.25])
    assert len(edges) == 21 and len(counts) == 20 and sum(counts) == 4
    assert edges[0] == 0.0 and edges[-1] == 1.0


def test_compare_events_give_both_panels(subset):
    X, y = subset
    events = list(compare_events(X, y, n=20, draw_seed=1))
    panels = [e for e in events if isinstance(e, Comparison)]
    assert [p.panel for p in panels] == ["Initialization", "Partially trained"]
    init, trained = panels
    assert trained.base_loss < init.base_loss  # the trained model is closer to the optimum
    assert abs(trained.gd_delta) < abs(init.gd_delta)  # and so gains less from a step
    assert sum(init.counts) == 20 and init.improved == sum(d < 0 for d in init.random_deltas)
    assert isinstance(events[-1], Done)


def test_a_plugged_in_gradient_update_is_used(subset):
    X, y = subset
    calls = []

    def mine(loss, params, lr=1e-3):
        calls.append(lr)
        gradient_update(loss, params, lr)

    list(compare_events(X, y, n=5, lr=3e-2, gradient_update=mine))
    assert calls == [3e-2, 3e-2]
