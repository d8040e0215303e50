"""Section 5's overparameterization demo: parameter counts, batched training equal to the course's loop."""

from __future__ import annotations

import pickle
import textwrap
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from engine.contracts.base import SettingError
from engine.contracts.nonconvex import (
    PRESETS,
    LossRows,
    OverparamJob,
    OverparamStart,
    check_hidden,
    parse_hidden_sizes,
)
from engine.events import Diverged, Done, Progress
from engine.hidden import HiddenSizesError
from engine.jobs import RunEnv, run_job
from engine.model import count_params, loss_fn, parse_hidden
from engine.sections.nonconvex import (
    batched_losses,
    curves,
    losses_and_grads,
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


@pytest.mark.parametrize("hidden", [[10], [20, 20], [30, 20, 10]])
def test_written_out_gradients_equal_autograds(subset, hidden):
    """The closed-form backward of losses_and_grads against autograd through batched_losses (float64)."""
    x, y = subset
    x = x[:200].double()
    params = [p.double().detach().requires_grad_(True) for p in stack_params(perturbed_copies(hidden, 4, seed=2))]
    want_losses = batched_losses(params, x, y[:200])
    want = torch.autograd.grad(want_losses.sum(), params)
    losses, grads = losses_and_grads([p.detach() for p in params], x, y[:200])
    torch.testing.assert_close(losses, want_losses.detach(), rtol=1e-12, atol=1e-12)
    for got, expected in zip(grads, want):
        assert got.shape == expected.shape
        torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-12)


def test_a_copy_that_is_not_alive_or_not_finite_gets_no_gradient(subset):
    x, y = subset
    params = [p.detach() for p in stack_params(perturbed_copies([10], 3, seed=0))]
    params[0][2].fill_(float("nan"))  # copy 3's first layer: its loss is NaN
    losses, grads = losses_and_grads(params, x, y, alive=torch.tensor([True, False, True]))
    assert torch.isnan(losses[2]) and torch.isfinite(losses[:2]).all()
    assert all(g[1].abs().sum() == 0 for g in grads)  # copy 2, finite but not alive
    assert all(torch.isfinite(g[0]).all() and g[0].abs().sum() > 0 for g in grads)  # copy 1 trains on


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


def test_typed_hidden_sizes_follow_engine_hidden_and_need_a_layer():
    assert [parse_hidden_sizes(p) for p in PRESETS] == [(10,), (20, 20), (100, 100)]
    assert parse_hidden_sizes(" 100,100 ") == (100, 100)
    for bad, words in [
        ("abc", "'abc' is not a whole number"),
        ("10,,3", "empty size"),
        ("0", "at least 1 unit"),
        ("5000", "at most 4,096"),
        ("1,1,1,1,1,1,1,1,1", "too deep"),
        ("", "at least one hidden layer"),
        ("none", "at least one hidden layer"),
    ]:
        with pytest.raises(HiddenSizesError, match=words):
            parse_hidden_sizes(bad)
    assert parse_hidden_sizes("", linear_ok=True) == ()
    assert check_hidden([20, 20]) == (20, 20)
    for bad in ([10, 2.5], [True], "10", [0]):
        with pytest.raises(HiddenSizesError):
            check_hidden(bad)


def test_the_job_crosses_a_process_boundary_and_refuses_what_the_demo_cannot_run():
    job = OverparamJob([20, 20], 100, 0.1, 6, seed=3, learner={"gradient_update": "/tmp/x.py"})
    assert job.hidden == (20, 20) and pickle.loads(pickle.dumps(job)) == job
    for settings, words in [
        (dict(hidden=()), "at least one hidden layer"),
        (dict(steps=20), "between 50 and 500"),
        (dict(lr=float("nan")), "must be a number"),
        (dict(lr=2.0), "between 0.001 and 1"),
        (dict(inits=11), "between 5 and 10"),
        (dict(inits=6.5), "whole number"),
        (dict(seed=-1), "seed"),
    ]:
        with pytest.raises((SettingError, HiddenSizesError), match=words):
            OverparamJob(**settings)
    assert OverparamJob() == OverparamJob((10,), 150, 0.05, 7)  # the course's defaults


def test_the_job_runs_the_demo_and_the_learners_update_from_their_file(subset, tmp_path):
    env = RunEnv(SimpleNamespace(subset=subset))
    ours = curves(run_job(OverparamJob((10,), 50, 0.05, 5, seed=4), env), 5, 50)
    assert np.array_equal(ours, curves(overparam_events(*subset, (10,), 50, 0.05, 5, seed=4), 5, 50))
    learner = tmp_path / "exercises.py"
    learner.write_text(
        textwrap.dedent("""
            import torch

            def gradient_update(loss, params, lr=1e-3):
                for par in params:
                    if par.grad is not None:
                        par.grad.zero_()
                loss.backward()
                with torch.no_grad():
                    for par in params:
                        par += lr * par.grad  # the sign slip: uphill
        """)
    )
    job = OverparamJob((10,), 50, 0.05, 5, seed=4, learner={"gradient_update": str(learner)})
    theirs = curves(run_job(job, env), 5, 50)
    assert (theirs[:, 0] == pytest.approx(ours[:, 0], rel=1e-5)) and (theirs[:, -1] > theirs[:, 0]).all()


def test_drawing_the_copies_leaves_the_global_generator_alone():
    before = torch.random.get_rng_state()
    a = perturbed_copies([10], 2, seed=5)
    assert torch.equal(torch.random.get_rng_state(), before)
    b = perturbed_copies([10], 2, seed=5)
    assert all(torch.equal(p, q) for p, q in zip(a[1].parameters(), b[1].parameters()))
    c, d = perturbed_copies([10], 1), perturbed_copies([10], 1)  # unseeded: a fresh draw each run
    assert not torch.equal(next(c[0].parameters()), next(d[0].parameters()))
