"""Ready-made Bonus settings: the benchmark's recipe and shorter ones for a CPU, each with what it measured."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..resources import human_seconds
from .benchmark import RECIPE
from .bonus import TrainConfig

HERE = "1 thread of this project's 2-core Xeon 2.8 GHz, shared with other work"


@dataclass(frozen=True)
class Measured:
    """One real run of a recipe through the app's own training (scripts/run_recipe.py): accuracies in 0..1."""

    val_acc: float
    test_acc: float
    seconds: float
    where: str
    date: str


@dataclass(frozen=True)
class Recipe:
    key: str  # scripts/run_recipe.py's name for it
    letter: str  # its key in the Bonus's recipes dialog
    label: str  # its button there: short, so that every recipe's button fits in a row at 80 columns
    title: str
    config: TrainConfig
    measured: Measured | None = None  # None: not run through the app yet (nothing is claimed)

    def summary(self) -> str:
        """ "99.00% test (99.00% val) in 2.6 min here", or what is known."""
        m = self.measured
        if m is None:
            return "not measured in the app"
        took = human_seconds(m.seconds).removeprefix("about ")
        return f"{100 * m.test_acc:.2f}% test ({100 * m.val_acc:.2f}% val) in {took} here"


def _short(epochs: int, **changes) -> TrainConfig:
    return dataclasses.replace(RECIPE, epochs=epochs, **changes)


RECIPES: dict[str, Recipe] = {
    r.key: r
    for r in (
        Recipe(
            "benchmark",
            "b",
            "benchmark",
            "the benchmark's recipe",
            RECIPE,
            Measured(0.9924, 0.9908, 1982, HERE, "2026-12-07"),
        ),
        Recipe(
            "cpu-10",
            "t",
            "10 epochs",
            "the recipe, 10 epochs",
            _short(10),
            Measured(0.9857, 0.9869, 39, HERE, "2026-12-07"),
        ),
        Recipe(
            "cpu-30",
            "m",
            "30 epochs",
            "the recipe, 30 epochs",
            _short(30),
            Measured(0.9900, 0.9900, 159, HERE, "2026-12-07"),
        ),
        Recipe(
            "wide-120",
            "w",
            "wider MLP",
            "the recipe, MLP 800-400-200",
            dataclasses.replace(RECIPE, hidden=(800, 400, 200)),
            Measured(0.9931, 0.9917, 2629, HERE, "2026-12-07"),
        ),
    )
}

# The lesson's "What to try first" (assets/lessons/bonus.md): the Train tab's defaults and two changes, each
# measured with scripts/run_recipe.py defaults [--lr 1e-3 | --optimizer SGD --lr 0.1].
FIRST_TRIES: dict[str, tuple[TrainConfig, Measured]] = {
    "defaults": (TrainConfig(), Measured(0.8157, 0.8185, 27, HERE, "2026-12-07")),
    "adam-1e-3": (TrainConfig(lr=1e-3), Measured(0.9701, 0.9717, 27, HERE, "2026-12-07")),
    "sgd-0.1": (TrainConfig(optimizer="SGD", lr=0.1), Measured(0.9288, 0.9352, 24, HERE, "2026-12-07")),
}
