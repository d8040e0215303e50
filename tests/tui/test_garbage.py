"""The app collects young garbage on its timer, between frames, before Python would inside one (tui/garbage.py)."""

from __future__ import annotations

import gc

from tui import garbage
from tui.garbage import MIDDLE, THRESHOLD, YOUNG_DUE, collect_when_due

from .snap import make_app, settle, wait_for


def test_the_timer_collects_once_enough_is_waiting_and_the_middle_generation_when_python_would(monkeypatch):
    counts = iter([(YOUNG_DUE - 1, 0, 0), (YOUNG_DUE, MIDDLE, 0), (YOUNG_DUE + 5, MIDDLE + 1, 4)])
    collected: list[int] = []
    monkeypatch.setattr(garbage.gc, "get_count", lambda: next(counts))
    monkeypatch.setattr(garbage.gc, "get_threshold", lambda: (THRESHOLD, MIDDLE, 20))
    monkeypatch.setattr(garbage.gc, "collect", lambda generation=2: collected.append(generation) or 0)
    for _ in range(3):
        collect_when_due()
    assert collected == [0, 1]


async def test_a_running_app_collects_before_python_s_threshold_is_reached():
    """Garbage made while the app runs is collected by its timer: Python's own young collection never comes."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        automatic: list[int] = []

        def seen(phase: str, info: dict) -> None:
            if phase == "start":
                automatic.append(gc.get_count()[0])

        gc.callbacks.append(seen)
        try:
            junk = [[i] for i in range(YOUNG_DUE + 1)]  # tracked objects, alive while the timer looks
            assert await wait_for(pilot, lambda: automatic, timeout=10)
        finally:
            gc.callbacks.remove(seen)
        assert len(junk) == YOUNG_DUE + 1
        assert automatic[0] < THRESHOLD  # the timer's, not Python's
