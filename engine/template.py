"""The warm template: imports torch and the engine once, then forks engine processes for the apps of one user.

Run as `python -m engine.template SOCKET` (engine.template_client starts it when none answers). It
binds SOCKET, detaches, and then imports torch, every compute module and the default MNIST (memory-
mapped: engine.data), single-threaded and without touching CUDA, so a fork is safe: the parallel
thread pools (OpenMP, OpenBLAS) are made by each engine after the fork, with its own thread count,
and a CUDA engine makes its own context. A fork costs ~30 ms, against ~3 s for a cold start, and
the forks share the template's memory (torch's import alone is ~280 MB private per process).

Each app connects and asks for engines (protocol.Spawn, with its socket's end as a passed file
descriptor); the template tells it of each one's end (Exited). It is the subreaper of whatever an
engine leaves behind: an orphan re-parented to it, which is no engine, is killed with its tree. An
app that disconnects has its engines ended; with no app left for LINGER seconds, the template exits.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import selectors
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.reduction import recvfds

LINGER_VAR = "OPTCOURSE_TEMPLATE_LINGER"  # seconds the template waits for another app once the last has gone
LINGER = 1.0


@dataclass(eq=False)
class _Client:
    conn: Connection
    sock: socket.socket
    engines: set[int] = field(default_factory=set)


class Template:
    def __init__(self, listener: socket.socket, linger: float):
        self.listener = listener
        self.linger = linger
        self.clients: dict[int, _Client] = {}  # by file descriptor
        self.engines: dict[int, _Client] = {}  # pid -> the app that asked for it
        self.selector = selectors.DefaultSelector()
        self.failed: str | None = None
        self.warm = False  # the first uses done (_first_uses): once the first apps' engines are forked
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)

    # -- preload --------------------------------------------------------------------------------
    def preload(self) -> None:
        """Everything the engines share, imported once; no thread pool and no CUDA started."""
        try:
            import torch

            torch.set_num_threads(1)  # any parallel work here stays on this thread: nothing to inherit
            import pkgutil

            import engine.server  # noqa: F401
            from engine import sections
            from engine.data import load_mnist

            for module in pkgutil.iter_modules(sections.__path__):  # every job's compute function
                __import__(f"engine.sections.{module.name}")
            with contextlib.suppress(Exception):  # a missing or damaged MNIST is each engine's to report
                load_mnist(None, "cpu")
        except Exception as exc:  # noqa: BLE001  a broken install fails torch's import in many ways: apps are told
            self.failed = f"the engine could not start: {type(exc).__name__}: {exc}"
        gc.collect()
        gc.freeze()  # the forks' collections never write to these objects' pages (which stay shared)

    # -- the loop -------------------------------------------------------------------------------
    def serve(self) -> None:
        signal.set_wakeup_fd(self._wake_w, warn_on_full_buffer=False)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes the selector through the wakeup fd
        self.listener.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        idle_since = swept = time.monotonic()
        while True:
            if self.clients or self.engines:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since >= self.linger:
                return
            ready = self.selector.select(timeout=0.5 if self.warm else 0.2)
            if not ready and not self.warm:
                self._warm_up()
            for key, _ in ready:
                if key.data == "accept":
                    self._accept()
                elif key.data == "wake":
                    with contextlib.suppress(BlockingIOError, OSError):
                        os.read(self._wake_r, 4096)
                else:
                    if not self._serve_client(key.data):
                        return
            if self._reap() or time.monotonic() - swept > 5.0:
                self._sweep()
                swept = time.monotonic()

    def _warm_up(self) -> None:
        """Once idle, do what torch does only on first use (an optimizer's first step imports torch._dynamo:
        seconds), so that engines forked from now on start warm. Not before the first engines: an app's
        first engine comes as soon as on a cold start, and pays this on its first optimizer step instead."""
        self.warm = True
        if self.failed:
            return
        with contextlib.suppress(Exception):  # then each engine does it on first use
            import torch

            _first_uses(torch)
        gc.collect()
        gc.freeze()

    def _accept(self) -> None:
        try:
            sock, _ = self.listener.accept()
        except (BlockingIOError, OSError):
            return
        if not _same_user(sock):
            sock.close()
            return
        sock.setblocking(True)
        client = _Client(Connection(os.dup(sock.fileno())), sock)
        self.clients[sock.fileno()] = client
        self.selector.register(sock, selectors.EVENT_READ, client)
        if self.failed:
            self._tell(client, _failed(self.failed))

    def _serve_client(self, client: _Client) -> bool:
        from engine.protocol import Shutdown, Spawn

        try:
            message = client.conn.recv()
            fds = recvfds(client.sock, message.fds) if isinstance(message, Spawn) else []
        except (EOFError, OSError, pickle.UnpicklingError, RuntimeError):
            self._drop(client)
            return True
        if isinstance(message, Spawn):
            try:
                self._spawn(client, message, fds)
            finally:
                for fd in fds:
                    os.close(fd)
        elif isinstance(message, Shutdown):  # tests and benchmarks: end every engine and exit now
            for other in list(self.clients.values()):
                self._drop(other)
            return False
        return True

    def _tell(self, client: _Client, message) -> None:
        try:
            client.conn.send(message)
        except OSError:
            self._drop(client)

    def _drop(self, client: _Client) -> None:
        """An app has gone: end its engines and everything they started."""
        from engine.proctree import end_tree

        if self.clients.pop(client.sock.fileno(), None) is None:
            return
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(client.sock)
        for pid in list(client.engines):
            end_tree(pid)
        client.conn.close()
        client.sock.close()

    # -- engines --------------------------------------------------------------------------------
    def _spawn(self, client: _Client, request, fds: list[int]) -> None:
        from engine.protocol import Spawned

        if self.failed:
            self._tell(client, _failed(self.failed))
            return
        try:
            pid = os.fork()
        except OSError:  # too many processes (learner code that forks without end), no memory: this one fails
            self._tell(client, Spawned(request.request, -1))
            return
        if pid == 0:
            code = 1
            try:
                code = self._become(request, fds)
            finally:
                os._exit(code)
        self.engines[pid] = client
        client.engines.add(pid)
        self._tell(client, Spawned(request.request, pid))

    def _become(self, request, fds: list[int]) -> int:
        """In the forked child: shed the template's sockets and signals, take the app's surroundings, serve."""
        from engine.proctree import become_subreaper, die_with_parent

        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        self.selector.close()
        for client in self.clients.values():
            client.conn.close()
            client.sock.close()
        self.listener.close()
        os.close(self._wake_r)
        os.close(self._wake_w)
        os.setsid()  # its own process group: a kill of the group reaches what it forked
        die_with_parent()
        become_subreaper()  # orphans of what the learner's code starts stay in this engine's tree
        os.environ.clear()
        os.environ.update(request.env)
        with contextlib.suppress(OSError):
            os.chdir(request.cwd)
        with contextlib.suppress(OSError):
            log = os.open(request.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.dup2(log, 1)
            os.dup2(log, 2)
            os.close(log)
        if request.role == "check":
            return _check(request, fds)
        from engine.server import EngineServer

        conn = Connection(fds[0])
        server = EngineServer(conn.send, request.settings, role=request.role)
        if server.start():
            server.serve(conn)
        return 0

    def _reap(self) -> bool:
        """Reap ended processes, telling the apps of their engines' ends; True if any was reaped."""
        from engine.protocol import Exited

        reaped = False
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            reaped = True
            client = self.engines.pop(pid, None)
            if client is not None:
                client.engines.discard(pid)
                if client.sock.fileno() in self.clients:
                    self._tell(client, Exited(pid, _returncode(status)))
        return reaped

    def _sweep(self) -> None:
        """Kill the orphans handed to this subreaper: an engine that died left them (no engine is a grandchild)."""
        from engine.proctree import children_of, end_tree

        for orphan in children_of(os.getpid()) - set(self.engines):
            end_tree(orphan, group=False)


def _check(request, fds: list[int]) -> int:
    """A check (engine.exercises.runner): its status on fds[0], what the learner's code prints on fds[1]."""
    import io

    status, out = fds
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    sys.stdout = io.TextIOWrapper(open(1, "wb", buffering=0, closefd=False), write_through=True)  # noqa: SIM115
    sys.stderr = io.TextIOWrapper(open(2, "wb", buffering=0, closefd=False), write_through=True)  # noqa: SIM115
    from engine.exercises.runner import main as check

    path, exercise, data_dir = request.args
    return check([path, exercise, str(status), data_dir])


def _first_uses(torch) -> None:
    """What torch imports only when first used: an optimizer's first step imports torch._dynamo and sympy
    (~900 modules, 5 s on a loaded machine), which every engine would otherwise pay on its first run."""
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    x, y = torch.randn(5, 4), torch.tensor([0, 1, 0, 1, 1])
    for make in (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW, torch.optim.RMSprop, torch.optim.Adagrad):
        optimizer = make(model.parameters(), lr=1e-3)
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()


def _returncode(status: int) -> int:
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _failed(message: str):
    from engine.protocol import TemplateFailed

    return TemplateFailed(message)


def _same_user(sock: socket.socket) -> bool:
    """Only the user who owns the template may ask it for engines (the socket's folder is private too)."""
    try:
        import struct

        creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        return struct.unpack("3i", creds)[1] == os.getuid()
    except (AttributeError, OSError):
        return True  # no SO_PEERCRED: the private folder is the only check


def main(argv: list[str]) -> int:
    path = argv[0]
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # numpy's pool would start at import: forks must not inherit threads
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    listener.bind(path)
    listener.listen(64)
    inode = os.stat(path).st_ino
    if os.fork() != 0:  # the app waits for this process; the template goes on detached
        os._exit(0)
    os.setsid()
    from engine.proctree import become_subreaper

    become_subreaper()
    linger = float(os.environ.get(LINGER_VAR) or LINGER)
    template = Template(listener, linger)
    template.preload()
    try:
        template.serve()
    finally:
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == inode:  # still ours, not a newer template's
                os.unlink(path)
        for client in list(template.clients.values()):
            template._drop(client)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
