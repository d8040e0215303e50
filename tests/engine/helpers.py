"""Small helpers the engine's tests share."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any


def drain(gen: Generator[Any, Any, Any]) -> tuple[list, Any]:
    """Run a generator that returns a value; return (its yielded items, its returned value)."""
    items = []
    try:
        while True:
            items.append(next(gen))
    except StopIteration as stop:
        return items, stop.value
