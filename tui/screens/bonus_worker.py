"""What the Bonus screen runs in worker threads: training, evaluating and saving models (engine imported here)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from .bonus_live import BenchmarkNote, HistoryAdded, SavedModel, benchmark_note, event_name


class SessionHandle:
    """The screen's opaque, thread-safe hold on a TrainingSession created in a worker.

    The UI thread only ever calls `request_stop()` (session.stop() is thread-safe) and hands
    the session back to another worker for saving; it never touches tensors.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._session = None
        self._stop = False

    def attach(self, session) -> bool:
        """Keep the session; False if a stop was asked before it existed (then do not train)."""
        with self._lock:
            if self._stop:
                return False
            self._session = session
            return True

    def request_stop(self) -> bool:
        """Ask the session to stop; False if there is none yet (the caller cancels the worker)."""
        with self._lock:
            self._stop = True
            if self._session is None:
                return False
            self._session.stop()
            return True

    @property
    def session(self):
        with self._lock:
            return self._session


def _note() -> Iterator:
    try:
        from engine.benchmark import benchmark_info

        yield BenchmarkNote(benchmark_note(benchmark_info()))
    except Exception as exc:  # the table still shows; only the description is missing
        yield BenchmarkNote(f"Benchmark = this project's model (its description is unavailable: {exc})")


def training_events(ctx, config: dict, handle: SessionHandle) -> Iterator:
    """Train with `config`, evaluate, keep the run in the history; Done comes last."""
    from engine.events import Done, Failed, Status
    from engine.training import TrainConfig, TrainingSession

    cfg = TrainConfig(**config)
    errors = cfg.validate()
    if errors:
        yield Failed("; ".join(errors))
        return
    session = TrainingSession(cfg, ctx.device, ctx.mnist)
    if not handle.attach(session):
        return
    done = None
    for event in session.run():
        if event_name(event) == "Done":
            done = event  # held back: the history entry is reported first
            continue
        yield event
        if event_name(event) == "Evaluation":
            yield from _note()
    if session.record is not None and session.record.train_loss:  # a run stopped before its first step is not kept
        try:
            from engine.history import RunHistory

            yield HistoryAdded(RunHistory().add(session.record))
        except Exception as exc:
            yield Status(f"the run could not be kept in the history: {exc}")
    yield done or Done("completed")


def evaluate_events(ctx, path: Path) -> Iterator:
    """Score a saved model and the benchmark on the training and test sets."""
    from engine.training import evaluate_saved

    for event in evaluate_saved(path, ctx.device, ctx.mnist):
        yield event
        if event_name(event) == "Evaluation":
            yield from _note()


def save_events(ctx, session, path: Path, overwrite: bool) -> Iterator:
    """Write the trained model (and its settings next to it)."""
    from engine.events import Done

    written = session.save(path, overwrite=overwrite)
    yield SavedModel(str(written))
    yield Done("completed")
