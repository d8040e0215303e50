"""Bonus compute: train a model (kept in the engine for saving), evaluate a saved one, save the kept one."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..contracts.benchmark import benchmark_info, benchmark_note
from ..contracts.bonus import (
    BenchmarkNote,
    EvaluateJob,
    Evaluation,
    HistoryAdded,
    HistoryFailed,
    ModelHeld,
    SavedModel,
    SaveJob,
    TrainJob,
)
from ..events import Done, Event, Failed
from ..history import RunHistory
from ..jobs import friendly_error
from ..training import TrainingSession, evaluate_saved

STORE_KEY = "bonus-session"  # in env.context.store: the last run's model, until the next run replaces it
GONE = "the trained model is no longer in memory: train again"
RELEASE_WAIT_S = 10.0  # a cancelled run lets go of its model at its next event: normally within a batch


@dataclass
class Held:
    """A run's session as the engine keeps it, under the token the screen was told (ModelHeld)."""

    token: str
    session: TrainingSession
    released: threading.Event = field(default_factory=threading.Event)  # its run no longer trains it


def note() -> BenchmarkNote:
    """The line under the table that says what the benchmark is."""
    try:
        return BenchmarkNote(benchmark_note(benchmark_info()))
    except Exception as exc:  # noqa: BLE001  the table still shows; only the description is missing
        return BenchmarkNote(f"Benchmark = this project's model (its description is unavailable: {exc})")


def train_job(job: TrainJob, env) -> Iterator[Event]:
    """Train with the job's settings, evaluate, keep the run in the history; Done comes last."""
    store = env.context.store
    store.pop(STORE_KEY, None)  # the previous model goes now: two in memory at once helps no one
    session = TrainingSession(
        job.config,
        env.context.device,
        env.context.mnist,
        evaluate_benchmark=job.evaluate_benchmark,
        cuda_graph=job.cuda_graph,
        should_stop=env.stop_requested,
    )
    held = store[STORE_KEY] = Held(uuid.uuid4().hex, session)
    env.when_skipped(session.skip_evaluation)  # a second Escape (protocol.Skip): stop without evaluating
    try:
        yield ModelHeld(held.token)
        yield from _train(session)
    finally:  # also when the run is cancelled: what was trained so far stays, to be saved
        held.released.set()


def _train(session: TrainingSession) -> Iterator[Event]:
    done = None
    for event in session.run():
        if isinstance(event, Done):
            done = event  # held back: the history entry is reported first
            continue
        yield event
        if isinstance(event, Evaluation):
            yield note()
    if session.record is not None and session.record.train_loss:  # a run stopped before its first step is not kept
        try:
            stored: Event = HistoryAdded(RunHistory().add(session.record))
        except Exception as exc:  # noqa: BLE001  a damaged or unwritable history (HistoryError), or anything: say why
            stored = HistoryFailed(friendly_error(exc))
        yield stored
    yield done or Done("completed")


def evaluate_job(job: EvaluateJob, env) -> Iterator[Event]:
    """Score a saved model and the benchmark on the training and test sets."""
    context = env.context
    for event in evaluate_saved(job.path, context.device, context.mnist, evaluate_benchmark=job.evaluate_benchmark):
        yield event
        if isinstance(event, Evaluation):
            yield note()


def save_job(job: SaveJob, env) -> Iterator[Event]:
    """Write the model the engine holds under the job's token (and its settings next to it)."""
    held = env.context.store.get(STORE_KEY)
    if held is None or held.token != job.token:
        yield Failed(GONE)
        return
    deadline = time.monotonic() + RELEASE_WAIT_S
    while not held.released.wait(0.05):  # a cancelled run may still be finishing its batch
        if env.stop_requested() or time.monotonic() > deadline:
            yield Failed("the model is still being trained; press w again in a moment")
            return
    try:
        written = held.session.save(job.path, overwrite=job.overwrite)
    except (ValueError, OSError) as exc:
        yield Failed(str(exc))
        return
    yield SavedModel(str(written))
    yield Done("completed")
