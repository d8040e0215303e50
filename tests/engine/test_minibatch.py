"""Section 6: cost of forward/backward passes, list parsing, the target rule, and the budgeted minibatch runs."""

from __future__ import annotations

import math
import pickle
from types import SimpleNamespace

import pytest
import torch

from engine.contracts.base import SettingError
from engine.contracts.minibatch import (
    BUDGETS,
    COST_CHOICES,
    DEFAULT_BATCH_SIZES,
    DEFAULT_LRS,
    BatchEnd,
    BatchStart,
    CostJob,
    CostPoint,
    CostStart,
    ListError,
    LossPoints,
    MinibatchJob,
    cost_hidden,
    parse_batch_sizes,
    parse_lrs,
    target_met,
)
from engine.events import Diverged, Done
from engine.jobs import RunEnv, run_job
from engine.model import MLP, count_params, parse_hidden
from engine.sections.costs import cost_events, measure_update_time
from engine.sections.minibatch import minibatch_events
from engine.updates import sample_minibatch


@pytest.mark.parametrize("text, count", [("1", 805), ("100", 79_510), ("50, 50", 42_310)])
def test_parameter_counts_of_the_cost_options(text, count):
    assert text in COST_CHOICES
    assert count_params(784, 10, parse_hidden(text)) == count_params(784, 10, list(cost_hidden(text))) == count


def test_timings_are_positive_and_grow_with_the_number_of_examples(mnist):
    model = MLP(784, 10, [100])
    measure_update_time(model, mnist.train_x[:20000], mnist.train_y[:20000])  # warm up
    small = [measure_update_time(model, mnist.train_x[:1], mnist.train_y[:1]) for _ in range(5)]
    large = [measure_update_time(model, mnist.train_x[:20000], mnist.train_y[:20000]) for _ in range(3)]
    assert all(f > 0 and b > 0 for f, b in small + large)
    # Minimums are robust to a busy machine: a stray slow run cannot make the large size look cheap.
    assert min(f for f, _ in large) > min(f for f, _ in small)
    assert min(b for _, b in large) > min(b for _, b in small)


def test_backward_timing_leaves_the_model_unchanged(mnist):
    model = MLP(784, 10, [5])
    before = [p.clone() for p in model.parameters()]
    measure_update_time(model, mnist.train_x[:50], mnist.train_y[:50])
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_cost_events_give_one_point_per_size(mnist):
    events = list(cost_events(mnist.train_x, mnist.train_y, [1], sizes=(1, 10, 100), repeats=2, device_label="cpu"))
    assert events[0] == CostStart((1,), 805, "cpu", (1, 10, 100))
    points = [e for e in events if isinstance(e, CostPoint)]
    assert [p.size for p in points] == [1, 10, 100] and all(p.forward > 0 and p.backward > 0 for p in points)
    assert isinstance(events[-1], Done)


def test_list_parsing_and_its_messages():
    assert parse_batch_sizes("20, 250, 1000") == [20, 250, 1000]
    assert parse_lrs("5e-3, 5e-3, 5e-3", 3) == [5e-3] * 3
    for bad, words in [
        ("abc", "not a whole number"),
        ("20,,3", "empty"),
        ("0", "positive"),
        ("", "at least one"),
        ("1, 2, 3, 4, 5", "at most 4"),
        ("100000", "at most 60,000"),
    ]:
        with pytest.raises(ListError, match=words):
            parse_batch_sizes(bad)
    with pytest.raises(ListError, match="2 learning rates for 3 batch sizes"):
        parse_lrs("1e-3, 1e-3", 3)
    with pytest.raises(ListError, match="positive"):
        parse_lrs("-1e-3", 1)
    with pytest.raises(ListError, match="not a number"):
        parse_lrs("fast", 1)
    with pytest.raises(ListError, match="finite"):
        parse_lrs("0.1, nan")
    assert parse_batch_sizes("20; 250") == [20, 250] and parse_lrs("1e-2;0.5") == [0.01, 0.5]
    with pytest.raises(ListError, match=r"2\.5 is not a whole number"):
        parse_batch_sizes("2.5")
    with pytest.raises(ListError, match="1 learning rate for 2 batch sizes"):
        parse_lrs("0.1", 2)


def test_target_rule_uses_the_last_tenth_of_losses_by_five_seconds():
    times = [0.1 * k for k in range(1, 101)]  # 0.1 .. 10 s
    losses = [2.0] * 40 + [0.4] * 10 + [3.0] * 50  # low exactly at 4.1-5.0 s, high afterwards
    met, mean = target_met(times, losses)
    assert met and mean == pytest.approx(0.4)  # 50 points by 5 s, the last 5 of them
    assert target_met(times, [0.6] * 100) == (False, pytest.approx(0.6))
    met, mean = target_met([], [])
    assert not met and math.isnan(mean)


def test_budgeted_runs_record_time_and_loss(mnist):
    events = list(minibatch_events(mnist.train_x, mnist.train_y, [20, 200], [5e-3, 0.1], budget=0.3, seed=0))
    starts = [e for e in events if isinstance(e, BatchStart)]
    assert [(s.batch_size, s.lr) for s in starts] == [(20, 5e-3), (200, 0.1)]
    for index in (0, 1):
        points = [e for e in events if isinstance(e, LossPoints) and e.index == index]
        times = [t for p in points for t in p.times]
        losses = [v for p in points for v in p.losses]
        end = next(e for e in events if isinstance(e, BatchEnd) and e.index == index)
        assert len(times) == len(losses) == end.steps >= 1
        assert times == sorted(times) and times[-1] > 0 and end.seconds >= 0.3
        assert all(math.isfinite(v) for v in losses)
    assert isinstance(events[-1], Done)


def test_course_sampler_plugs_in_and_divergence_is_an_event(mnist):
    events = list(
        minibatch_events(
            mnist.train_x, mnist.train_y, [50], [1e30], budget=5.0, seed=0, sample_minibatch=sample_minibatch
        )
    )
    assert any(isinstance(e, Diverged) and e.label == "batch size 50" for e in events)
    losses = [v for e in events if isinstance(e, LossPoints) for v in e.losses]
    assert not math.isfinite(losses[-1]) and all(math.isfinite(v) for v in losses[:-1])


def test_jobs_cross_a_process_boundary_and_start_at_the_courses_defaults():
    job = MinibatchJob((20, 250), (5e-3, 0.1), 5.0, seed=1, learner={"sample_minibatch": "/tmp/x.py"})
    assert pickle.loads(pickle.dumps(job)) == job
    assert MinibatchJob() == MinibatchJob(
        tuple(parse_batch_sizes(DEFAULT_BATCH_SIZES)), tuple(parse_lrs(DEFAULT_LRS)), BUDGETS[0]
    )
    assert MinibatchJob().batch_sizes == (20, 250, 1000) and MinibatchJob().budget == 2.5
    cost = CostJob([50, 50], (1, 10))
    assert cost.hidden == (50, 50) and pickle.loads(pickle.dumps(cost)) == cost
    assert CostJob().hidden == (100,) and CostJob().sizes[-1] == 50_000


@pytest.mark.parametrize(
    "settings, words",
    [
        (dict(batch_sizes=()), "1 to 4 batch sizes"),
        (dict(batch_sizes=(1, 2, 3, 4, 5), lrs=(0.1,) * 5), "1 to 4 batch sizes"),
        (dict(batch_sizes=(0,), lrs=(0.1,)), "from 1 to 60,000"),
        (dict(batch_sizes=(20.5,), lrs=(0.1,)), "whole number"),
        (dict(batch_sizes=(20,), lrs=(-0.1,)), "positive"),
        (dict(batch_sizes=(20, 30), lrs=(0.1,)), "1 learning rate for 2 batch sizes"),
        (dict(batch_sizes=(20,), lrs=(0.1,), budget=0.0), "budget"),
        (dict(batch_sizes=(20,), lrs=(0.1,), budget=60.0), "budget"),
    ],
)
def test_the_minibatch_job_refuses_what_the_demo_cannot_run(settings, words):
    with pytest.raises(SettingError, match=words):
        MinibatchJob(**settings)


def test_the_cost_job_refuses_bad_sizes():
    for settings in (dict(sizes=()), dict(sizes=(0,)), dict(sizes=(70_000,)), dict(hidden=(0,)), dict(repeats=0)):
        with pytest.raises(ValueError):
            CostJob(**settings)


def test_jobs_run_on_the_engines_data_and_leave_the_global_generator_alone(mnist):
    env = RunEnv(SimpleNamespace(mnist=mnist, device_label="cpu (test)"))
    events = list(run_job(CostJob((1,), (1, 10), repeats=1), env))
    assert events[0] == CostStart((1,), 805, "cpu (test)", (1, 10)) and isinstance(events[-1], Done)
    before = torch.random.get_rng_state()
    runs = [list(run_job(MinibatchJob((20,), (0.05,), 0.2, seed=3), env)) for _ in range(2)]
    assert torch.equal(torch.random.get_rng_state(), before)
    first = [[v for e in run if isinstance(e, LossPoints) for v in e.losses] for run in runs]
    k = min(map(len, first))  # a time budget: a loaded machine fits fewer steps into it
    assert k >= 1 and first[0][:k] == first[1][:k]  # the same model and minibatches under one seed


def test_typed_lists_use_the_strict_number_parser():
    from engine.contracts.minibatch import ListError, parse_batch_sizes, parse_lrs

    for text in ("٣", "１０", "1_0", "2²"):
        with pytest.raises(ListError, match="batch size"):
            parse_batch_sizes(text)
    with pytest.raises(ListError, match="learning rate"):
        parse_lrs("nan")
    assert parse_batch_sizes(" 20, 250 ") == [20, 250] and parse_lrs("5e-3") == [0.005]
