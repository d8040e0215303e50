"""The app's one door to the engine: start a Job for a screen, get its events in batches as messages, stop it
politely, skip its last part, or cancel it.

EngineRunner holds the one record of each run in flight (Run), from its start to the batch its
screen takes last; executors (tui.engine_process for the app, LocalExecutor for tests) run it.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from textual.message import Message
from textual.widget import Widget

from engine.contracts.base import Job
from engine.resources import Estimate
from engine.settings import EngineSettings


class EngineEvents(Message):
    """A batch of engine events from run `run_id` (events of cancelled runs are never delivered)."""

    def __init__(self, run_id: int, group: str, events: list, final: bool) -> None:
        super().__init__()
        self.run_id, self.group, self.events, self.final = run_id, group, events, final


class EngineRestarted(Message):
    """Posted to every screen when the reference engine was replaced: what it held for later runs is gone."""


@dataclass(eq=False)
class Run:
    """One run, as the app knows it: which screen asked (node, group), where it runs (engine), how far it got."""

    id: int
    job: Job
    node: Widget
    group: str
    engine: object = None  # the executor's record of the engine that runs it
    delivered: bool = False  # has a batch been sent to the screen?
    cancelled_at: float | None = None  # time.monotonic() of the cancel: no later batch is delivered
    resubmitted: bool = False  # sent again after its engine was lost before it had shown anything

    def deliver(self, events: list, final: bool) -> None:
        """Send a batch to the screen that asked (from any thread); nothing once cancelled."""
        if self.cancelled_at is None:
            self.delivered = True
            self.node.post_message(EngineEvents(self.id, self.group, events, final))


class Executor(Protocol):
    """Where runs compute: in engine processes (the app) or in this process (tests)."""

    def start(self, run: Run) -> None: ...

    def request_stop(self, run: Run) -> None: ...

    def skip(self, run: Run) -> None: ...

    def cancel(self, run: Run) -> None: ...

    def warm_up(self, ready: Callable[[str | None, str | None], None]) -> None: ...

    def wait_ready(self, timeout: float = 60.0) -> tuple[str | None, str | None]:
        """Block until the engine has chosen its device: (device label, error)."""
        ...

    def device_memory(self) -> tuple[str, int | None]: ...

    def shutdown(self) -> None: ...


class EngineRunner:
    """Starts jobs for screens, routes each batch to the screen that asked, and keeps the runs in flight."""

    def __init__(self, executor: Executor, device_label: str | None = None):
        self.executor = executor
        self._ids = itertools.count(1)
        self.runs: dict[int, Run] = {}  # in flight: started, its final batch not yet taken by its screen
        self.device_label = device_label  # known once the engine has started (or fixed, for snapshots)
        self.engine_error: str | None = None

    # -- runs of a screen (called on the UI thread) -----------------------------------------------
    def start(self, node: Widget, job: Job, group: str) -> Run:
        """Run `job` for `node`, replacing (cancelling) the node's previous run of the same group."""
        self.cancel(node, group)
        run = Run(next(self._ids), job, node, group)
        self.runs[run.id] = run
        self.executor.start(run)
        return run

    def current(self, node: Widget, group: str) -> Run | None:
        return next((r for r in self.runs.values() if r.node is node and r.group == group), None)

    def groups(self, node: Widget) -> list[str]:
        return [r.group for r in self.runs.values() if r.node is node]

    def take(self, message: EngineEvents) -> bool:
        """Whether a screen should draw `message` (its run is still the one in flight); its final batch ends it."""
        run = self.runs.get(message.run_id)
        if run is None or run.cancelled_at is not None:
            return False
        if message.final:
            del self.runs[run.id]
        return True

    def request_stop(self, node: Widget, group: str) -> bool:
        """Ask the group's run to finish politely (the Bonus evaluates what it trained); False if none runs."""
        run = self.current(node, group)
        if run is not None:
            self.executor.request_stop(run)
        return run is not None

    def skip(self, node: Widget, group: str) -> bool:
        """Ask the group's run to stop without its last part (the Bonus's evaluation); False if none runs."""
        run = self.current(node, group)
        if run is not None:
            self.executor.skip(run)
        return run is not None

    def cancel(self, node: Widget, group: str | None = None) -> list[str]:
        """Stop the node's runs (of one group, or all) now; none of their later batches is delivered."""
        stopped = [r for r in self.runs.values() if r.node is node and group in (None, r.group)]
        for run in stopped:
            del self.runs[run.id]
            run.cancelled_at = time.monotonic()
            self.executor.cancel(run)
        return [r.group for r in stopped]

    # -- the engine -----------------------------------------------------------------------------
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


class LocalExecutor:
    """Runs jobs in this process (tests), through the engine's own EngineServer: the same batching as the
    app's engine processes, each run's thread a Textual worker (so tests can wait for runs to finish).

    Cancelling is cooperative (the generator is closed at its next event), so a job that never
    yields cannot be stopped here: the engine processes (tui.engine_process) are what the app uses.
    """

    def __init__(self, settings: EngineSettings):
        from engine.server import EngineServer

        self.settings = settings
        self._lock = threading.Lock()
        self._context = None
        self._runs: dict[int, Run] = {}
        self._server = EngineServer(
            self._receive, settings, context=lambda: self.context(), start_thread=self._worker, heartbeat=False
        )
        self._flushing = False  # its thread starts with the first run

    def context(self):
        with self._lock:
            if self._context is None:
                from engine.context import EngineContext

                self._context = EngineContext(self.settings)
            return self._context

    def _receive(self, message) -> None:
        from engine.protocol import Batch, Ended

        if isinstance(message, Batch):
            run = self._runs.get(message.run_id)
            if run is not None:
                run.deliver(message.events, message.final)
        elif isinstance(message, Ended):
            self._runs.pop(message.run_id, None)

    def _worker(self, target: Callable[[], None], run_id: int) -> None:
        run = self._runs[run_id]
        run.node.run_worker(
            target, thread=True, exit_on_error=False, group=f"run-{run_id}", description=run.job.describe()
        )

    def start(self, run: Run) -> None:
        from engine.protocol import Start

        if not self._flushing:
            self._flushing = True
            self._server.start_flushing()
        self._runs[run.id] = run
        self._server.handle(Start(run.id, run.job))

    def request_stop(self, run: Run) -> None:
        from engine.protocol import Stop

        self._server.handle(Stop(run.id))

    def skip(self, run: Run) -> None:
        from engine.protocol import Skip

        self._server.handle(Skip(run.id))

    def cancel(self, run: Run) -> None:
        from engine.protocol import Cancel

        self._server.handle(Cancel(run.id))

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
        except Exception as exc:  # noqa: BLE001  no device, no data, a broken torch: said
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
        self._server.close()
