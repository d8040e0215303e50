"""Section 2's numbers: normalisation, parameter counts, print(model), loss at init, the filters' training."""

from __future__ import annotations

import math
import pickle
from types import SimpleNamespace

import pytest
import torch

from engine.contracts.base import SettingError
from engine.contracts.casestudy import (
    LN10,
    DataInfo,
    DataJob,
    Example,
    FiltersJob,
    FilterWeights,
    InitLoss,
    ModelJob,
    ModelSummary,
    TrainStep,
)
from engine.events import Diverged, Done, Failed
from engine.jobs import RunEnv, run_job
from engine.model import MLP, count_params, loss_fn
from engine.sections.casestudy import (
    adam_steps,
    course_models,
    data_events,
    describe_model,
    filter_events,
    first_layer,
    initial_loss,
    model_events,
    partially_trained,
)
from engine.seeding import set_seed


def test_normalisation_constants_and_background(mnist, subset):
    X, y = subset
    info, ex = list(data_events(mnist.mean, mnist.std, X, y, 0))
    assert isinstance(info, DataInfo) and info.size == 500
    assert info.mean == pytest.approx(33.318, abs=1e-3) and info.std == pytest.approx(78.567, abs=1e-3)
    assert info.background == pytest.approx(-0.4241, abs=1e-3)
    assert info.full_ink == pytest.approx(2.8215, abs=1e-3)
    assert isinstance(ex, Example) and ex.label == int(y[0])
    assert len(ex.pixels) == 28 and all(len(r) == 28 for r in ex.pixels)
    assert ex.pixels[0][0] == pytest.approx(info.background, abs=1e-5)  # a blank corner


def test_example_out_of_range_is_a_message(mnist, subset):
    X, y = subset
    events = list(data_events(mnist.mean, mnist.std, X, y, 500))
    assert isinstance(events[-1], Failed) and "1 to 500" in events[-1].message


@pytest.mark.parametrize("hidden, total", [([], 7850), ([200, 100, 50], 182_660), ([10], 7960), ([20, 20], 16_330)])
def test_parameter_counts(hidden, total):
    summary = describe_model(hidden)
    real = MLP(784, 10, hidden)
    assert summary.total == total == count_params(784, 10, hidden) == sum(p.numel() for p in real.parameters())
    assert [(r.fan_in, r.fan_out) for r in summary.layers] == [
        tuple(m.weight.shape[::-1]) for m in real.main if isinstance(m, torch.nn.Linear)
    ]
    assert summary.text == repr(real)  # exactly the course's print(model)


def test_layer_rows_name_the_linear_layers():
    rows = describe_model([200, 100, 50]).layers
    assert [r.name for r in rows] == ["main.0", "main.2", "main.4", "main.6"]
    assert (rows[0].weights, rows[0].biases, rows[0].total) == (156_800, 200, 157_000)


@pytest.mark.parametrize(
    "text, reason",
    [
        ("abc", "'abc' is not a whole number"),
        ("0", "at least 1 unit"),
        ("-5", "at least 1 unit"),
        ("10000", "too wide; at most 4,096"),
        ("10, , 5", "empty size between commas"),
        ("1, 1, 1, 1, 1, 1, 1, 1, 1", "too deep; at most 8"),
    ],
)
def test_bad_hidden_sizes_are_refused_before_anything_runs(text, reason):
    with pytest.raises(SettingError, match=reason):
        ModelJob.parse(text)


def test_the_model_job_takes_engine_hidden_rules_and_a_list_of_sizes():
    assert ModelJob.parse(" 200, 100;50 ") == ModelJob((200, 100, 50)) == ModelJob([200, 100, 50])  # type: ignore[arg-type]
    assert ModelJob.parse("").hidden == ModelJob.parse("none").hidden == ()
    for bad in [(0,), (5000,), (True,), (10.0,), ("10",)]:
        with pytest.raises(SettingError):
            ModelJob(bad)  # type: ignore[arg-type]


def test_loss_at_init_is_near_ln10(subset):
    X, y = subset
    loss = initial_loss(X, y)
    assert abs(loss - LN10) < 0.2  # the seeded draw gives 2.4708
    assert loss == pytest.approx(2.4708, abs=1e-3)
    events = list(model_events((), X, y))
    assert isinstance(events[0], ModelSummary) and events[0].total == 7850
    assert isinstance(events[-1], InitLoss) and events[-1].loss == pytest.approx(loss)


def test_course_models_are_the_first_and_second_draws():
    first, second = course_models(2021)
    set_seed(2021)
    a, b = MLP(784, 10, []), MLP(784, 10, [])
    assert torch.equal(first.main[0].weight, a.main[0].weight)
    assert torch.equal(second.main[0].weight, b.main[0].weight)
    assert first.main[0].weight[0, 0].item() == pytest.approx(-0.0264, abs=5e-5)  # the course's printout


def test_adam_steps_match_torch_adam_loop(subset):
    X, y = subset
    _, model = course_models()
    ours = [loss.item() for _, loss in adam_steps(model, X, y, steps=5)]
    _, ref = course_models()
    opt = torch.optim.Adam(ref.parameters(), lr=7e-4)
    expected = []
    for _ in range(5):
        loss = loss_fn(ref(X), y)
        expected.append(loss.item())
        opt.zero_grad()
        loss.backward()
        opt.step()
    expected.append(loss_fn(ref(X), y).item())
    assert ours == pytest.approx(expected, rel=1e-6)


def test_course_recipe_lowers_the_loss(subset):
    """The course says the final loss "should be below 1e-2"; its own 200 steps reach about 0.099."""
    X, y = subset
    model = partially_trained(X, y)
    with torch.no_grad():
        final = loss_fn(model(X), y).item()
    assert final == pytest.approx(0.099, abs=0.01)
    assert final < 0.1 * math.log(10)


def test_filter_events_stream_losses_and_filters(subset):
    X, y = subset
    events = list(filter_events(X, y, steps=10))
    losses = [e for e in events if isinstance(e, TrainStep)]
    assert [e.step for e in losses] == list(range(11))
    assert losses[-1].loss < losses[0].loss
    filters = [e for e in events if isinstance(e, FilterWeights)]
    assert filters[0].step == 0 and filters[-1].step == 10
    assert len(filters[-1].weights) == 10 and all(len(w) == 784 for w in filters[-1].weights)
    assert isinstance(events[-1], Done) and events[-1].reason == "completed"


def test_the_filters_job_streams_the_same_losses_as_the_course_loop(subset):
    X, y = subset
    events = list(run_job(FiltersJob(seed=7, steps=30), RunEnv(SimpleNamespace(subset=subset))))
    _, model = course_models(7)
    expected = [loss.item() for _, loss in adam_steps(model, X, y, steps=30)]
    assert [e.loss for e in events if isinstance(e, TrainStep)] == expected
    assert [e.step for e in events if isinstance(e, TrainStep)] == list(range(31))
    last = [e for e in events if isinstance(e, FilterWeights)][-1]
    assert last.step == 30 and last.weights[3][:4] == tuple(first_layer(model).weight[3, :4].tolist())
    assert isinstance(events[-1], Done) and events[-1].reason == "completed"


def test_a_non_finite_loss_ends_the_filters_run_as_diverged(subset):
    X, y = subset
    X = X.clone()
    X[17, 0, 5] = float("nan")  # one bad pixel: the full-batch loss is NaN from the first step
    events = list(filter_events(X, y, steps=20))
    assert not [e for e in events if isinstance(e, TrainStep)]  # the non-finite loss is not drawn
    assert events[-2:] == [Diverged(0, "filters"), Done("diverged", events[-1].seconds)]


@pytest.mark.parametrize("settings", [{"seed": -1}, {"seed": 10_000}, {"steps": 5}, {"steps": 1001}, {"steps": 20.5}])
def test_the_filters_job_refuses_settings_outside_its_steppers(settings):
    with pytest.raises(SettingError):
        FiltersJob(**settings)


def test_course_models_leave_the_global_generator_as_they_found_it():
    """The engine runs jobs in threads: seeding the course's draws must not reseed anyone else's."""
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    course_models(2021)
    assert torch.equal(torch.rand(3), expected)


def test_the_data_and_model_jobs_run_on_the_engine_context(mnist, subset):
    env = RunEnv(SimpleNamespace(mnist=mnist, subset=subset))
    info, ex, done = run_job(DataJob(example=500), env)
    assert isinstance(info, DataInfo) and isinstance(ex, Example) and isinstance(done, Done)
    assert ex.index == 499 and ex.label == int(subset[1][499])
    events = list(run_job(ModelJob((10,)), env))
    assert isinstance(events[0], ModelSummary) and events[0].total == 7960
    assert isinstance(events[-2], InitLoss) and events[-2].hidden == (10,) and isinstance(events[-1], Done)


def test_jobs_and_events_cross_a_process_boundary(subset):
    for job in (DataJob(7), ModelJob((200, 100, 50)), FiltersJob(3, 400)):
        assert pickle.loads(pickle.dumps(job)) == job
    summary = describe_model([20, 20])
    assert pickle.loads(pickle.dumps(summary)) == summary
    X, y = subset
    example = list(data_events(33.3, 78.6, X, y, 3))[1]
    assert pickle.loads(pickle.dumps(example)) == example


@pytest.mark.parametrize("example", [0, 501, 2.5])
def test_the_data_job_refuses_examples_outside_the_subset(example):
    with pytest.raises(SettingError, match="example must"):
        DataJob(example)
