"""The shipped benchmark model: the course's MLP 200-100-50, at least 98.5% on the test set, its JSON honest."""

from __future__ import annotations

import pytest
import torch

from engine.benchmark import HIDDEN, benchmark_info, benchmark_path, load_benchmark
from engine.evaluation import evaluate
from engine.model import count_params
from engine.training_config import course_split


def test_state_dict_is_the_courses_mlp():
    state = torch.load(benchmark_path(), map_location="cpu", weights_only=True)
    assert sorted(state) == sorted(f"main.{i}.{k}" for i in (0, 2, 4, 6) for k in ("weight", "bias"))
    assert [tuple(state[f"main.{i}.weight"].shape) for i in (0, 2, 4, 6)] == [
        (200, 784),
        (100, 200),
        (50, 100),
        (10, 50),
    ]
    assert sum(v.numel() for v in state.values()) == count_params(784, 10, HIDDEN) == 182_660
    assert benchmark_path().stat().st_size < 1_000_000


def test_scores_at_least_98_5_percent_on_the_test_set_as_its_json_says(mnist):
    model = load_benchmark("cpu")
    test_loss, test_acc = evaluate(model, mnist.test_x, mnist.test_y)
    assert test_acc >= 0.985
    metrics = benchmark_info()["metrics"]
    assert metrics["test_acc"] == pytest.approx(test_acc, abs=2e-4)
    assert metrics["test_loss"] == pytest.approx(test_loss, rel=1e-3)
    _train_loss, train_acc = evaluate(model, mnist.train_x, mnist.train_y, course_split(2021)[0])
    assert metrics["train_acc"] == pytest.approx(train_acc, abs=2e-4)


def test_json_records_the_recipe():
    info = benchmark_info()
    recipe = info["recipe"]
    for key in ("optimizer", "schedule", "epochs", "augmentation", "seed", "train_data"):
        assert recipe[key], key
    assert "test set scored once" in recipe["train_data"]
    assert info["architecture"]["hidden"] == HIDDEN and info["date"]
