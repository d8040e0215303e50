"""Lesson texts, questions and exercises shipped in assets/lessons (read lazily, cached)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from engine.paths import assets_dir


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    title: str
    prompt: str
    explanation: str


@cache
def lesson_text(key: str) -> str:
    path = assets_dir() / "lessons" / f"{key}.md"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        return f"# Lesson text missing\n\nCould not read `{path}` ({exc.strerror}). Reinstall optcourse-tui."


@cache
def _toml(name: str) -> dict:
    path = assets_dir() / "lessons" / name
    with path.open("rb") as f:
        return tomllib.load(f)


def questions(section: str | None = None) -> list[Question]:
    """Every Think!/Discuss question, or those of one section, in course order."""
    items = [Question(**{k: q[k] for k in Question.__dataclass_fields__}) for q in _toml("questions.toml")["question"]]
    return [q for q in items if section is None or q.section == section]


def exercises(section: str | None = None) -> list[dict]:
    """The coding exercises (id, section, title, signature, rule, task, stub, solution)."""
    items = _toml("exercises.toml")["exercise"]
    return [e for e in items if section is None or e["section"] == section]
