"""Fixtures the Pilot tests share."""

from __future__ import annotations

import pytest


@pytest.fixture
def no_editor(monkeypatch):
    """No $VISUAL or $EDITOR: the exercise is edited in the app's own editor, whatever the machine has set."""
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)
