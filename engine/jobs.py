"""Running a Job: import its compute function, give it the engine context and a stop flag, stream its events."""

from __future__ import annotations

import importlib
import threading
import time
import traceback
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from .contracts.base import Job, too_large
from .events import Done, Event, Failed

BATCH_SECONDS = 0.05  # the UI gets at most ~20 batches a second, however fast the engine yields


@runtime_checkable
class KnowsItsMemory(Protocol):
    """A context that can say how much its device has free (engine.context.EngineContext)."""

    @property
    def device_kind(self) -> str: ...

    def free_memory(self) -> int | None: ...


@dataclass
class RunEnv:
    """What a compute function receives beside its job: the engine context and its run's stop request.

    `stop_requested()` is the polite stop (the Bonus finishes its epoch step and evaluates); a
    hard cancel simply stops iterating the generator.
    """

    context: object  # engine.context.EngineContext (typed loosely so this module stays torch-free)
    stop_event: threading.Event = field(default_factory=threading.Event)

    def stop_requested(self) -> bool:
        return self.stop_event.is_set()

    def device_memory(self) -> tuple[str, int | None]:
        """(device kind, bytes free on it now); a stand-in context (unit tests) is the CPU, its RAM from the OS."""
        if isinstance(self.context, KnowsItsMemory):
            return self.context.device_kind, self.context.free_memory()
        return "cpu", None


def compute_function(job: Job) -> Callable[[Job, RunEnv], Iterator[Event]]:
    module, _, name = job.compute.partition(":")
    if not module or not name:
        raise TypeError(f"{type(job).__name__}.compute must be 'module:function', got {job.compute!r}")
    return getattr(importlib.import_module(module), name)


def friendly_error(exc: BaseException) -> str:
    """A message for a person: known engine errors as they are, anything else with its origin."""
    from_engine = type(exc).__module__.startswith("engine")
    if from_engine or isinstance(exc, (ValueError, MemoryError)):
        return str(exc)
    if "out of memory" in str(exc).lower():
        return "the GPU ran out of memory; choose smaller settings or run with --device cpu"
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" (in {frame.filename.rsplit('/', 1)[-1]}:{frame.lineno})" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


def run_job(job: Job, env: RunEnv) -> Generator[Event, None, None]:
    """The job's events; an exception becomes a Failed event, and the last event is always Done or Failed.

    A job its device cannot hold (engine.contracts.base.too_large, with the device's free memory now)
    fails at once, whatever the screen guessed."""
    last = None
    events = None
    try:
        refusal = too_large(job, *env.device_memory())  # before anything is allocated
        if refusal is not None:
            raise refusal
        events = compute_function(job)(job, env)
        for last in events:
            yield last
    except Exception as exc:  # the screen shows it; the engine keeps running
        last = Failed(friendly_error(exc))
        yield last
    finally:
        if events is not None and hasattr(events, "close"):
            events.close()  # runs the generator's finally blocks now, in this thread
    if not isinstance(last, (Done, Failed)):
        yield Done("completed")


def batched(
    events: Iterator[Event],
    cancelled: Callable[[], bool],
    seconds: float = BATCH_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[tuple[list[Event], bool]]:
    """Group events into (batch, final) by time, so the UI is never flooded; stops early when cancelled."""
    batch: list[Event] = []
    last = -float("inf")  # the first event goes at once: a run that then computes for long is not silent
    for event in events:
        if cancelled():
            return
        batch.append(event)
        if clock() - last >= seconds:
            yield batch, False
            batch, last = [], clock()
    if not cancelled():
        yield batch, True
