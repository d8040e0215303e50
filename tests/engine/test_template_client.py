"""The app's side of the engine template: a template that exits as the app reaches it is replaced, not fatal."""

from __future__ import annotations

import os
import socket
import threading
from multiprocessing.connection import Connection
from multiprocessing.reduction import recvfds

from engine.protocol import Spawn, Spawned
from engine.settings import EngineSettings
from engine.template_client import SOCKET_VAR, TemplateClient


def lingering_then_fresh_template(path: str, answered: list[Spawn]) -> threading.Thread:
    """A stand-in template at `path`: its first app connection closes unanswered, as a template whose linger ran
    out just as the app connected does; the next one forks "pid 4242"."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(4)

    def serve() -> None:
        with listener:
            first, _ = listener.accept()
            with first, Connection(os.dup(first.fileno())) as conn:
                conn.recv()  # the Spawn; the template is gone before it forks
            second, _ = listener.accept()
            with second, Connection(os.dup(second.fileno())) as conn:
                spawn = conn.recv()
                for fd in recvfds(second, spawn.fds):
                    os.close(fd)
                answered.append(spawn)
                conn.send(Spawned(spawn.request, 4242))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


def test_a_template_gone_before_it_answered_is_asked_again(tmp_path, monkeypatch):
    """Quitting the app and starting it again within the template's linger (1 s) showed "the engine's template has
    gone" and left the first run waiting: the app reached the old template in the instant it exited."""
    path = str(tmp_path / "t.sock")
    monkeypatch.setenv(SOCKET_VAR, path)
    answered: list[Spawn] = []
    server = lingering_then_fresh_template(path, answered)
    client = TemplateClient(lambda pid, code: None, tmp_path / "engine.log")
    ours, theirs = socket.socketpair()
    try:
        assert client.spawn(EngineSettings(), "reference", [theirs.fileno()], "token") == 4242
        assert [s.role for s in answered] == ["reference"]
    finally:
        client.close()
        ours.close()
        theirs.close()
        server.join(10)
