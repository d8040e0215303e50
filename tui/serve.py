"""`optcourse-tui serve`: the app in a web browser through textual-serve, one app process per browser tab.

textual-serve (1.1.x, read for this) runs the app command through a shell for each websocket,
speaks to it over stdin/stdout, and stops it only by asking it to quit. This module (with its
server, tui/serve_server.py) adds what a course that runs learner code needs: the app command
is exec'd (so the app is the server's own child and can be killed), an app that does not quit
when asked is terminated, every app is stopped when the server stops, an app whose server died
exits by itself, the page's websocket address follows the address the browser used (so any SSH
forwarded port works), and a websocket from another web site or a rebound DNS name is refused
(browsers let any page open a websocket to 127.0.0.1).
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import logging
import os
import shlex
import signal
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from .args import parse_args as app_parse_args

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
QUIT_GRACE = 5.0  # seconds an app gets to quit when asked, then SIGTERM; as long again, then SIGKILL
# What one more browser tab costs: ~100 MB idle after a demo (benchmarks/bench_class.py: the PSS of its
# app and engines, the shared engine template and MNIST counted once; a Bonus training adds <10 MB), plus
# the engine a run of the learner's code gets while it runs (PSS ~150 MB). The default cap keeps that many
# sessions within the memory available at start.
SESSION_BYTES = 250 << 20
SERVED_ENV = "OPTCOURSE_SERVED"  # set in each tab's app: the server's process id
_ROOT = str(Path(__file__).resolve().parents[1])  # the folder holding the tui and engine packages

log = logging.getLogger("textual-serve")


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    """(the server's flags, the app's flags for each tab), the app's checked as `optcourse-tui` checks them."""
    parser = argparse.ArgumentParser(
        prog="optcourse-tui serve",
        description="Serve optcourse-tui to a web browser: each browser tab gets its own app process.",
        epilog="Any flag of optcourse-tui (--device, --data-dir, --section, --workspace) is given to the app of "
        "each tab. On a remote machine keep the default host and forward the port: "
        f"ssh -L {DEFAULT_PORT}:localhost:{DEFAULT_PORT} gpu-box, then open http://localhost:{DEFAULT_PORT}",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on (default: {DEFAULT_PORT})")
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=None,
        metavar="N",
        help="at most N browser tabs at once; one more gets a page saying the server is full (default: as many "
        f"as the memory free now holds, at about {SESSION_BYTES >> 20} MB each)",
    )
    parser.add_argument(
        "--public",
        action="store_true",
        help="allow a --host that is not loopback: whoever reaches the port runs the app, and its exercise "
        "checker runs Python code as you",
    )
    args, app_argv = parser.parse_known_args(argv)
    if not 0 < args.port < 65536:
        parser.error(f"--port {args.port} is not a port number (1-65535)")
    if args.max_sessions is not None and args.max_sessions < 1:
        parser.error(f"--max-sessions {args.max_sessions}: at least 1")
    if args.max_sessions is None:
        args.max_sessions = default_max_sessions()
    if not is_loopback(args.host) and not args.public:
        parser.error(f"--host {args.host} is reachable from other machines: add --public to mean it")
    if "--reset-progress" in app_argv:
        parser.error("--reset-progress asks on a terminal: run `optcourse-tui --reset-progress` instead")
    app_parse_args(app_argv)  # errors (unknown flag, bad section...) now, not in every tab
    return args, app_argv


def default_max_sessions(available: int | None = None) -> int:
    """As many sessions as the memory available now holds at SESSION_BYTES each (at least 1)."""
    if available is None:
        from engine.resources import available_ram

        available = available_ram() or SESSION_BYTES
    return max(1, available // SESSION_BYTES)


def full_page(limit: int) -> str:
    return (
        "<!doctype html><meta charset=utf-8><title>optcourse-tui: the server is full</title>"
        "<body style='font-family: monospace; margin: 3em'><h1>The server is full</h1>"
        f"<p>{limit} session{'s' if limit != 1 else ''} already run{'' if limit != 1 else 's'} here, as many as "
        "this machine's memory holds (optcourse-tui serve --max-sessions sets it).</p>"
        "<p>Try again when someone closes their tab: reload this page.</p></body>"
    )


def app_command(app_argv: list[str]) -> str:
    """The shell command of one tab's app; exec, so the app process is the server's child, not a shell's."""
    return "exec " + shlex.join([sys.executable, "-P", "-m", "tui", *app_argv])


def public_warning(host: str, port: int) -> str:
    return (
        f"optcourse-tui serve: WARNING: listening on {host}:{port}, reachable from other machines, with no "
        "password. Whoever opens the page gets a full app session, and the app runs Python code typed into it "
        f"(the exercise checker) as {_user()} on this machine. Prefer the default {DEFAULT_HOST} and an SSH "
        f"tunnel (ssh -L {port}:localhost:{port} this-machine)."
    )


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return "you"


def watch_server() -> None:
    """In a tab's app: quit (as on SIGTERM) when the server that started it is gone, never linger."""
    server = os.environ.get(SERVED_ENV)
    if not server or not server.isdigit():
        return

    def watch() -> None:
        while os.getppid() == int(server):
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)  # the web driver turns SIGTERM into a clean exit

    threading.Thread(target=watch, name="optcourse-watch-server", daemon=True).start()


def warm_template() -> None:
    """Start the engines' template before the first tab (it listens within a second, then imports torch): every
    tab's engines are forks of it, and it is the server's, not the first tab's (which would mark it as its own)."""
    from engine.template_client import TemplateError, ensure_template

    with contextlib.suppress(TemplateError, OSError):  # each app reports what keeps its engine from starting
        ensure_template()


def make_server(host: str, port: int, app_argv: list[str], max_sessions: int | None = None):
    """The textual-serve Server, with this module's process handling and request checks."""
    from .serve_server import CourseServer, Policy

    policy = Policy(
        max_sessions=max_sessions or default_max_sessions(),
        env={"PYTHONPATH": _ROOT, SERVED_ENV: str(os.getpid())},
        quit_grace=QUIT_GRACE,
        refusal=refusal,
        full_page=full_page,
    )
    return CourseServer(app_command(app_argv), host, port, policy)


def refusal(server_host: str, host: str, origin: str | None) -> str:
    """Why a request is refused ("" if allowed): a rebound DNS name, or a websocket from another site."""
    if is_loopback(server_host) and not is_loopback(urlsplit(f"//{host}").hostname or ""):
        return f"this server answers only to a loopback address, not {host!r}"
    if origin is not None and urlsplit(origin).netloc != host:
        return f"a page from {origin!r} may not open a session"
    return ""


def main(argv: list[str]) -> int:
    args, app_argv = parse_args(argv)
    if not is_loopback(args.host):
        print(public_warning(args.host, args.port), file=sys.stderr)
    try:
        server = make_server(args.host, args.port, app_argv, args.max_sessions)
    except ImportError as exc:
        print(f"optcourse-tui serve needs textual-serve ({exc}); pip install textual-serve", file=sys.stderr)
        return 2
    warm_template()
    try:
        server.serve()
    except OSError as exc:  # the port is taken, or the address is not this machine's
        print(f"optcourse-tui serve: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0
