"""The Bonus's recipes dialog: the benchmark's recipe and shorter ones, each with what it measured in the app."""

from __future__ import annotations

from collections.abc import Callable

from engine.contracts.benchmark import benchmark_info, recipe_line
from engine.contracts.recipes import HERE, RECIPES, Recipe

from ...dialogs.choice import Choice, ChoiceDialog

__all__ = ["Recipe", "show_recipes"]
CANCEL = "cancel"


def recipes_text() -> str:
    lines = [recipe_line(benchmark_info()), ""]
    lines += [f"{r.letter}  {r.title}: {r.summary()}" for r in RECIPES.values()]
    lines += ["", f"Times: {HERE}.", "Loading one sets every setting, hidden sizes and seed too; s then trains it."]
    return "\n".join(lines)


def show_recipes(app, chosen: Callable[[Recipe | None], None]) -> None:
    """Ask which recipe to load; `chosen` gets it (None when the learner cancels)."""
    choices = [Choice(r.letter, r.label, r.key) for r in RECIPES.values()]
    app.push_screen(
        ChoiceDialog("Recipes", recipes_text(), choices, cancel=CANCEL), lambda key: chosen(RECIPES.get(key))
    )
