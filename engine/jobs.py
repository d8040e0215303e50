"""Running a Job: import its compute function, give it the engine context and a stop flag, stream its events."""

from __future__ import annotations

import errno
import importlib
import re
import threading
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
    """What a compute function receives beside its job: the engine context and its run's stop requests.

    `stop_requested()` is the polite stop (the Bonus finishes its epoch step and evaluates); `skip()`
    asks a stopping run to leave out its last part (the Bonus's evaluation: `when_skipped` says how);
    a hard cancel simply stops iterating the generator.
    """

    context: object  # engine.context.EngineContext (typed loosely so this module stays torch-free)
    stop_event: threading.Event = field(default_factory=threading.Event)
    skip_event: threading.Event = field(default_factory=threading.Event)
    _on_skip: list[Callable[[], None]] = field(default_factory=list)

    def stop_requested(self) -> bool:
        return self.stop_event.is_set()

    def skip(self) -> None:
        """Stop now without the last part (from any thread); a run with nothing to skip just stops."""
        self.stop_event.set()
        self.skip_event.set()
        for fn in list(self._on_skip):
            fn()

    def when_skipped(self, fn: Callable[[], None]) -> None:
        """Call `fn` when the run is asked to skip (at once if it was already)."""
        self._on_skip.append(fn)
        if self.skip_event.is_set():
            fn()

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


FILE_LIMIT_NOTE = "a file written by this run reached its size limit"
_ALLOCATING = re.compile(r"(?:tried to allocate|allocate) ([0-9.]+) ?(bytes|[KMGT]i?B)", re.IGNORECASE)
_UNITS = {"bytes": 1, "kb": 1 << 10, "kib": 1 << 10, "mb": 1 << 20, "mib": 1 << 20, "gb": 1 << 30, "gib": 1 << 30}


def is_out_of_memory(exc: BaseException) -> bool:
    """CPU or CUDA allocation failures: MemoryError, torch's OutOfMemoryError, "can't allocate memory"."""
    if isinstance(exc, MemoryError) or type(exc).__name__ == "OutOfMemoryError":
        return True
    text = str(exc).lower()
    return "out of memory" in text or "can't allocate memory" in text or "cannot allocate memory" in text


def _asked_bytes(exc: BaseException) -> int | None:
    """The allocation that failed, as torch's message gives it ("Tried to allocate 2.00 GiB", "allocate 123 bytes")."""
    found = _ALLOCATING.search(str(exc))
    if found is None:
        return None
    return int(float(found.group(1)) * _UNITS.get(found.group(2).lower(), 1 << 40))


def memory_message(needed: int | None, free: int | None) -> str:
    """The one message for a run that ran out of memory, whatever the device said (never a C++ message)."""
    from .resources import human_bytes

    about = f"about {human_bytes(needed)} needed" if needed else "more needed"
    have = f"{human_bytes(free)} free" if free is not None else "too little free"
    return f"not enough memory for these settings ({about}, {have}): try smaller hidden sizes or batch"


def friendly_error(exc: BaseException, needed: int | None = None, free: int | None = None) -> str:
    """A message for a person: known engine errors as they are, anything else with its origin.

    Running out of memory is said in the learner's terms, with what the job needed (`needed`, its
    estimate) and what was free (`free`) when the caller knows them."""
    if is_out_of_memory(exc):
        return memory_message(needed or _asked_bytes(exc), free)
    if isinstance(exc, OSError) and exc.errno == errno.EFBIG:
        from .proctree import file_limit_text

        return f"{FILE_LIMIT_NOTE}: it was stopped (a run may write files of at most {file_limit_text()})"
    from_engine = type(exc).__module__.startswith("engine")
    if from_engine or isinstance(exc, ValueError):
        return str(exc)
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
    except Exception as exc:  # noqa: BLE001  learner code or a fault of ours: the screen shows it, the engine goes on
        last = Failed(_run_error(job, env, exc))
        yield last
    finally:
        if events is not None and hasattr(events, "close"):
            events.close()  # runs the generator's finally blocks now, in this thread
    if not isinstance(last, (Done, Failed)):
        yield Done("completed")


def _run_error(job: Job, env: RunEnv, exc: BaseException) -> str:
    if not is_out_of_memory(exc):
        return friendly_error(exc)
    try:  # what the settings need, and what is free now that the run's tensors are gone
        kind, free = env.device_memory()
        needs = job.estimate(kind, free)
        if free is None and needs is not None:
            free = needs.available_bytes
    except Exception:  # noqa: BLE001  the figures only add to the message; never hide the run's own error
        needs, free = None, None
    return friendly_error(exc, needs.peak_bytes if needs is not None else None, free)
