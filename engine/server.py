"""An engine: runs Jobs in threads and sends their events, batched in time, to the app.

The same class serves in an engine process forked by engine.template (talking over a socket) and
inside the app's own process (tests: tui.runner.LocalExecutor), so both batch events alike: every
BATCH_SECONDS a flush thread sends what each run has yielded since, and every HEARTBEAT_SECONDS a
Heartbeat (an engine the app has not heard from for 2 s is replaced). Each run has its own thread,
so a Stop, Skip or Cancel is read at once even while a run computes; a run that does not let go is
the app's to end, by killing the process. A "learner" engine runs one job that uses the learner's
code, under limits (processor time, memory, file size), and is then discarded by the app.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from .context import EngineContext, EngineSettings
from .events import Failed
from .jobs import BATCH_SECONDS, RunEnv, friendly_error, run_job
from .protocol import (
    Batch,
    Cancel,
    DataReady,
    Ended,
    Heartbeat,
    Poisoned,
    Ready,
    Shutdown,
    Skip,
    Start,
    StartFailed,
    Stop,
)

HEARTBEAT_SECONDS = 0.5


@dataclass
class Running:
    """One run inside this engine: its thread's stop requests and the events it has yielded since the last flush."""

    env: RunEnv
    cancelled: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)  # held while taking and sending its events
    pending: list = field(default_factory=list)


def is_device_fault(message: str) -> bool:
    """CUDA errors can leave the context unusable for every later run: those restart the engine."""
    text = message.lower()
    return "cuda" in text and ("error" in text or "out of memory" in text or "illegal" in text)


def _thread(target: Callable[[], None], name: str) -> None:
    threading.Thread(target=target, name=name, daemon=True).start()


def _run_thread(target: Callable[[], None], run_id: int) -> None:
    _thread(target, f"run-{run_id}")


class EngineServer:
    """`send` takes each message for the app; `handle` takes each message from it (False: shut down).

    `context`: how runs get the EngineContext (default: the one start() builds); `start_thread(target,
    run_id)` runs each job's thread (tests give Textual workers, so that they can wait for them).
    """

    def __init__(
        self,
        send: Callable[[object], None],
        settings: EngineSettings,
        *,
        role: str = "reference",
        context: Callable[[], object] | None = None,
        start_thread: Callable[[Callable[[], None], int], None] = _run_thread,
        heartbeat: bool = True,
    ):
        self._send = send
        self.settings = settings
        self.role = role
        self._context_of = context
        self._start_thread = start_thread
        self._heartbeat = heartbeat
        self._send_lock = threading.Lock()
        self.runs: dict[int, Running] = {}
        self.context: EngineContext | None = None
        self._closed = threading.Event()

    def send(self, message) -> None:
        with self._send_lock:
            self._send(message)

    # -- start ----------------------------------------------------------------------------------
    def start(self) -> bool:
        """Choose the device and say so (Ready), then load MNIST in the background (DataReady)."""
        try:
            self.context = EngineContext(self.settings)
        except Exception as exc:  # noqa: BLE001  no device, a broken torch...: the app says why
            self.send(StartFailed(friendly_error(exc)))
            return False
        import torch

        ctx = self.context
        warm = "torch._dynamo" in sys.modules  # what the template's warm-up imports (engine.template._first_uses)
        threads = torch.get_num_threads()
        self.send(Ready(ctx.device_label, os.getpid(), threads, ctx.device_kind, ctx.free_memory(), warm))
        if self.role == "reference":
            _thread(self._load_data, "load-mnist")
        else:
            from .proctree import file_limit_as_error

            file_limit_as_error()  # signals are set from the main thread; the limit itself at the run's start
        self.start_flushing()
        return True

    def start_flushing(self) -> None:
        _thread(self._flush_loop, "flush")

    def _load_data(self) -> None:
        assert self.context is not None, "start() sets the context before this thread starts"
        try:
            self.context.mnist  # noqa: B018 (loaded once, for every later run)
        except Exception as exc:  # noqa: BLE001  missing or damaged data: the app says why
            self.send(DataReady(friendly_error(exc)))
            return
        self.send(DataReady())
        try:  # torch.optim's one-time import (engine.training.optimizers_ready), while the learner reads
            from .training import warm_up

            warm_up()
        except Exception:  # noqa: BLE001  optional: the first run then pays it, and says so
            pass

    def _run_context(self):
        return self._context_of() if self._context_of is not None else self.context

    # -- batching -------------------------------------------------------------------------------
    def _flush_loop(self) -> None:
        """Every BATCH_SECONDS, send what each run has yielded since: an event never waits longer."""
        beat = time.monotonic()
        while not self._closed.wait(BATCH_SECONDS):
            for run_id, run in list(self.runs.items()):
                self._flush(run_id, run, final=False)
            if self._heartbeat and time.monotonic() - beat >= HEARTBEAT_SECONDS:
                beat = time.monotonic()
                try:
                    self.send(Heartbeat())
                except OSError:
                    return

    def _flush(self, run_id: int, run: Running, final: bool) -> None:
        with run.lock:
            events, run.pending = run.pending, []
            if run.cancelled.is_set() or not (events or final):
                return
            try:
                self.send(Batch(run_id, events, final))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:  # an event that cannot be pickled
                self.send(Batch(run_id, [Failed(f"the engine could not send its results: {exc}")], True))
                run.cancelled.set()

    # -- messages from the app ------------------------------------------------------------------
    def handle(self, message) -> bool:
        if isinstance(message, Start):
            started = self.runs[message.run_id] = Running(RunEnv(None))
            self._start_thread(lambda: self._run(message, started), message.run_id)
        elif isinstance(message, (Stop, Skip, Cancel)):
            run = self.runs.get(message.run_id)
            if run is not None:
                if isinstance(message, Stop):
                    run.env.stop_event.set()
                elif isinstance(message, Skip):
                    run.env.skip()
                else:
                    run.cancelled.set()
        elif isinstance(message, Shutdown):
            self._closed.set()
            return False
        return True

    def serve(self, conn: Connection) -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return  # the app is gone: so is the engine
            if not self.handle(message):
                return

    def close(self) -> None:
        self._closed.set()
        for run in list(self.runs.values()):
            run.cancelled.set()

    # -- a run ----------------------------------------------------------------------------------
    def _run(self, start: Start, run: Running) -> None:
        fault = None
        try:
            run.env.context = self._run_context()
            if self.role == "learner":
                self._limit(start)
        except Exception as exc:  # noqa: BLE001  no device or no data: the run says why
            self.runs.pop(start.run_id, None)
            if not run.cancelled.is_set():
                self.send(Batch(start.run_id, [Failed(friendly_error(exc))], True))
            self.send(Ended(start.run_id))
            return
        events = run_job(start.job, run.env)
        try:
            for event in events:
                if run.cancelled.is_set():
                    break
                if isinstance(event, Failed) and is_device_fault(event.message):
                    fault = event.message
                with run.lock:
                    run.pending.append(event)
            self._flush(start.run_id, run, final=True)
        finally:
            events.close()
            self.runs.pop(start.run_id, None)
            self.send(Ended(start.run_id))
        if fault is not None:
            self.send(Poisoned(fault))

    def _limit(self, start: Start) -> None:
        """Before the learner's code runs: its processor time, file sizes and (on the CPU) memory."""
        from .proctree import limit_cpu, limit_file_size, limit_memory, no_core_files

        limits = self.settings.limits
        no_core_files()
        limit_cpu(limits.cpu_seconds)
        limit_file_size(limits.file_bytes)
        ctx = self.context
        if ctx is not None and ctx.device_kind == "cpu":  # CUDA reserves vast address space: no RLIMIT_AS there
            needs = start.job.estimate("cpu", ctx.free_memory())
            limit_memory(limits.memory + (needs.peak_bytes if needs is not None else 0))
