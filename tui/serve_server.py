"""The textual-serve server behind `optcourse-tui serve` (aiohttp and textual-serve, imported only when serving).

tui/serve.py decides the policy (which requests are refused, how many sessions, each app's
environment) and hands it over as a Policy; this module holds textual-serve's subclasses.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

log = logging.getLogger("textual-serve")

MAX_CELLS = 1000  # the most columns or rows a tab may ask for: no browser window is larger, and an app drawn
# at 100000x100000 would take the server's memory


class BadMessage(ValueError):
    """A websocket message that textual-serve's page never sends; its text says what it was, in one line."""


def read_message(text: str) -> tuple[str, object]:
    """(type, data) of a tab's message, as textual-serve 1.1.3's page sends them: ["stdin", text],
    ["resize", {"width": w, "height": h}] (data then a (w, h) tuple), ["ping", data], ["blur"], ["focus"];
    any other type is passed on for the caller to ignore. Else BadMessage."""
    shown = repr(text[:40]) + ("..." if len(text) > 40 else "")
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested deeper than the parser goes
        raise BadMessage(f"a message that is not JSON: {shown}") from None
    if not (isinstance(envelope, list) and envelope and isinstance(envelope[0], str)):
        raise BadMessage(f"a message that is not a [type, data] list: {shown}")
    kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
    if kind == "stdin" and not isinstance(data, str):
        raise BadMessage(f"keys that are not text: {shown}")
    if kind == "resize":
        size = [data.get(side) if isinstance(data, dict) else None for side in ("width", "height")]
        if not all(type(n) is int and 1 <= n <= MAX_CELLS for n in size):
            raise BadMessage(f"a size that is not two whole numbers from 1 to {MAX_CELLS}: {shown}")
        data = (size[0], size[1])
    return kind, data


def cells(text: str | None, default: int) -> int:
    """A width or height from the websocket's address: a whole number within 1..MAX_CELLS, else `default`."""
    n = to_int(text or "", default)
    return n if 1 <= n <= MAX_CELLS else default


@dataclass(frozen=True)
class Policy:
    """What tui/serve.py decided for this server."""

    max_sessions: int
    env: dict[str, str]  # set in each tab's app (PYTHONPATH put first)
    quit_grace: float  # seconds an app gets to quit when asked, then SIGTERM; as long again, then SIGKILL
    refusal: Callable[[str, str, str | None], str]  # (server host, request host, Origin) -> why refused, or ""
    full_page: Callable[[int], str]  # the page saying the server is full at that many sessions


class CourseAppService(AppService):
    """One tab's app: exec'd in its own process group, terminated if it does not quit when asked."""

    def __init__(self, *args, env: dict[str, str], quit_grace: float, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._env, self._quit_grace = env, quit_grace
        self._stopping: asyncio.Task | None = None

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        env = super()._build_environment(width, height)
        for name, value in self._env.items():  # PYTHONPATH goes before the inherited one
            env[name] = os.pathsep.join(filter(None, [value, env.get(name)])) if name == "PYTHONPATH" else value
        return env

    async def _open_app_process(self, width: int = 80, height: int = 24):
        self._process = process = await asyncio.create_subprocess_shell(
            self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            start_new_session=True,  # its own process group: a kill reaches whatever it started
        )
        self._stdin = process.stdin
        return process

    async def stop(self) -> None:
        if self._stopping is None:  # the websocket's end and the server's shutdown may both ask
            self._stopping = asyncio.ensure_future(self._stop())
        await asyncio.shield(self._stopping)

    async def _stop(self) -> None:
        task, process = self._task, self._process
        if task is None or process is None:
            return
        with contextlib.suppress(Exception):
            await self.send_meta({"type": "quit"})
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None and process.returncode is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, sig)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(process.wait(), self._quit_grace)
                break
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(task, self._quit_grace)
        self._task = None


class CourseServer(Server):
    """textual-serve's Server with the course's request checks, a cap on sessions and a clean shutdown."""

    def __init__(self, command: str, host: str, port: int, policy: Policy) -> None:
        super().__init__(command, host=host, port=port, title="optcourse-tui")
        self.policy = policy
        self.max_sessions = policy.max_sessions
        self.services: set[CourseAppService] = set()
        self.sockets: set[web.WebSocketResponse] = set()

    def _allowed(self, request: web.Request) -> str:
        """Why a request is refused ("" if allowed)."""
        return self.policy.refusal(self.host, request.host, request.headers.get("Origin"))

    async def handle_index(self, request: web.Request):
        if why := self._allowed(request):
            raise web.HTTPForbidden(text=why)
        if len(self.services) >= self.max_sessions:
            return web.Response(text=self.policy.full_page(self.max_sessions), content_type="text/html", status=503)
        # The page's websocket and static addresses as the browser reached us (any forwarded port).
        self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        # As textual-serve 1.1.3's, plus the request check and the bookkeeping used at shutdown.
        if why := self._allowed(request):
            raise web.HTTPForbidden(text=why)
        websocket = web.WebSocketResponse(heartbeat=15)
        width, height = cells(request.query.get("width"), 80), cells(request.query.get("height"), 24)
        service: CourseAppService | None = None
        try:
            await websocket.prepare(request)
            self.sockets.add(websocket)
            if len(self.services) >= self.max_sessions:  # the page was served before the last place went
                n = self.max_sessions
                full = f"\r\n  The server is full ({n} session{'s' if n != 1 else ''}): reload the page later.\r\n"
                await websocket.send_bytes(full.encode())
                return websocket
            service = CourseAppService(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=websocket.close,
                download_manager=self.download_manager,
                debug=self.debug,
                env=self.policy.env,
                quit_grace=self.policy.quit_grace,
            )
            self.services.add(service)
            await service.start(width, height)
            await self._process_messages(websocket, service)
        except asyncio.CancelledError:
            pass
        except Exception as error:
            log.exception(error)
        finally:
            if service is not None:
                await service.stop()
                self.services.discard(service)
            self.sockets.discard(websocket)
            with contextlib.suppress(Exception):
                await websocket.close()
        return websocket

    async def _process_messages(self, websocket: web.WebSocketResponse, app_service: AppService) -> None:
        # As textual-serve 1.1.3's, but a message its page never sends ends the tab's session with one line in
        # the server's log (it raised there, and the traceback, locals and all, filled the terminal).
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, data = read_message(message.data)
            except BadMessage as why:
                log.warning("A tab sent %s: its session is closed.", why)
                return
            if kind == "stdin":
                assert isinstance(data, str)
                await app_service.send_bytes(data.encode("utf-8", "replace"))  # a lone surrogate: "?", not a raise
            elif kind == "resize":
                assert isinstance(data, tuple)
                await app_service.set_terminal_size(*data)
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await app_service.blur()
            elif kind == "focus":
                await app_service.focus()

    async def on_shutdown(self, app: web.Application) -> None:
        # Before aiohttp waits (60 s) for open websockets: stop every tab's app, then close them.
        await asyncio.gather(*(s.stop() for s in list(self.services)), return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in list(self.sockets)), return_exceptions=True)
        from engine.template_client import release_templates

        release_templates()  # the template exits once no app of this user needs it (a terminal's may)
