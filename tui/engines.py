"""Engine processes as the app holds them: asked of the warm template, read, watched, ended with all they started."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from engine.proctree import end_tree, exit_status, state_of
from engine.protocol import Ready, StartFailed
from engine.settings import EngineSettings
from engine.template_client import TemplateClient, TemplateError

CANCEL_GRACE = 0.5  # seconds a cancelled run may take to let go before its engine is replaced
SILENT_LIMIT = 2.0  # seconds without a word (engines send a Heartbeat every 0.5 s) before an engine is replaced
EXIT_CODE_WAIT = 1.0  # seconds to wait for the template to tell how a dead engine ended
LOG_ROTATE_BYTES = 8 << 20  # engine.log beyond this is moved to engine.log.1 when the app starts
# What learner code prints in a demo goes to learner.log beside engine.log (checked before each learner engine
# starts): a learner engine may write no file past its size limit, and engine.log, grown by prints past it,
# would make every later run of the learner's code fail with that limit's message.
LEARNER_LOG = "learner.log"


def exit_description(code: int | None) -> str:
    """How an engine ended, as "it ...": "it was ended by SIGSEGV", "it exited with code 7"."""
    if code is None:
        return "it stopped responding"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        if -code == signal.SIGXCPU:
            return f"it was ended by {name}: it used up its processor time"
        return f"it was ended by {name}"
    return f"it exited with code {code}"


@dataclass(eq=False)
class Engine:
    """One engine process and what the app knows of it."""

    role: str  # "reference" or "learner"
    conn: Connection  # the app's end of its socket
    log: Path
    token: str  # in the environment of everything it execs
    pid: int | None = None  # known once the template has forked it
    spawned: threading.Event = field(default_factory=threading.Event)
    ready: threading.Event = field(default_factory=threading.Event)
    device_label: str | None = None
    device_kind: str | None = None  # "cpu" or "cuda", once Ready
    free_memory: int | None = None  # bytes free on its device when it started
    error: str | None = None
    warm: bool = False  # forked from a warmed-up template (Ready)
    kept: bool = False  # has run a job that leaves something in it for later runs (Job.keeps)
    oom_kills: int | None = None  # the system's count of out-of-memory kills as its latest run started
    runs: dict = field(default_factory=dict)  # run id -> tui.runner.Run, until the engine says it has ended
    held: set = field(default_factory=set)  # ids of its runs not yet sent: a cancelled run still computes
    last_heard: float = field(default_factory=time.monotonic)
    dead: bool = False  # discarded, or its socket closed
    lost: bool = False  # its loss has been dealt with (runs told, replaced)
    _send_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message) -> bool:
        try:
            with self._send_lock:
                self.conn.send(message)
            return True
        except (OSError, ValueError):  # closed, or a job that cannot be pickled
            return False

    def silent_for(self, now: float) -> float:
        """Seconds since the engine was last heard from (0 until it is ready, or while its words wait unread)."""
        if not self.ready.is_set() or self.dead:
            return 0.0
        with contextlib.suppress(OSError, ValueError):
            if self.conn.poll(0):  # it spoke; the reader has not caught up (a busy UI process)
                return 0.0
        return now - self.last_heard

    def note(self, message) -> None:
        """What a message from the engine tells of it: that it lives, and its device once Ready."""
        self.last_heard = time.monotonic()
        if isinstance(message, Ready):
            self.device_label, self.device_kind = message.device_label, message.device_kind
            self.free_memory = message.free_memory
            self.warm = message.warm
            self.ready.set()
        elif isinstance(message, StartFailed):
            self.error = message.message
            self.ready.set()

    def stopped(self) -> bool:
        """Suspended (SIGSTOP, or a debugger): it would sit on a run and the screen keep showing the old result."""
        return self.pid is not None and state_of(self.pid) in ("T", "t")


class EngineHost:
    """Asks the template for engines, reads each one's messages (`handle(engine, message)` from its reader
    thread), tells `ended(engine, exit code)` of one that closed unasked, and ends them (`discard`)."""

    def __init__(
        self,
        settings: EngineSettings,
        handle: Callable[[Engine, object], None],
        ended: Callable[[Engine, int | None], None],
        log_dir: Path | None = None,
    ):
        self.settings = settings
        self.handle = handle
        self.ended = ended
        self.log = _log_path(log_dir)
        self.client = TemplateClient(self._exited, self.log)
        self.engines: list[Engine] = []
        self._lock = threading.Lock()
        self._codes: dict[int, int] = {}
        self._read_dead: set[int] = set()  # exit codes read from the dead process: the template's word comes later
        self._code_known = threading.Condition(self._lock)

    def spawn(self, role: str) -> Engine:
        """A new engine (returns at once: the template forks it in the background)."""
        ours, theirs = socket.socketpair()
        log = _rotated(self.log.with_name(LEARNER_LOG)) if role == "learner" else self.log
        engine = Engine(role, Connection(ours.detach()), log, secrets.token_hex(8))
        with self._lock:
            self.engines.append(engine)
        threading.Thread(target=self._run, args=(engine, theirs), name=f"engine-{role}", daemon=True).start()
        return engine

    def _run(self, engine: Engine, theirs: socket.socket) -> None:
        try:
            engine.pid = self.client.spawn(self.settings, engine.role, [theirs.fileno()], engine.token, log=engine.log)
        except TemplateError as exc:
            engine.note(StartFailed(str(exc)))
            self.handle(engine, StartFailed(str(exc)))
            return
        finally:
            theirs.close()
            engine.spawned.set()
        if engine.dead:  # discarded before it was forked
            self._kill(engine)
            return
        while True:
            try:
                message = engine.conn.recv()
            except (EOFError, OSError, TypeError, ValueError):  # closed, also by another thread
                break
            except Exception as exc:  # noqa: BLE001  unpickling raises anything (a class the UI lacks): fail its runs
                self.handle(engine, StartFailed(f"the engine sent something the app cannot read ({exc})"))
                continue
            engine.note(message)
            self.handle(engine, message)
        if engine.dead:
            return  # discarded on purpose
        engine.dead = True
        self._forget(engine)
        self.ended(engine, self._exit_code(engine.pid))

    def _exited(self, pid: int, code: int) -> None:
        with self._code_known:
            if pid in self._read_dead:
                self._read_dead.discard(pid)
                return
            self._codes[pid] = code
            self._code_known.notify_all()

    def _exit_code(self, pid: int | None) -> int | None:
        """How engine `pid` ended: told by the template, or read from the dead process while the template,
        busy (its warm-up takes seconds), has not yet reaped it; None if neither comes within EXIT_CODE_WAIT."""
        if pid is None:
            return None
        deadline = time.monotonic() + EXIT_CODE_WAIT
        with self._code_known:
            while pid not in self._codes:
                if (code := exit_status(pid)) is not None:
                    self._read_dead.add(pid)
                    return code
                if time.monotonic() >= deadline:
                    return None
                self._code_known.wait(0.05)
            return self._codes.pop(pid)

    def _forget(self, engine: Engine) -> None:
        with self._lock:
            if engine in self.engines:
                self.engines.remove(engine)

    def discard(self, engine: Engine, wait: bool = False) -> None:
        """End the engine and everything it started (in the background unless `wait`)."""
        engine.dead = True
        self._forget(engine)
        if wait:
            self._kill(engine)
        else:
            threading.Thread(target=self._kill, args=(engine,), name="engine-discard", daemon=True).start()

    def _kill(self, engine: Engine) -> None:
        if engine.spawned.wait(5.0) and engine.pid is not None:
            end_tree(engine.pid, engine.token)
        with contextlib.suppress(OSError):
            engine.conn.close()

    def close(self) -> None:
        """End every engine now (and all they started), then leave the template."""
        with self._lock:
            engines, self.engines = list(self.engines), []
        for engine in engines:
            engine.dead = True
        for engine in engines:
            self._kill(engine)
        self.client.close()


def _log_path(log_dir: Path | None) -> Path:
    if log_dir is not None:
        folder = log_dir
    else:
        from engine.paths import cache_dir

        folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        folder = Path("/tmp")
    return _rotated(folder / "engine.log")


def _rotated(log: Path) -> Path:
    """`log`, moved to its .1 first if it has grown past LOG_ROTATE_BYTES."""
    with contextlib.suppress(OSError):
        if log.stat().st_size > LOG_ROTATE_BYTES:
            os.replace(log, log.with_suffix(".log.1"))
    return log
