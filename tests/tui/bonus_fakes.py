"""Fakes and helpers for the Bonus screen's Pilot tests: a session that waits for Escape, the app, waiting."""

from __future__ import annotations

import threading
import time
import types
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets import Static

from engine.contracts.bonus import TrainStarted
from tui.screens.bonus.screen import BonusScreen
from tui.widgets.bonus.live import LiveRun

from . import bonus_events as canned
from .snap import make_app, settle
from .snap import wait_for as wait_until


class FakeSession:
    """A TrainingSession stand-in: a few canned steps, then waits for the job's polite stop like a long run."""

    instances: list = []
    step_s = 0.01  # how long one "batch" takes: the stop is seen between batches
    evaluation_s = 0.3  # the evaluation takes a moment: the screen shows "Stopping…" meanwhile
    batch_ends: threading.Event | None = None  # set by a test: a batch lasts until the test sets it

    def __init__(self, config, device, mnist, *, should_stop, **kwargs) -> None:
        self.config, self.should_stop, self.saved = config, should_stop, []
        self.record = None
        self.skipped = threading.Event()
        self.evaluating = threading.Event()  # the stopped run's evaluation has begun
        FakeSession.instances.append(self)

    @property
    def stopped(self) -> bool:
        return self.should_stop()

    def run(self):
        for event in canned.course_run(upto=250)[:-1]:  # as the course's run, with the settings it was given
            yield replace(event, config=self.config.to_dict()) if isinstance(event, TrainStarted) else event
        deadline = time.monotonic() + 10
        while not self.should_stop() and time.monotonic() < deadline:
            if self.batch_ends is not None:
                self.batch_ends.wait(10)
            else:
                time.sleep(self.step_s)
            yield canned.Status("training…")
        self.record = canned.run_records(canned.RunRecord)[4]
        evaluated = time.monotonic() + self.evaluation_s
        self.evaluating.set()
        while time.monotonic() < evaluated and not self.skipped.is_set():
            time.sleep(0.01)
        if not self.skipped.is_set():
            yield canned.Evaluation(canned.EVAL_ROWS)
        yield canned.Done("stopped", 3.0)

    def skip_evaluation(self) -> None:
        self.skipped.set()

    def save(self, path, overwrite=False):
        self.saved.append((Path(path), overwrite))
        Path(path).write_text("model")
        return Path(path)


@pytest.fixture
def runs(monkeypatch):
    """The engine's run history, in the test's fresh OPTCOURSE_HOME."""
    from engine.history import RunHistory, RunRecord

    return RunHistory, RunRecord


@pytest.fixture
def fake_engine(monkeypatch, runs):
    """The Bonus jobs' session, saved-model evaluation and benchmark description replaced by fakes."""
    from engine.sections import bonus as jobs

    FakeSession.instances, FakeSession.step_s, FakeSession.evaluation_s = [], 0.01, 0.3
    FakeSession.batch_ends = None
    evaluated: list[Path] = []

    def evaluate_saved(path, device, mnist, **kwargs):
        evaluated.append(Path(path))
        yield canned.Evaluation(canned.EVAL_ROWS)
        yield canned.Done("completed", 1.0)

    monkeypatch.setattr(jobs, "TrainingSession", FakeSession)
    monkeypatch.setattr(jobs, "evaluate_saved", evaluate_saved)
    monkeypatch.setattr(
        jobs,
        "benchmark_info",
        lambda: {
            "architecture": {"hidden": [200, 100, 50]},
            "date": "2026-10-01",
            "recipe": {"optimizer": "AdamW(lr=0.003)", "epochs": 30},
        },
    )
    return types.SimpleNamespace(evaluated=evaluated)


def bonus_app(fake_context: bool = True, **config):
    app = make_app(section="bonus", **config)
    if fake_context:  # no MNIST loading: the fakes never touch data; one context, as one engine has
        context = types.SimpleNamespace(device="cpu", device_label="cpu (test)", mnist=None, store={})
        app.runner.executor.context = lambda: context
    return app


async def open_tab(pilot, pane: str = "train") -> BonusScreen:
    await pilot.pause()
    screen = pilot.app.screen
    await screen.show_pane(pane)
    await (settle(pilot) if pane == "runs" else pilot.pause())  # the Runs tab loads the history in a worker
    return screen


async def wait_for(pilot, condition, seconds: float = 60.0) -> None:
    """snap.wait_for that fails the test when `condition` does not hold within `seconds`."""
    assert await wait_until(pilot, condition, timeout=seconds), f"timed out after {seconds:g} s"


def inject(screen: BonusScreen, events: list, *, begin: bool = True) -> None:
    """Canned events through the screen's own handler, as the runner delivers them."""
    if begin:
        screen._begin(LiveRun())
    screen.handle_events("train", events)


def status(screen) -> str:
    return str(screen.query_one("#status", Static).render())


def notices(app) -> list[str]:
    return [n.message for n in app._notifications]


async def reopen(pilot) -> BonusScreen:
    """Home (h), then the Bonus again, as a learner would."""
    await pilot.press("h")
    await pilot.pause()
    assert not isinstance(pilot.app.screen, BonusScreen)
    pilot.app.open_section("bonus")
    return await open_tab(pilot)


def seed_history(runs) -> list[int]:
    """The five canned runs stored in the test's run history (`runs`: the fixture); their ids."""
    history_cls, record_cls = runs
    h = history_cls()
    return [h.add(r) for r in canned.run_records(record_cls)]
