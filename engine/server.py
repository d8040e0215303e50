"""The engine process: runs Jobs in threads and streams their events to the app over one socket.

Started by the app (tui.engine_process) as `python -m engine.server FD`, with FD one end of a
socketpair. Its stdout/stderr go to a log file, never to the learner's terminal. Each run has its
own thread, so a Cancel or Stop is read at once even while a run computes; a run that does not
let go is the app's to end, by killing this process.
"""

from __future__ import annotations

import os
import pickle
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from .context import EngineContext, EngineSettings
from .events import Failed
from .jobs import BATCH_SECONDS, RunEnv, friendly_error, run_job
from .protocol import Batch, Cancel, DataReady, Ended, Poisoned, Ready, Shutdown, Start, StartFailed, Stop


@dataclass
class _Run:
    env: RunEnv
    cancelled: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)  # held while taking and sending its events
    pending: list = field(default_factory=list)


def is_device_fault(message: str) -> bool:
    """CUDA errors can leave the context unusable for every later run: those restart the engine."""
    text = message.lower()
    return "cuda" in text and ("error" in text or "out of memory" in text or "illegal" in text)


class EngineServer:
    def __init__(self, conn: Connection, settings: EngineSettings):
        self.conn = conn
        self.settings = settings
        self._send_lock = threading.Lock()
        self.runs: dict[int, _Run] = {}
        self.context: EngineContext | None = None

    def send(self, message) -> None:
        with self._send_lock:
            self.conn.send(message)

    def start(self) -> bool:
        try:
            self.context = EngineContext(self.settings)
        except Exception as exc:
            self.send(StartFailed(friendly_error(exc)))
            return False
        import torch

        ctx = self.context
        self.send(Ready(ctx.device_label, os.getpid(), torch.get_num_threads(), ctx.device_kind, ctx.free_memory()))
        threading.Thread(target=self._load_data, name="load-mnist", daemon=True).start()
        threading.Thread(target=self._flush_loop, name="flush", daemon=True).start()
        return True

    def _flush_loop(self) -> None:
        """Every BATCH_SECONDS, send what each run has yielded since: an event never waits longer."""
        while True:
            time.sleep(BATCH_SECONDS)
            for run_id, run in list(self.runs.items()):
                self._flush(run_id, run, final=False)

    def _flush(self, run_id: int, run: _Run, final: bool) -> None:
        with run.lock:
            events, run.pending = run.pending, []
            if run.cancelled.is_set() or not (events or final):
                return
            try:
                self.send(Batch(run_id, events, final))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:  # an event that cannot be pickled
                self.send(Batch(run_id, [Failed(f"the engine could not send its results: {exc}")], True))
                run.cancelled.set()

    def _load_data(self) -> None:
        assert self.context is not None, "start() sets the context before this thread starts"
        try:
            self.context.mnist  # noqa: B018 (loaded once, for every later run)
        except Exception as exc:
            self.send(DataReady(friendly_error(exc)))
            return
        self.send(DataReady())
        try:  # torch.optim's one-time import (engine.training.optimizers_ready), while the learner reads
            from .training import warm_up

            warm_up()
        except Exception:  # the first run then pays it, and says so
            pass

    def serve(self) -> None:
        while True:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                return  # the app is gone: so is the engine
            if isinstance(message, Start):
                started = self.runs[message.run_id] = _Run(RunEnv(self.context))
                threading.Thread(
                    target=self._run, args=(message, started), name=f"run-{message.run_id}", daemon=True
                ).start()
            elif isinstance(message, Stop):
                if (run := self.runs.get(message.run_id)) is not None:
                    run.env.stop_event.set()
            elif isinstance(message, Cancel):
                if (run := self.runs.get(message.run_id)) is not None:
                    run.cancelled.set()
            elif isinstance(message, Shutdown):
                return

    def _run(self, start: Start, run: _Run) -> None:
        fault = None
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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    conn = Connection(int(argv[0]))
    settings = pickle.loads(conn.recv_bytes())
    server = EngineServer(conn, settings)
    if server.start():
        server.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
