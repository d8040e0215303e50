"""The app's side of the warm template (engine.template): find or start the user's one, and ask it for engines.

The template listens on a Unix socket in a folder only this user can enter, named after what it
would fork (this Python, the engine's source files, the cache folder), so every app of one user and
one install shares one template, and a changed engine gets a fresh one. No torch is imported here.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import itertools
import os
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.reduction import sendfds
from pathlib import Path

from . import paths
from .protocol import Exited, Spawn, Spawned, TemplateFailed
from .settings import EngineSettings

ENGINE_DIR = Path(__file__).resolve().parent
START_LIMIT = 20.0  # seconds for a new template to listen (it binds before importing torch)
SPAWN_LIMIT = 180.0  # seconds for an engine to be forked: a new template imports torch first (slow machines)
SOCKET_VAR = "OPTCOURSE_TEMPLATE_SOCKET"  # a path to use instead of the one worked out here (tests)


class TemplateError(RuntimeError):
    """No template could be reached or started (the message says why, for a person)."""


class _Gone(TemplateError):
    """The template closed before it answered a request: it exited, so another may be found or started."""


def _private_dir() -> Path:
    """A folder only this user may enter: $XDG_RUNTIME_DIR's, else one in the temporary folder."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    candidates = [Path(runtime)] if runtime else []
    candidates.append(Path(tempfile.gettempdir()) / f"optcourse-{os.getuid()}")
    for folder in candidates:
        with contextlib.suppress(OSError):
            folder.mkdir(mode=0o700, exist_ok=True)
            info = os.lstat(folder)
            if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077:
                return folder
    raise TemplateError(f"no private folder for the engine's socket (tried {', '.join(map(str, candidates))})")


def _stamp() -> str:
    """What the template would run: this Python, and every engine source file's path, size and time."""
    h = hashlib.sha1(f"{sys.executable}|{ENGINE_DIR}|{paths.cache_dir()}".encode())
    for path in sorted(ENGINE_DIR.rglob("*.py")):
        with contextlib.suppress(OSError):
            info = path.stat()
            h.update(f"{path}|{info.st_size}|{info.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def socket_path() -> Path:
    override = os.environ.get(SOCKET_VAR)
    return Path(override) if override else _private_dir() / f"engine-{_stamp()}.sock"


class TemplateClient:
    """One app's connection to the template: spawn() engines, learn when they end (on_exit)."""

    def __init__(self, on_exit: Callable[[int, int], None], log: Path):
        self.on_exit = on_exit
        self.log = log
        self._lock = threading.Lock()  # one request (message + its file descriptor) at a time
        self._connecting = threading.Lock()
        self._requests = itertools.count(1)
        self._waiting: dict[int, list] = {}  # request -> [event, pid, the connection it was sent on]
        self._conn: Connection | None = None
        self._sock: socket.socket | None = None
        self.failed: str | None = None
        self.closed = False

    # -- connecting -----------------------------------------------------------------------------
    def _connect(self) -> None:
        if self._conn is not None:
            return
        path = socket_path()
        sock = _try_connect(path)
        if sock is None:
            with open(f"{path}.lock", "a") as lock:  # one app starts it; the others wait and connect
                fcntl.flock(lock, fcntl.LOCK_EX)
                sock = _try_connect(path) or self._start(path)
        self._sock = sock
        self._conn = Connection(os.dup(sock.fileno()))
        threading.Thread(target=self._read, args=(self._conn,), name="template-reader", daemon=True).start()

    def _start(self, path: Path) -> socket.socket:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ENGINE_DIR.parent), env.get("PYTHONPATH", "")) if p)
        with contextlib.suppress(OSError):  # a first start: `serve` warms the template before any app made the folder
            self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            starter = subprocess.Popen(
                [sys.executable, "-m", "engine.template", str(path)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=out,
                start_new_session=True,  # not in the terminal's process group: Ctrl+C is the app's
                env=env,
                cwd="/",
            )
        deadline = time.monotonic() + START_LIMIT
        try:
            starter.wait(START_LIMIT)  # it exits once the template listens, detached
        except subprocess.TimeoutExpired:
            starter.kill()
            starter.wait()
        while time.monotonic() < deadline:
            sock = _try_connect(path)
            if sock is not None:
                return sock
            time.sleep(0.02)
        raise TemplateError(f"the engine's template did not start within {START_LIMIT:.0f} s (see {self.log})")

    def _read(self, conn: Connection) -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError, TypeError, ValueError):  # closed, also by another thread
                break
            if isinstance(message, Spawned):
                with self._lock:
                    waiting = self._waiting.pop(message.request, None)
                if waiting is not None:
                    waiting[1] = message.pid
                    waiting[0].set()
            elif isinstance(message, Exited):
                self.on_exit(message.pid, message.code)
            elif isinstance(message, TemplateFailed):
                self.failed = message.message
                self._wake_all(conn)
        with self._lock:
            if self._conn is conn:  # the template is gone: the next spawn starts or finds another
                self._conn = None
                self._sock = None
        self._wake_all(conn)

    def _wake_all(self, conn: Connection | None = None) -> None:
        """Wake the requests sent on `conn` (default: all) unanswered: a request already sent to the next
        template is not woken by the old one's reader."""
        with self._lock:
            woken = [r for r, w in self._waiting.items() if conn is None or w[2] is conn]
            waiting = [self._waiting.pop(r) for r in woken]
        for event, _pid, _conn in waiting:
            event.set()

    # -- engines --------------------------------------------------------------------------------
    def spawn(
        self,
        settings: EngineSettings,
        role: str,
        fds: list[int],
        token: str,
        *,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
        cwd: str | None = None,
        log: Path | None = None,
    ) -> int:
        """Fork a process of `role` (an engine talking over fds[0]; a check: its status and output pipes); its pid.
        Its standard output and error go to `log` (default: this client's).

        Blocks until the template has forked it: a template that is just starting imports torch first.
        """
        if self.closed:
            raise TemplateError("the app is closing")
        env = dict(os.environ if env is None else env)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ENGINE_DIR.parent), env.get("PYTHONPATH", "")) if p)
        from .proctree import TOKEN_VAR

        env[TOKEN_VAR] = token  # what the engine execs carries it: ended with the app, wherever it went

        def message(request: int) -> Spawn:
            return Spawn(request, settings, role, env, cwd or os.getcwd(), str(log or self.log), args, len(fds))

        try:
            pid = self._ask(message, fds)
        except _Gone:  # its linger ran out as this app reached it (an app quit and started again): the next one
            if self.closed:
                raise
            pid = self._ask(message, fds)
        if pid < 0:
            raise TemplateError("the system refused to start another process (too many processes, or no memory)")
        return pid

    def _ask(self, message: Callable[[int], Spawn], fds: list[int]) -> int:
        """Send one Spawn to the template (found or started) and wait for its pid; _Gone if it went unanswered."""
        try:
            with self._connecting:
                self._connect()
        except OSError as exc:
            raise TemplateError(f"cannot reach the engine's template: {exc}") from exc
        request = next(self._requests)
        with self._lock:
            conn, sock = self._conn, self._sock
            if conn is None or sock is None:
                raise _Gone("the engine's template has gone")
            waiting: list = [threading.Event(), None, conn]
            self._waiting[request] = waiting
            try:
                conn.send(message(request))
                sendfds(sock, fds)
            except OSError as exc:
                self._waiting.pop(request, None)
                self._conn = self._sock = None  # the next request connects afresh; its reader sees this one closed
                for closable in (conn, sock):
                    with contextlib.suppress(OSError):
                        closable.close()
                raise _Gone(f"cannot reach the engine's template: {exc}") from exc
        if not waiting[0].wait(SPAWN_LIMIT):
            raise TemplateError(f"the engine's template did not answer within {SPAWN_LIMIT:.0f} s (see {self.log})")
        if waiting[1] is None:
            if self.failed:
                raise TemplateError(self.failed)
            raise _Gone("the engine's template has gone")
        return waiting[1]

    def close(self) -> None:
        """Disconnect: the template ends every engine of this app (the app ends them first itself)."""
        self.closed = True
        with self._lock:
            conn, sock, self._conn, self._sock = self._conn, self._sock, None, None
        for closable in (conn, sock):
            if closable is not None:
                with contextlib.suppress(OSError):
                    closable.close()
        self._wake_all()


def _try_connect(path: Path) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except OSError:
        sock.close()
        return None
    return sock


_held: list[TemplateClient] = []


def ensure_template(log: Path | None = None) -> TemplateClient:
    """Connect to this install's template, starting it if none runs; held, the connection keeps it warm
    (`optcourse-tui serve` holds one for its tabs, released when it stops: release_templates)."""
    client = TemplateClient(lambda pid, code: None, log or paths.cache_dir() / "engine.log")
    with client._connecting:
        client._connect()
    _held.append(client)
    return client


def release_templates() -> None:
    """Let go of the templates ensure_template held: each exits once no app uses it."""
    while _held:
        _held.pop().close()


def stop_template(path: Path | None = None) -> bool:
    """Ask the template at `path` (default: this install's) to end every app's engines and exit (tests and
    benchmarks only: an app's own engines end with the app, and the template once no app is left)."""
    from .protocol import Shutdown

    sock = _try_connect(path or socket_path())
    if sock is None:
        return False
    with sock, Connection(os.dup(sock.fileno())) as conn:
        conn.send(Shutdown())
        with contextlib.suppress(EOFError, OSError):
            conn.recv()  # it closes the connection as it exits
    return True
