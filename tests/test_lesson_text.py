"""Lesson texts are hard-wrapped Markdown: a line must not end inside a hyphenated word.

Markdown joins the lines of a paragraph with a space, so "a 7,850-" at a line's end followed by
"dimensional" read "7,850- dimensional" in Section 3's lesson.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

LESSONS = Path(__file__).resolve().parents[1] / "assets" / "lessons"
SPLIT = re.compile(r"\w-\n[ \t]*\w")  # "7,850-" / "dimensional": a word cut at its hyphen


def texts():
    for path in sorted(LESSONS.glob("*.md")):
        yield path.name, path.read_text(encoding="utf-8")
    for path in sorted(LESSONS.glob("*.toml")):
        stack = [tomllib.loads(path.read_text(encoding="utf-8"))]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, str):
                yield path.name, item


def test_no_line_ends_inside_a_hyphenated_word():
    cuts = [f"{name}: {m.group()!r}" for name, text in texts() for m in SPLIT.finditer(text)]
    assert not cuts, cuts
