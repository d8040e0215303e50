"""Section 3's comparison: the batched random trials equal the course's deep-copy loop; the gradient wins."""

from __future__ import annotations

import pickle
import textwrap
from types import SimpleNamespace

import pytest
import torch

from engine.contracts.base import SettingError
from engine.contracts.search import PANELS, CompareJob, Comparison
from engine.events import Done
from engine.jobs import RunEnv, run_job
from engine.model import loss_fn
from engine.sections.casestudy import course_models, partially_trained
from engine.sections.search import (
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
    assert tuple(p.panel for p in panels) == PANELS == ("Initialization", "Partially trained")
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


def test_the_job_runs_the_comparison_with_the_learners_file(subset, tmp_path):
    """A learner's gradient_update that forgets the step leaves J unchanged: both panels' gd_delta is 0."""
    learner = tmp_path / "exercises.py"
    learner.write_text(
        textwrap.dedent("""
        def gradient_update(loss, params, lr=1e-3):
            loss.backward()  # the slip: no parameter is moved
        """)
    )
    job = CompareJob(noise=1e-2, lr=1e-2, n=10, draw_seed=3, learner={"gradient_update": str(learner)})
    events = list(run_job(job, RunEnv(SimpleNamespace(subset=subset))))
    panels = [e for e in events if isinstance(e, Comparison)]
    assert [p.gd_delta for p in panels] == [0.0, 0.0]
    assert all(len(p.random_deltas) == 10 for p in panels)
    assert isinstance(events[-1], Done) and events[-1].reason == "completed"
    reference = list(run_job(CompareJob(n=10, draw_seed=3), RunEnv(SimpleNamespace(subset=subset))))
    assert [p.random_deltas for p in panels] == [e.random_deltas for e in reference if isinstance(e, Comparison)]
    assert all(e.gd_delta < 0 for e in reference if isinstance(e, Comparison))  # the reference does step


def test_jobs_and_events_cross_a_process_boundary():
    job = CompareJob(noise=0.1, lr=3e-3, n=250, draw_seed=4, learner={"gradient_update": "/tmp/x.py"})
    assert pickle.loads(pickle.dumps(job)) == job
    event = Comparison("Initialization", 2.47, (0.1, -0.2), -0.3, (-0.2, 0.1), (1,), 0.01, 0.01)
    assert pickle.loads(pickle.dumps(event)) == event and event.improved == 1 and event.best_random == -0.2


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"noise": 0.0}, "noise must be between 0.0001 and 1"),
        ({"lr": 2.0}, "learning rate must be between"),
        ({"n": 5}, "random directions must be between 10 and 1000"),
        ({"n": 50.5}, "whole number"),
        ({"draw_seed": -1}, "draw number"),
        ({"lr": float("nan")}, "must be a number"),
    ],
)
def test_the_job_refuses_values_outside_its_contract(settings, message):
    with pytest.raises(SettingError, match=message):
        CompareJob(**settings)
