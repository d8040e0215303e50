"""The app's side of its engine processes: forked from the user's warm template, sent runs, watched, replaced.

The UI process never imports torch: jobs and events are torch-free contract dataclasses. Engines
are forked by engine.template (tui.engines asks it), so a fresh one is ready in a blink:
- the reference engine runs every demo with the course's code, and keeps what runs leave for later
  ones (the Bonus's model). A run that does not stop within CANCEL_GRACE seconds of a cancel gets
  it killed and replaced; so does one that died, was silent for SILENT_LIMIT seconds, or reported a
  device fault. Runs caught in a restart are told why; runs that had not yet sent anything are resubmitted.
  A run started while a cancelled one still computes is held until that one lets go, or goes to the fresh
  engine: it never shares (nor fails with) an engine busy with a stopped run (a torch pass cannot be interrupted).
- every run that uses the learner's code gets a fresh engine of its own ("learner", under limits),
  discarded with everything it started when the run ends or is cancelled: nothing its code
  patches, prints, starts or allocates reaches another run. One stands ready (the spare).
- engines forked before the template's warm-up import torch's first-use modules themselves (~115 MB
  private, against ~5 MB): once a fork comes back warm, such a reference engine, idle and holding
  nothing for later runs (Job.keeps), is swapped for it unseen, and a cold spare for a fresh one.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

from engine.events import Failed
from engine.proctree import oom_kills
from engine.protocol import Batch, DataReady, Ended, Poisoned, StartFailed
from engine.settings import EngineSettings

from .engines import CANCEL_GRACE, SILENT_LIMIT, Engine, EngineHost, exit_description
from .runner import Run

__all__ = ["CANCEL_GRACE", "SILENT_LIMIT", "ProcessExecutor", "exit_description"]
WATCH_SECONDS = 0.25  # how often the engines' liveness is looked at
RENEW_EVERY = 5.0  # seconds between forks that try to replace a cold reference engine with a warm one
RENEW_TRIES = 12  # then the template is taken to stay cold (its warm-up failed)


def learner_names(job) -> str:
    return ", ".join(sorted(job.learner))


class ProcessExecutor:
    """Runs jobs in engine processes (see the module's docstring); replaces or discards them when it must."""

    def __init__(
        self,
        settings: EngineSettings,
        *,
        on_restart: Callable[[str], None] | None = None,
        log_dir: Path | None = None,
        renew_cold: bool = True,
    ):
        self.settings = settings
        self.on_restart = on_restart or (lambda reason: None)
        self.host = EngineHost(settings, self._handle, self._ended, log_dir)
        self._lock = threading.RLock()
        self._reference: Engine | None = None
        self._spare: Engine | None = None
        self._ready_callbacks: list[Callable[[str | None, str | None], None]] = []
        self._closed = False
        self.restarts = 0
        self.last_forced_stop: float | None = None  # seconds from a cancel to its stuck engine killed
        self.last_release: float | None = None  # seconds from a cancel to its engine saying the run let go
        self._watching = False
        self.renew_cold = renew_cold
        self._candidate: Engine | None = None  # a fork that may replace a cold reference engine (_renew)
        self._renew_tries = 0
        self._renew_at = 0.0

    def _spawn(self, role: str) -> Engine:
        if not self._watching:  # with the first engine
            self._watching = True
            threading.Thread(target=self._watch, name="engine-watch", daemon=True).start()
        return self.host.spawn(role)

    # -- engines --------------------------------------------------------------------------------
    def engine(self) -> Engine:
        """The reference engine, started if there is none (cheap to call: it does not wait)."""
        with self._lock:
            ref = self._reference
            if ref is None or ref.dead or (ref.error and ref.pid is None):  # never forked: the next run asks again
                ref = self._reference = self._spawn("reference")
            return ref

    def _learner_engine(self) -> Engine:
        """A fresh engine for one run of learner code: the spare if one stands ready; a new spare is made."""
        with self._lock:
            spare, self._spare = self._spare, None
            usable = spare is not None and not spare.dead and not spare.error and not spare.stopped()
            if spare is not None and not usable:
                self.host.discard(spare)
            engine = spare if spare is not None and usable else self._spawn("learner")
            if not self._closed:
                self._spare = self._spawn("learner")
            return engine

    def _engines(self) -> list[Engine]:
        with self._lock:
            found = {id(e): e for e in self.host.engines if not e.dead}
            return list(found.values())

    # -- messages from engines (reader threads) -------------------------------------------------
    def _handle(self, engine: Engine, message) -> None:
        if isinstance(message, Batch):
            with self._lock:
                run = engine.runs.get(message.run_id)
            if run is not None:
                run.deliver(message.events, message.final)
        elif isinstance(message, Ended):
            self._run_ended(engine, message.run_id)
        elif isinstance(message, StartFailed):
            self._fail_all(engine, message.message)
            if engine.role == "reference":
                self._notify_ready(None, message.message)
        elif isinstance(message, DataReady):
            if engine.role == "reference":
                self._notify_ready(engine.device_label, message.error)
        elif isinstance(message, Poisoned):
            self._lost(engine, f"reported a device error ({message.message})")
        # Ready and Heartbeat: the engine's record (tui.engines.Engine.note) is all they change

    def _run_ended(self, engine: Engine, run_id: int) -> None:
        with self._lock:
            run = engine.runs.pop(run_id, None)
            if run is not None and run.cancelled_at is not None:  # said before busy() can see the run gone
                self.last_release = time.monotonic() - run.cancelled_at
            if engine.held and not engine.lost and not _cancelled(engine):  # the runs held for it go now
                held, engine.held = sorted(engine.held), set()
                for waiting in held:
                    self._submit(engine.runs[waiting], engine)
        if engine.role == "learner":
            self.host.discard(engine)  # its one run is over: nothing of it may reach another

    def _notify_ready(self, label: str | None, error: str | None) -> None:
        with self._lock:
            callbacks, self._ready_callbacks = self._ready_callbacks, []
        for callback in callbacks:
            callback(label, error)

    def _fail_all(self, engine: Engine, message: str) -> None:
        with self._lock:
            runs, engine.runs, engine.held = dict(engine.runs), {}, set()
        for run in runs.values():
            run.deliver([Failed(message)], True)

    def _ended(self, engine: Engine, code: int | None) -> None:
        """An engine's socket closed without the app asking: it exited, crashed or was killed. Killed while the
        kernel killed for lack of memory (most machines overcommit: torch's allocations succeed, then a process
        dies) is said in the learner's terms."""
        if self._closed or engine.error:
            return
        base, now = engine.oom_kills, oom_kills()
        if code == -signal.SIGKILL and base is not None and now is not None and now > base:
            self._lost(engine, "was ended by the system, which ran out of memory", died=True, memory=True)
            return
        self._lost(engine, _without_it(exit_description(code)), died=True)

    def _lost(
        self,
        engine: Engine,
        reason: str,
        *,
        cancelled_at: float | None = None,
        died: bool = False,
        memory: bool = False,
    ) -> None:
        """`engine` "{reason}" (exited with code 7, stopped answering...): kill it if it still runs and tell its
        runs why. A lost reference engine is replaced: its runs that had shown nothing yet go to the fresh one."""
        with self._lock:
            if engine.lost:
                return
            engine.lost = True
            runs, engine.runs = dict(engine.runs), {}
            held, engine.held = engine.held, set()
            quiet = engine is self._candidate  # no run and nothing of the learner's was on it
            self._reference, self._spare, self._candidate = (
                None if e is engine else e for e in (self._reference, self._spare, self._candidate)
            )
        self.host.discard(engine, wait=cancelled_at is not None)
        if cancelled_at is not None:
            self.last_forced_stop = time.monotonic() - cancelled_at
        if quiet:
            return
        if engine.role == "learner":
            for run in runs.values():
                message = f"the run of your {learner_names(run.job)} was stopped: its process {reason}"
                run.deliver([Failed(message)], True)
            return
        # Killed for a stopped run alone, it held nothing for later runs: the learner, who only switched tabs or
        # changed a value, loses nothing, and is not told of it.
        unseen = cancelled_at is not None and not engine.kept
        unseen = unseen and all(r.cancelled_at is not None or r.id in held for r in runs.values())
        self._restart(engine, reason, runs, held, died, memory, unseen)

    def _restart(
        self, engine: Engine, reason: str, runs: dict, held: set, died: bool, memory: bool, unseen: bool = False
    ) -> None:
        """The reference engine is lost: say so (unless `unseen`), fail the runs that had shown something, resubmit
        the others (those `held`, never sent to it, go to the fresh engine as if first started)."""
        self.restarts += 1
        if not unseen:
            self.on_restart(f"the engine {reason}; a fresh one has started")
        details = f"; details in {engine.log}" if died else ""
        for run in runs.values():
            if run.cancelled_at is not None:
                continue
            if run.id in held:
                self._place(run)
            elif memory:  # not resubmitted even if it had shown nothing: it would only run out again
                run.deliver([Failed(_memory_message(run))], True)
            elif run.delivered:
                run.deliver([Failed(f"stopped: the engine {reason}{details}; run it again")], True)
            elif run.resubmitted:  # the run itself ends its engine: once more would only do it again, forever
                run.deliver([Failed(f"stopped: the engine {reason} twice on this run{details}")], True)
            else:
                run.resubmitted = True
                self._place(run)
        self.engine()  # the next run should not wait

    # -- liveness -------------------------------------------------------------------------------
    def _watch(self) -> None:
        """Every WATCH_SECONDS: an engine silent for SILENT_LIMIT seconds (stopped, or hung holding Python's
        lock) is replaced; so is one whose cancelled run did not let go within CANCEL_GRACE."""
        while not self._closed:
            time.sleep(WATCH_SECONDS)
            now = time.monotonic()
            for engine in self._engines():
                if engine.silent_for(now) > SILENT_LIMIT:
                    self._lost(engine, f"stopped answering for {SILENT_LIMIT:g} s (was it suspended?)")
                    continue
                with self._lock:
                    stuck = [r for r in engine.runs.values() if r.cancelled_at and now - r.cancelled_at > CANCEL_GRACE]
                if stuck:
                    self._lost(engine, "did not let go of a stopped run in time", cancelled_at=stuck[0].cancelled_at)
            if self.renew_cold:
                self._renew(now)

    def _renew(self, now: float) -> None:
        """Swap a cold reference engine that is idle and holds nothing for a warm fork (see the module's docstring):
        a fork is tried every RENEW_EVERY seconds; one that comes back cold too is discarded."""
        with self._lock:
            old, candidate = self._reference, self._candidate
            if candidate is None:
                renewable = old is not None and old.ready.is_set() and not (old.warm or old.kept or old.error)
                if renewable and self._renew_tries < RENEW_TRIES and now >= self._renew_at:
                    self._renew_tries += 1
                    self._renew_at = now + RENEW_EVERY
                    self._candidate = self._spawn("reference")
                return
            if not candidate.ready.is_set():
                return
            self._candidate = None
            swap = candidate.warm and not candidate.error and old is not None and not (old.dead or old.runs or old.kept)
            spare = self._spare
            cold_spare = swap and spare is not None and spare.ready.is_set() and not spare.warm and not spare.runs
            if swap:
                self._reference = candidate
            if cold_spare:
                self._spare = self._spawn("learner")
        self.host.discard(old if swap and old is not None else candidate)
        if cold_spare and spare is not None:
            self.host.discard(spare)

    # -- the Executor interface -----------------------------------------------------------------
    def _submit(self, run: Run, engine: Engine) -> None:
        from engine.protocol import Start

        with self._lock:
            engine.runs[run.id] = run
            engine.kept = engine.kept or run.job.keeps
            engine.oom_kills = oom_kills()
            run.engine = engine
        if not engine.send(Start(run.id, run.job)):
            with self._lock:
                engine.runs.pop(run.id, None)
            run.deliver([Failed("this run could not be sent to the engine")], True)

    def start(self, run: Run) -> None:
        if run.job.learner:
            self._submit(run, self._learner_engine())
            return
        engine = self.engine()
        if engine.stopped():  # a suspended engine would sit on the run: the learner would see the old result
            self._lost(engine, "was suspended (SIGSTOP?)")
        self._place(run)

    def _place(self, run: Run) -> None:
        """Send `run` to the reference engine, or hold it there while a cancelled run has not let go: it is sent
        when that one ends (_run_ended), or to the fresh engine if the watch replaces this one (_restart)."""
        with self._lock:  # no swap (_renew) between the choice and the submission
            engine = self.engine()
            if not _cancelled(engine):
                self._submit(run, engine)
                return
            engine.runs[run.id] = run
            engine.held.add(run.id)
            run.engine = engine

    def _send(self, run: Run, message) -> None:
        engine = run.engine
        if isinstance(engine, Engine) and not engine.dead:
            engine.send(message)

    def request_stop(self, run: Run) -> None:
        from engine.protocol import Stop

        self._send(run, Stop(run.id))

    def skip(self, run: Run) -> None:
        from engine.protocol import Skip

        self._send(run, Skip(run.id))

    def cancel(self, run: Run) -> None:
        """Stop the run now. Learner code's engine is discarded at once; the reference engine is told, and
        replaced by the watch if the run has not let go after CANCEL_GRACE seconds."""
        from engine.protocol import Cancel

        run.cancelled_at = run.cancelled_at or time.monotonic()
        engine = run.engine
        if not isinstance(engine, Engine) or engine.dead:
            return
        with self._lock:
            if run.id in engine.held:  # never sent: nothing to stop
                engine.held.discard(run.id)
                engine.runs.pop(run.id, None)
                return
        if engine.role == "learner":
            with self._lock:
                engine.runs.pop(run.id, None)
                engine.lost = True
            self.host.discard(engine)
            return
        engine.send(Cancel(run.id))

    def warm_up(self, ready: Callable[[str | None, str | None], None]) -> None:
        with self._lock:
            self._ready_callbacks.append(ready)
            self.engine()
            if self._spare is None:
                self._spare = self._spawn("learner")

    def wait_ready(self, timeout: float = 60.0) -> tuple[str | None, str | None]:
        """Block until the engine has chosen its device: (device label, error)."""
        engine = self.engine()
        engine.ready.wait(timeout)
        return engine.device_label, engine.error

    def device_memory(self) -> tuple[str, int | None]:
        """(device kind, free bytes) for the screens' estimates: on a GPU the engine's figure from its start
        (only it can ask CUDA), on the CPU None: the estimate reads the RAM free now."""
        with self._lock:
            engine = self._reference
        kind = engine.device_kind if engine is not None and engine.device_kind else self.settings.expected_kind
        if self.settings.free_memory is not None:
            return kind, self.settings.free_memory
        return kind, engine.free_memory if engine is not None and kind == "cuda" else None

    def busy(self) -> bool:
        """Does any engine hold a run (cancelled or not)?"""
        return any(e.runs for e in self._engines())

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self._reference.pid if self._reference is not None else None

    def shutdown(self) -> None:
        """End every engine and everything they started, then leave the template."""
        self._closed = True
        with self._lock:
            self._reference = self._spare = self._candidate = None
        self.host.close()


def _cancelled(engine: Engine) -> bool:
    """Does the engine still compute a cancelled run?"""
    return any(r.cancelled_at is not None for r in engine.runs.values())


def _memory_message(run: Run) -> str:
    """The run's out-of-memory message ("not enough memory for these settings (about 3.1 GB needed, ...)")."""
    from engine.jobs import memory_message
    from engine.resources import available_ram

    free = available_ram()
    needs = run.job.estimate("cpu", free)
    return memory_message(needs.peak_bytes if needs is not None else None, free)


def _without_it(why: str) -> str:
    return why.removeprefix("it ")
