"""`optcourse-tui serve`: its flags, its request checks, and the app driven in real headless Chromium."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tui import serve

from .cdp import Browser, find_chromium

ROOT = Path(__file__).resolve().parents[2]


# -- flags --------------------------------------------------------------------------------------------
def test_defaults_are_loopback_and_a_stated_port():
    args, app_argv = serve.parse_args(["--device", "cpu", "--data-dir", str(ROOT / "assets" / "mnist")])
    assert (args.host, args.port, args.public) == ("127.0.0.1", 8000, False)
    assert app_argv == ["--device", "cpu", "--data-dir", str(ROOT / "assets" / "mnist")]
    assert serve.app_command(["--data-dir", "a folder"]).startswith("exec ")
    assert serve.app_command(["--data-dir", "a folder"]).endswith("-m tui --data-dir 'a folder'")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--host", "0.0.0.0"], "add --public"),
        (["--port", "70000"], "not a port number"),
        (["--reset-progress"], "asks on a terminal"),
        (["--section", "99"], "unknown section"),
        (["--colour"], "unrecognized arguments"),
    ],
)
def test_bad_flags_are_refused_before_serving(argv, message, capsys):
    with pytest.raises(SystemExit):
        serve.parse_args(argv)
    assert message in capsys.readouterr().err


def test_a_public_address_needs_the_flag_and_gets_a_warning():
    args, _ = serve.parse_args(["--host", "0.0.0.0", "--public"])
    assert args.public and not serve.is_loopback("0.0.0.0")
    warning = serve.public_warning("0.0.0.0", 8000)
    assert "WARNING" in warning and "runs Python code" in warning and "ssh -L 8000:localhost:8000" in warning
    assert all(serve.is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"))


def test_a_port_in_use_is_a_message_not_a_traceback(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            [sys.executable, "-m", "tui", "serve", "--port", str(port)],
            cwd=ROOT,
            env=dict(os.environ, OPTCOURSE_HOME=str(tmp_path), PYTHONPATH=str(ROOT)),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 2 and f"cannot listen on 127.0.0.1:{port}" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


# -- a running server ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children() -> dict[int, int]:
    """pid -> parent pid of every process now."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if fields[0] != "Z":  # a zombie has exited already
                found[int(stat.parent.name)] = int(fields[1])
    return found


def started_by(server: int) -> set[int]:
    """Processes the server started, directly or not: by parentage, or by the mark each tab's app carries."""
    table = children()
    kin = {p for p, parent in table.items() if parent == server}
    while grown := {p for p, parent in table.items() if parent in kin} - kin:
        kin |= grown
    for pid in table:
        with contextlib.suppress(OSError):
            if f"{serve.SERVED_ENV}={server}\0".encode() in Path(f"/proc/{pid}/environ").read_bytes():
                kin.add(pid)
    return kin


@contextlib.contextmanager
def running_server(tmp_path, *flags: str):
    port = free_port()
    env = dict(os.environ, OPTCOURSE_HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--port", str(port), *flags],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
        yield proc, port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


async def test_pages_from_other_sites_and_rebound_names_are_refused(tmp_path):
    import aiohttp

    with running_server(tmp_path, "--device", "cpu") as (proc, port):
        url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            async with http.get(url, headers={"Host": f"localhost:{port}"}) as page:
                # The page's websocket follows the address used: any SSH-forwarded port works.
                assert page.status == 200 and f'"ws://localhost:{port}/ws"' in await page.text()
            async with http.get(url, headers={"Host": f"evil.example:{port}"}) as page:
                assert page.status == 403  # DNS rebinding: a name that is not loopback
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"{url}/ws", headers={"Origin": "http://evil.example"})
            assert refused.value.status == 403  # another web site's page opening a session
        # No app was started for a refused request (the engines' template, started with the server, is no app).
        assert not [p for p in started_by(proc.pid) if b"tui" in Path(f"/proc/{p}/cmdline").read_bytes()]


# -- the browser test ---------------------------------------------------------------------------------
HOOK = "this.terminal.open(e),"  # in textual-serve's textual.js: where its xterm.js Terminal is opened
SCREEN_JS = """(() => { const t = window.__optcourseTerminal; if (!t) return null;
  const b = t.buffer.active, rows = [];
  for (let i = 0; i < t.rows; i++) {
    const l = b.getLine(b.viewportY + i); rows.push(l ? l.translateToString(true) : ""); }
  return rows.join("\\n"); })()"""
KEYS = {"4": ("Digit4", 52), "]": ("BracketRight", 221), **{c: (f"Key{c.upper()}", ord(c.upper())) for c in "esz"}}


async def expose_terminal(browser: Browser) -> None:
    """Serve textual.js with one addition, a handle on its xterm.js Terminal, so the test reads the rendered rows."""
    while True:
        event = await browser.events.get()
        if event.get("method") != "Fetch.requestPaused":
            continue
        params, session = event["params"], event.get("sessionId")
        body = await browser.send("Fetch.getResponseBody", {"requestId": params["requestId"]}, session)
        script = base64.b64decode(body["body"]).decode() if body["base64Encoded"] else body["body"]
        patched = script.replace(HOOK, HOOK + "window.__optcourseTerminal=this.terminal,", 1)
        await browser.send(
            "Fetch.fulfillRequest",
            {
                "requestId": params["requestId"],
                "responseCode": params.get("responseStatusCode", 200),
                "responseHeaders": params.get("responseHeaders", []),
                "body": base64.b64encode(patched.encode()).decode(),
            },
            session,
        )
        if patched == script:
            raise AssertionError(f"textual-serve's textual.js no longer contains {HOOK!r}: update the test's hook")


async def wait_for(browser: Browser, session: str, pattern: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = await browser.evaluate(session, SCREEN_JS) or ""
        if re.search(pattern, text):
            return text
        await asyncio.sleep(0.25)
    raise AssertionError(f"{pattern!r} not on the page within {timeout:g} s; it shows:\n{text}")


async def press(browser: Browser, session: str, key: str, ctrl: bool = False) -> None:
    code, vk = KEYS[key]
    common = {"key": key, "code": code, "windowsVirtualKeyCode": vk, "modifiers": 2 if ctrl else 0}
    text = {} if ctrl else {"text": key}
    await browser.send("Input.dispatchKeyEvent", {"type": "keyDown", **text, **common}, session)
    await browser.send("Input.dispatchKeyEvent", {"type": "keyUp", **common}, session)


@pytest.mark.browser
async def test_section_4_and_its_editor_run_in_headless_chromium_and_nothing_is_left_behind(tmp_path):
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium; .ci/run installs it)")
    with running_server(tmp_path, "--device", "cpu") as (server, port):
        browser = Browser(chromium, tmp_path / "profile")
        patcher = None
        try:
            await browser.connect()
            page = await browser.page()
            patcher = asyncio.ensure_future(expose_terminal(browser))
            pattern = {"urlPattern": "*/static/js/textual.js*", "requestStage": "Response"}
            await browser.send("Fetch.enable", {"patterns": [pattern]}, page)
            await browser.send("Page.navigate", {"url": f"http://127.0.0.1:{port}/"}, page)
            await wait_for(browser, page, r"Pick a section with", 40)  # the home screen
            apps = {p for p in started_by(server.pid) if children().get(p) == server.pid}
            assert len(apps) == 1  # this tab's own app process, with the server's flags
            cmdline = Path(f"/proc/{next(iter(apps))}/cmdline").read_bytes().split(b"\0")
            assert cmdline[-5:] == [b"-m", b"tui", b"--device", b"cpu", b""]
            await browser.evaluate(page, "window.__optcourseTerminal.focus()")
            await press(browser, page, "4")
            await wait_for(browser, page, r"4\. Poor conditioning[\s\S]*Demo", 20)
            await press(browser, page, "]")
            shown = await wait_for(browser, page, r"within 1e-6|diverged", 60)  # GD vs momentum computed
            assert "Momentum" in shown and "GD" in shown
            await browser.screenshot(page, tmp_path / "section4.png")
            assert (tmp_path / "section4.png").stat().st_size > 10_000
            await press(browser, page, "]")  # the Theory tab
            await wait_for(browser, page, r"condition number", 20)
            await press(browser, page, "]")  # the κ explorer tab
            await wait_for(browser, page, r"κ ◀", 20)
            await press(browser, page, "]")  # the Exercise tab: e edits in the app (no terminal to hand over)
            await wait_for(browser, page, r"Exercise 4: Implement momentum", 20)
            await press(browser, page, "e")
            await wait_for(browser, page, r"momentum_update at line[\s\S]*leave editor", 20)  # the editor has the keys
            await press(browser, page, "z")
            await press(browser, page, "s", ctrl=True)
            await wait_for(browser, page, r"Saved exercises\.py", 20)
            saved = (tmp_path / "home" / "workspace" / "exercises.py").read_text()
            # The editor opens at the stub's raise line of momentum_update (issue 20): the z went there.
            typed = [line for line in saved.splitlines() if 'zraise NotImplementedError("Implement momentum' in line]
            assert len(typed) == 1, [line for line in saved.splitlines() if "z" in line]
            before = started_by(server.pid)
            assert before  # the app, and anything it started
            server.send_signal(signal.SIGTERM)  # with the tab still open
            assert server.wait(timeout=30) == 0
            deadline = time.monotonic() + 10
            while (left := before & set(children())) and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            assert not left and started_by(server.pid) == set(), f"left behind: {left}"
        finally:
            if patcher is not None:
                patcher.cancel()
            await browser.close()


async def test_a_full_server_says_so_and_an_app_whose_server_was_killed_exits_by_itself(tmp_path):
    import aiohttp

    assert serve.default_max_sessions(10 * serve.SESSION_BYTES + 1) == 10 and serve.default_max_sessions(0) == 1
    with running_server(tmp_path, "--device", "cpu", "--max-sessions", "1") as (server, port):
        async with aiohttp.ClientSession() as http:
            ws = await http.ws_connect(f"http://127.0.0.1:{port}/ws?width=80&height=24")
            first = await asyncio.wait_for(ws.receive(), 30)  # the app's first screen: it runs
            assert first.type == aiohttp.WSMsgType.BINARY
            apps = started_by(server.pid)
            assert apps
            # A second tab: the page says the server is full, and a websocket opened anyway gets no app.
            async with http.get(f"http://127.0.0.1:{port}/") as page:
                assert page.status == 503 and "The server is full" in await page.text()
            other = await http.ws_connect(f"http://127.0.0.1:{port}/ws?width=80&height=24")
            said = await asyncio.wait_for(other.receive(), 30)
            assert said.type == aiohttp.WSMsgType.BINARY and b"The server is full (1 session)" in said.data
            await other.close()
            tabs = lambda: {p for p, parent in children().items() if parent == server.pid}
            assert len(tabs()) == 1  # one tab's app: none for the second
            try:
                server.kill()  # no chance to stop anything: its apps must notice and quit
                server.wait(timeout=10)
                deadline = time.monotonic() + 15
                while (left := apps & set(children())) and time.monotonic() < deadline:
                    await asyncio.sleep(0.2)
                assert not left, f"left behind: {left}"
            finally:
                for pid in apps & set(children()):
                    os.kill(pid, signal.SIGKILL)


class Tab:
    """A browser tab as the server sees it: a websocket that types and reads what its app draws."""

    def __init__(self, ws) -> None:
        self.ws, self.out = ws, b""

    async def until(self, wanted: bytes, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while wanted not in self.out:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{wanted!r} not drawn within {timeout:g} s: {self.out[-600:]!r}")
            message = await asyncio.wait_for(self.ws.receive(), left)
            if isinstance(message.data, bytes):
                self.out += message.data

    async def type(self, text: str) -> None:
        await self.ws.send_json(["stdin", text])


async def test_two_tabs_answering_different_questions_keep_both(tmp_path):
    """Each tab is its own app process on one data folder: each save wrote the whole answers.json from that
    process's memory, so the last one to type dropped the other's answer (issue 19)."""
    import aiohttp

    from engine.progress import ProgressStore

    with running_server(tmp_path, "--device", "cpu") as (_, port):
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{port}/ws?width=100&height=30"
            a, b = Tab(await http.ws_connect(url)), Tab(await http.ws_connect(url))
            await a.until(b"Pick a section")
            await b.until(b"Pick a section")
            await a.type("1")
            await a.until(b"1. Introduction")
            await a.type("[")  # the Questions tab: the first answer box has the keys
            await a.until(b"Your answer")
            await a.type("from tab A")
            await b.type("3")
            await b.until(b"3. High-dimensional search")
            await b.type("[")
            await b.until(b"Your answer")
            await b.type("from tab B")
            await b.until(b"from tab B")
            await a.type(" and more")
            want = {"discuss-1": "from tab A and more", "think-3": "from tab B"}
            deadline = time.monotonic() + 30
            while (answers := ProgressStore(tmp_path / "home").answers) != want and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            assert answers == want
            await a.ws.close()
            await b.ws.close()
