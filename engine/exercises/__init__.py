"""The course's coding exercises: the learner's workspace file, checking it safely, and using it."""

from __future__ import annotations

import tomllib
from functools import cache

from ..paths import assets_dir

# In course order; each is also the name of the function the learner writes.
EXERCISE_IDS = ("gradient_update", "momentum_update", "sample_minibatch", "rmsprop_update")


@cache
def catalog() -> dict[str, dict]:
    """id -> the exercise's entry in assets/lessons/exercises.toml (title, signature, rule, task, stub, solution)."""
    with (assets_dir() / "lessons" / "exercises.toml").open("rb") as f:
        items = tomllib.load(f)["exercise"]
    return {e["id"]: e for e in items}


def short_title(exercise_id: str) -> str:
    """ "Exercise 4" for momentum_update."""
    return catalog()[exercise_id]["title"].split(":")[0]
