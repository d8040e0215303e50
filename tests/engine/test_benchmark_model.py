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


def test_the_shown_figures_are_the_files_and_the_same_every_time(mnist):
    """Issue 21: the benchmark row changed between runs (it was scored again on each run's own split)."""
    import dataclasses

    from engine.contracts.benchmark import LABEL, benchmark_row
    from engine.contracts.bonus import Evaluation, TrainConfig
    from engine.training import TrainingSession

    metrics = benchmark_info()["metrics"]
    row = benchmark_row()
    assert row.model == LABEL
    assert {
        k: getattr(row, k) for k in ("train_loss", "val_loss", "test_loss", "train_acc", "val_acc", "test_acc")
    } == {k: metrics[k] for k in ("train_loss", "val_loss", "test_loss", "train_acc", "val_acc", "test_acc")}
    quick = TrainConfig(lr=1e-3, train_limit=300, batch_size=100, epochs=1, hidden=(10,))
    shown = []
    for config in (quick, dataclasses.replace(quick, seed=7, train_limit=200)):  # other splits, other subsets
        events = list(TrainingSession(config, "cpu", mnist).run())
        shown.append(next(e for e in events if isinstance(e, Evaluation)).rows[1])
    assert shown == [row, row]


def test_a_damaged_figures_file_is_a_message(tmp_path, monkeypatch):
    from engine.contracts import benchmark

    bad = tmp_path / "benchmark_model.json"
    bad.write_text('{"metrics": {"test_acc": "high"}}')
    monkeypatch.setattr(benchmark, "info_path", lambda: bad)
    benchmark._read.cache_clear()
    try:
        with pytest.raises(ValueError, match="no usable train_loss, test_loss, train_acc, test_acc"):
            benchmark.benchmark_row()
    finally:
        benchmark._read.cache_clear()


def test_the_recipe_in_the_settings_is_the_one_in_the_file():
    from engine.contracts.benchmark import RECIPE
    from engine.contracts.bonus import AFFINE

    recipe = benchmark_info()["recipe"]
    assert recipe["optimizer"] == (
        f"{RECIPE.optimizer}(lr={RECIPE.lr:g}, betas=({RECIPE.beta1:g}, {RECIPE.beta2:g}), "
        f"weight_decay={RECIPE.weight_decay:g})"
    )
    assert (
        recipe["schedule"].startswith(f"OneCycleLR(max_lr={RECIPE.lr:g}, pct_start=0.2")
        and RECIPE.schedule == "one-cycle"
    )
    assert (recipe["epochs"], recipe["batch_size"], recipe["seed"]) == (RECIPE.epochs, RECIPE.batch_size, RECIPE.seed)
    assert recipe["augmentation"].startswith("per-image random affine") and RECIPE.augment == "affine"
    assert f"rotation +-{AFFINE[0]:g} deg, scale 1+-{AFFINE[1]:g}, shift +-{AFFINE[2]:g} px" in recipe["augmentation"]


def test_the_lesson_says_what_the_benchmark_used_and_the_recipes_measured():
    """The Lesson tab's figures are the file's and the recipes' (a retrained benchmark or a new measurement
    must update the lesson too)."""
    from engine.contracts.benchmark import RECIPE, train_seconds
    from engine.contracts.recipes import RECIPES
    from engine.paths import assets_dir

    lesson = " ".join((assets_dir() / "lessons" / "bonus.md").read_text().split())
    info = benchmark_info()
    assert f"{100 * info['metrics']['test_acc']:.2f}% on the test set" in lesson
    assert f"took {round(train_seconds(info) / 60)} minutes on one CPU thread" in lesson
    assert f"batches of {RECIPE.batch_size}, {RECIPE.epochs} epochs" in lesson and "weight decay 1e-4" in lesson
    for key in ("benchmark", "cpu-10", "cpu-30", "wide-120"):
        measured = RECIPES[key].measured
        assert measured is not None and f"{100 * measured.test_acc:.2f}%" in lesson, key
    assert f"took {round(RECIPES['benchmark'].measured.seconds / 60)} minutes" in lesson
