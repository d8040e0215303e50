"""Runs an engine generator in a thread worker and delivers its events to a screen in batches."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator

from textual.message import Message
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

BATCH_SECONDS = 0.05  # the UI gets at most ~20 batches a second, however fast the engine yields


class EngineEvents(Message):
    """A batch of engine events from run `run_id` (events of cancelled runs are never delivered)."""

    def __init__(self, run_id: int, group: str, events: list, final: bool) -> None:
        super().__init__()
        self.run_id, self.group, self.events, self.final = run_id, group, events, final


_run_ids = iter(range(1, 1 << 62))


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


def run_engine(
    node: Widget,
    make_events: Callable[..., Iterator],
    *,
    group: str = "demo",
    description: str = "",
    needs_context: bool = True,
) -> tuple[int, Worker]:
    """Start `make_events(context)` in a thread, cancelling the group's previous run; returns (run_id, worker).

    The node receives EngineEvents messages; a generator that raises ends with an
    engine.events.Failed event carrying a readable message, never a traceback on screen.
    With needs_context=False, `make_events(None)` starts at once instead of waiting for MNIST.
    """
    run_id = next(_run_ids)
    holder = node.app.engine  # type: ignore[attr-defined]

    def work() -> None:
        from engine.events import Done, Failed

        worker = get_current_worker()
        batch: list = []
        last = time.monotonic()

        def flush(final: bool = False) -> None:
            nonlocal batch, last
            if not worker.is_cancelled:
                node.post_message(EngineEvents(run_id, group, batch, final))
            batch, last = [], time.monotonic()

        events = None
        try:
            events = make_events(holder.get() if needs_context else None)
            for event in events:
                if worker.is_cancelled:
                    break
                batch.append(event)
                if time.monotonic() - last >= BATCH_SECONDS:
                    flush()
        except Exception as exc:  # the screen shows it; the app keeps running
            batch.append(Failed(friendly_error(exc)))
        finally:
            if events is not None and hasattr(events, "close"):
                events.close()  # runs the generator's finally blocks in this thread
        if worker.is_cancelled:
            return
        if not batch or not isinstance(batch[-1], (Done, Failed)):
            batch.append(Done("completed"))
        flush(final=True)

    worker = node.run_worker(
        work, thread=True, exclusive=True, group=group, exit_on_error=False, description=description or group
    )
    return run_id, worker
