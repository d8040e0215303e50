"""The app's side of the engine process: start it, send it jobs, read its events, and replace it when it is stuck.

The UI process never imports torch: jobs and events are torch-free contract dataclasses. A run
that does not stop within CANCEL_GRACE seconds of a cancel gets the whole engine killed (its
process group: a learner's code may have forked) and a fresh one started; so does an engine that
died (a learner's os._exit, a segfault) or reported a device fault. Runs caught in a restart are
told why in the learner's terms; runs that had not yet sent anything are resubmitted.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import engine as engine_package
from engine.context import EngineSettings
from engine.contracts.base import Job
from engine.events import Failed
from engine.protocol import Batch, Cancel, DataReady, Ended, Poisoned, Ready, Shutdown, Start, StartFailed, Stop

CANCEL_GRACE = 0.5  # seconds a cancelled run may take to let go before its engine is replaced


@dataclass
class _Run:
    job: Job
    deliver: Callable[[list, bool], None]
    delivered: bool = False  # has any batch reached the screen?
    cancelled_at: float | None = None


@dataclass
class _Engine:
    """One engine process and what the app knows of it."""

    process: subprocess.Popen
    conn: Connection
    log: Path
    ready: threading.Event = field(default_factory=threading.Event)
    device_label: str | None = None
    device_kind: str | None = None  # "cpu" or "cuda", once Ready
    free_memory: int | None = None  # bytes free on its device when it started
    error: str | None = None
    runs: dict[int, _Run] = field(default_factory=dict)
    dead: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid


def exit_description(code: int | None) -> str:
    if code is None:
        return "it stopped responding"
    if code < 0:
        try:
            return f"it was ended by {signal.Signals(-code).name}"
        except ValueError:
            return f"it was ended by signal {-code}"
    return f"it exited with code {code}"


def learner_names(job: Job) -> str:
    return ", ".join(sorted(job.learner))


class ProcessExecutor:
    """Runs jobs in a long-lived engine process (see engine.server); replaces it when it must."""

    def __init__(
        self, settings: EngineSettings, *, on_restart: Callable[[str], None] | None = None, log_dir: Path | None = None
    ):
        self.settings = settings
        self.on_restart = on_restart or (lambda reason: None)
        self.log_dir = log_dir
        self._lock = threading.RLock()
        self._engine: _Engine | None = None
        self._ready_callbacks: list[Callable[[str | None, str | None], None]] = []
        self._closed = False
        self.restarts = 0
        self.last_forced_stop: float | None = None  # seconds from a cancel to its stuck engine killed
        self.last_release: float | None = None  # seconds from a cancel to its engine saying the run let go

    # -- the process ----------------------------------------------------------------------------
    def _log_path(self) -> Path:
        if self.log_dir is not None:
            folder = self.log_dir
        else:
            from engine.paths import cache_dir

            folder = cache_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            folder = Path("/tmp")
        return folder / "engine.log"

    def _spawn(self) -> _Engine:
        ours, theirs = socket.socketpair()
        log = self._log_path()
        env = dict(os.environ)
        env.setdefault("PYTHONUNBUFFERED", "1")
        # The same engine package as this process's, wherever the app was started from.
        here = str(Path(engine_package.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (here, env.get("PYTHONPATH", "")) if p)
        with open(log, "ab") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "engine.server", str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,  # torch's warnings and any crash report: never on the learner's terminal
                start_new_session=True,  # its own process group: Ctrl+C is the app's, and a kill ends its children
                env=env,
            )
        theirs.close()
        conn = Connection(ours.detach())
        conn.send_bytes(pickle.dumps(self.settings))
        engine = _Engine(process, conn, log)
        threading.Thread(target=self._read, args=(engine,), name=f"engine-{process.pid}-reader", daemon=True).start()
        return engine

    def engine(self) -> _Engine:
        """The current engine, started if there is none (cheap to call: it does not wait)."""
        with self._lock:
            if self._engine is None or self._engine.dead:
                self._engine = self._spawn()
            return self._engine

    def _read(self, engine: _Engine) -> None:
        while True:
            try:
                message = engine.conn.recv()
            except (EOFError, OSError):
                break
            except Exception as exc:  # a batch the UI cannot unpickle: fail its run, keep reading
                self._fail_all(engine, f"the engine sent something the app cannot read ({exc})")
                continue
            self._handle(engine, message)
        self._engine_died(engine)

    def _handle(self, engine: _Engine, message) -> None:
        if isinstance(message, Batch):
            with self._lock:
                run = engine.runs.get(message.run_id)
                if run is None or run.cancelled_at is not None:
                    return
                run.delivered = True
            run.deliver(message.events, message.final)
        elif isinstance(message, Ended):
            with self._lock:
                run = engine.runs.pop(message.run_id, None)
            if run is not None and run.cancelled_at is not None:
                self.last_release = time.monotonic() - run.cancelled_at
        elif isinstance(message, Ready):
            engine.device_label = message.device_label
            engine.device_kind, engine.free_memory = message.device_kind, message.free_memory
            engine.ready.set()
        elif isinstance(message, StartFailed):
            engine.error = message.message
            engine.ready.set()
            self._fail_all(engine, message.message)
            self._notify_ready(None, message.message)
        elif isinstance(message, DataReady):
            self._notify_ready(engine.device_label, message.error)
        elif isinstance(message, Poisoned):
            self._replace(engine, f"the device reported an error ({message.message}); a fresh engine is starting")

    def _notify_ready(self, label: str | None, error: str | None) -> None:
        with self._lock:
            callbacks, self._ready_callbacks = self._ready_callbacks, []
        for callback in callbacks:
            callback(label, error)

    def _fail_all(self, engine: _Engine, message: str) -> None:
        with self._lock:
            runs, engine.runs = dict(engine.runs), {}
        for run in runs.values():
            if run.cancelled_at is None:
                run.deliver([Failed(message)], True)

    def _engine_died(self, engine: _Engine) -> None:
        """The engine's socket closed: it exited, crashed or was killed. Tell its runs and start afresh."""
        try:
            code = engine.process.wait(timeout=2)  # reaped here, whoever ended it
        except subprocess.TimeoutExpired:
            code = None
        with self._lock:
            if engine.dead:
                return  # replaced or shut down on purpose: already dealt with
            engine.dead = True
            runs, engine.runs = dict(engine.runs), {}
            if self._engine is engine:
                self._engine = None
        if self._closed or engine.error:
            return
        why = exit_description(code)
        for run in runs.values():
            if run.cancelled_at is not None:
                continue
            if run.job.learner:
                run.deliver(
                    [
                        Failed(
                            f"your {learner_names(run.job)} ended the engine ({why}); the demo was "
                            "stopped and a fresh engine is starting"
                        )
                    ],
                    True,
                )
            else:
                run.deliver(
                    [
                        Failed(
                            f"the engine stopped unexpectedly ({why}; details in {engine.log}); "
                            "a fresh engine is starting: run it again"
                        )
                    ],
                    True,
                )
        self.restarts += 1
        self.on_restart(f"the engine stopped ({why}); a fresh one is starting")
        self.engine()  # the next run should not wait for torch to load

    def _kill(self, engine: _Engine) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(engine.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            engine.conn.close()

    def _replace(self, engine: _Engine, reason: str, cancelled_at: float | None = None) -> None:
        """Kill `engine` and start a fresh one; runs that had shown nothing yet are resubmitted to it.

        `cancelled_at`: the cancel that forced it; last_forced_stop is then timed to the kill, before
        the UI is told and the next engine started (on a loaded machine those can take a second).
        """
        with self._lock:
            if engine.dead:
                return
            engine.dead = True
            runs, engine.runs = dict(engine.runs), {}
            if self._engine is engine:
                self._engine = None
        self._kill(engine)
        if cancelled_at is not None:
            self.last_forced_stop = time.monotonic() - cancelled_at
        self.restarts += 1
        self.on_restart(reason)
        for run_id, run in runs.items():
            if run.cancelled_at is not None:
                continue
            if run.delivered:
                run.deliver([Failed(f"stopped: {reason}")], True)
            else:
                self._submit(run_id, run)
        self.engine()

    # -- the Executor interface -----------------------------------------------------------------
    def _submit(self, run_id: int, run: _Run) -> None:
        engine = self.engine()
        with self._lock:
            engine.runs[run_id] = run
        try:
            engine.conn.send(Start(run_id, run.job))
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
            with self._lock:
                engine.runs.pop(run_id, None)
            run.deliver([Failed(f"this run could not be sent to the engine ({exc})")], True)

    def start(self, run_id: int, job: Job, deliver: Callable[[list, bool], None], node=None) -> None:
        self._submit(run_id, _Run(job, deliver))

    def _find(self, run_id: int) -> tuple[_Engine, _Run] | None:
        with self._lock:
            engine = self._engine
            if engine is not None and run_id in engine.runs:
                return engine, engine.runs[run_id]
        return None

    def request_stop(self, run_id: int) -> None:
        found = self._find(run_id)
        if found is not None:
            with contextlib.suppress(OSError):
                found[0].conn.send(Stop(run_id))

    def cancel(self, run_id: int) -> None:
        """Stop the run now; if its thread has not let go after CANCEL_GRACE seconds, replace the engine."""
        found = self._find(run_id)
        if found is None:
            return
        engine, run = found
        run.cancelled_at = time.monotonic()
        try:
            engine.conn.send(Cancel(run_id))
        except OSError:
            return

        def watchdog() -> None:
            with self._lock:
                still = engine.runs.get(run_id) is run and not engine.dead
            if still:
                what = (
                    f"your {learner_names(run.job)} did not return, so the demo was stopped"
                    if run.job.learner
                    else "a run did not stop in time"
                )
                self._replace(engine, f"{what}; restarting the engine", cancelled_at=run.cancelled_at)

        timer = threading.Timer(CANCEL_GRACE, watchdog)
        timer.daemon = True
        timer.start()

    def warm_up(self, ready: Callable[[str | None, str | None], None]) -> None:
        with self._lock:
            self._ready_callbacks.append(ready)
        self.engine()

    def wait_ready(self, timeout: float = 60.0) -> tuple[str | None, str | None]:
        """Block until the engine has chosen its device: (device label, error)."""
        engine = self.engine()
        engine.ready.wait(timeout)
        return engine.device_label, engine.error

    def device_memory(self) -> tuple[str, int | None]:
        """(device kind, free bytes) for the screens' estimates: on a GPU the engine's figure from its start
        (only it can ask CUDA), on the CPU None: the estimate reads the RAM free now."""
        with self._lock:
            engine = self._engine
        kind = engine.device_kind if engine is not None and engine.device_kind else self.settings.expected_kind
        if self.settings.free_memory is not None:
            return kind, self.settings.free_memory
        return kind, engine.free_memory if engine is not None and kind == "cuda" else None

    def busy(self) -> bool:
        """Does the current engine hold any run (cancelled or not)?"""
        with self._lock:
            return self._engine is not None and bool(self._engine.runs)

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self._engine.pid if self._engine is not None else None

    def shutdown(self) -> None:
        self._closed = True
        with self._lock:
            engine, self._engine = self._engine, None
        if engine is None or engine.dead:
            return
        engine.dead = True
        try:
            engine.conn.send(Shutdown())
            engine.process.wait(timeout=1.0)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self._kill(engine)
