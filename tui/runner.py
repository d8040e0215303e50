"""The app's one door to the engine: start a Job, get its events in batches as messages, stop or cancel it."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Protocol

from textual.message import Message
from textual.widget import Widget

from engine.context import EngineSettings
from engine.contracts.base import Job
from engine.resources import Estimate


class EngineEvents(Message):
    """A batch of engine events from run `run_id` (events of cancelled runs are never delivered)."""

    def __init__(self, run_id: int, group: str, events: list, final: bool) -> None:
        super().__init__()
        self.run_id, self.group, self.events, self.final = run_id, group, events, final


class Executor(Protocol):
    """Where jobs run: in threads of this process (tests) or in the engine process (the app)."""

    def start(self, run_id: int, job: Job, deliver: Callable[[list, bool], None], node: Widget) -> None: ...

    def request_stop(self, run_id: int) -> None: ...

    def cancel(self, run_id: int) -> None: ...

    def warm_up(self, ready: Callable[[str | None, str | None], None]) -> None: ...

    def wait_ready(self, timeout: float = 60.0) -> tuple[str | None, str | None]:
        """Block until the engine has chosen its device: (device label, error)."""
        ...

    def device_memory(self) -> tuple[str, int | None]: ...

    def shutdown(self) -> None: ...


class ThreadExecutor:
    """Runs jobs in Textual thread workers of the UI process, on one EngineContext built on first use.

    Cancelling is cooperative (the generator is closed at its next event), so a job that never
    yields cannot be stopped here: the engine process (tui.engine_process) is what the app uses.
    """

    def __init__(self, settings: EngineSettings):
        self.settings = settings
        self._lock = threading.Lock()
        self._context = None
        self._runs: dict[int, tuple] = {}  # run id -> (worker, RunEnv)

    def context(self):
        with self._lock:
            if self._context is None:
                from engine.context import EngineContext

                self._context = EngineContext(self.settings)
            return self._context

    def start(self, run_id: int, job: Job, deliver: Callable[[list, bool], None], node: Widget) -> None:
        from textual.worker import get_current_worker

        def work() -> None:
            from engine.events import Failed
            from engine.jobs import RunEnv, batched, friendly_error, run_job

            worker = get_current_worker()
            try:
                env = RunEnv(self.context())
            except Exception as exc:  # no device or no data: the run says why
                deliver([Failed(friendly_error(exc))], True)
                return
            self._runs[run_id] = (worker, env)
            events = run_job(job, env)
            try:
                for batch, final in batched(events, lambda: worker.is_cancelled):
                    deliver(batch, final)
            finally:
                events.close()
                self._runs.pop(run_id, None)

        worker = node.run_worker(
            work, thread=True, exit_on_error=False, group=f"run-{run_id}", description=job.describe()
        )
        self._runs[run_id] = (worker, None)

    def request_stop(self, run_id: int) -> None:
        run = self._runs.get(run_id)
        if run is not None and run[1] is not None:
            run[1].stop_event.set()

    def cancel(self, run_id: int) -> None:
        run = self._runs.pop(run_id, None)
        if run is not None:
            run[0].cancel()

    def warm_up(self, ready: Callable[[str | None, str | None], None]) -> None:
        # Loads MNIST too, while the learner reads the first screen.
        work = lambda: ready(*self._ready(load_data=True))
        threading.Thread(target=work, name="engine-warm-up", daemon=True).start()

    def wait_ready(self, timeout: float = 60.0) -> tuple[str | None, str | None]:
        """Build the context here and now (this process picks the device): (device label, error); no timeout."""
        return self._ready(load_data=False)

    def _ready(self, load_data: bool) -> tuple[str | None, str | None]:
        try:
            ctx = self.context()
            if load_data:
                ctx.mnist  # noqa: B018 (loads it now)
        except Exception as exc:
            from engine.jobs import friendly_error

            return None, friendly_error(exc)
        return ctx.device_label, None

    def device_memory(self) -> tuple[str, int | None]:
        """(device kind, free bytes) once the context exists; the CPU's free RAM is left for the estimate to read."""
        context = self._context
        kind = context.device_kind if context is not None else self.settings.expected_kind
        if self.settings.free_memory is not None:
            return kind, self.settings.free_memory
        return kind, context.free_memory() if context is not None and kind == "cuda" else None

    def shutdown(self) -> None:
        for run_id in list(self._runs):
            self.cancel(run_id)


class EngineRunner:
    """Starts jobs for screens and routes each batch of events to the node that asked, as EngineEvents."""

    def __init__(self, executor: Executor, device_label: str | None = None):
        self.executor = executor
        self._ids = itertools.count(1)
        self.device_label = device_label  # known once the engine has started (or fixed, for snapshots)
        self.engine_error: str | None = None

    def start(self, node: Widget, job: Job, group: str) -> int:
        run_id = next(self._ids)

        def deliver(events: list, final: bool) -> None:  # from any thread
            node.post_message(EngineEvents(run_id, group, events, final))

        self.executor.start(run_id, job, deliver, node)
        return run_id

    def request_stop(self, run_id: int) -> None:
        """Ask a run to finish politely (the Bonus evaluates what it trained)."""
        self.executor.request_stop(run_id)

    def cancel(self, run_id: int) -> None:
        """Stop a run now; none of its later events are delivered."""
        self.executor.cancel(run_id)

    def estimate(self, job: Job) -> Estimate | None:
        """What `job` will need on the engine's device (as far as this process knows: the engine checks again)."""
        return job.estimate(*self.executor.device_memory())

    def warm_up(self, ready: Callable[[str | None, str | None], None]) -> None:
        def done(label: str | None, error: str | None) -> None:
            self.device_label, self.engine_error = label or self.device_label, error
            ready(label, error)

        self.executor.warm_up(done)

    def shutdown(self) -> None:
        self.executor.shutdown()
