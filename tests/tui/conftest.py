"""Fixtures the Pilot tests share."""

from __future__ import annotations

import pytest

from .chart_budget import count_pixels


@pytest.fixture
def no_editor(monkeypatch):
    """No $VISUAL or $EDITOR: the exercise is edited in the app's own editor, whatever the machine has set."""
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)


@pytest.fixture
def pixels(monkeypatch) -> list[int]:
    """plotext's interpolated pixels counted ([count]); a build past chart_budget.PIXEL_LIMIT fails at once."""
    return count_pixels(monkeypatch)
